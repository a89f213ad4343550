"""The SLA: from a ticket, its past events and now, what is due — a warning, or escalation tier N.

Warnings and escalations belong to the ticket's current deadline round: when a new date is approved or
the ticket reopens, the round goes up and the ladder starts again from its first rung."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from restock_bot.tickets.models import EventKind, Ticket, TicketEvent, event_key

WARNING_KEY = "warned"


def warning_key(number: int = 1, deadline_round: int = 0) -> str:
    """The key of the `number`th warning (1 is the earliest) of a deadline round."""
    return event_key(WARNING_KEY if number == 1 else f"{WARNING_KEY}:{number}", deadline_round)


def escalation_key(tier: int, deadline_round: int = 0) -> str:
    return event_key(f"escalated:{tier}", deadline_round)


@dataclass(frozen=True, slots=True)
class SlaPolicy:
    """Hours from the first report to the deadline, the warnings before it, and between escalation rungs.

    `warn_before_hours` lists warnings as hours before the deadline; when None, the one warning at
    `warn_at_hours` after the first report is used. `tier_repeat_hours` gives a rung its own wait before
    the next rung is told (by tier name); other rungs wait `escalation_repeat_hours`."""

    sla_hours: float = 48.0
    warn_at_hours: float = 36.0
    escalation_repeat_hours: float = 24.0
    warn_before_hours: tuple[float, ...] | None = None
    tier_repeat_hours: Mapping[str, float] = field(default_factory=dict)

    def deadline_for(self, opened_at: datetime) -> datetime:
        return opened_at + timedelta(hours=self.sla_hours)

    def warnings(self) -> tuple[float, ...]:
        """Hours before the deadline at which to warn, earliest warning first."""
        if self.warn_before_hours is None:
            before = self.sla_hours - self.warn_at_hours
            return (before,) if before > 0 else ()
        return tuple(sorted({h for h in self.warn_before_hours if h > 0}, reverse=True))

    def repeat_after(self, tier_name: str) -> float:
        """Hours rung `tier_name` has before the next rung is told."""
        return self.tier_repeat_hours.get(tier_name, self.escalation_repeat_hours)


@dataclass(frozen=True, slots=True)
class Due:
    """Something the SLA asks for at `at`: warning number `warning`, or an escalation to ladder rung `tier`."""

    kind: EventKind
    at: datetime
    tier: int | None = None
    tier_name: str | None = None
    warning: int | None = None
    deadline_round: int = 0

    @property
    def key(self) -> str:
        if self.tier is None:
            return warning_key(self.warning or 1, self.deadline_round)
        return escalation_key(self.tier, self.deadline_round)


def plan(ticket: Ticket, ladder: Sequence[str], policy: SlaPolicy) -> list[Due]:
    """Every warning and escalation of the ticket's deadline round if nobody acted, in time order.

    Rung 1 is told at the deadline, each next rung when the previous one's repeat interval is up, up to
    the ladder's top. A warning that would fall before the first report is left out."""
    r = ticket.deadline_round
    items: list[Due] = []
    for number, before in enumerate(policy.warnings(), start=1):
        warn_at = ticket.deadline - timedelta(hours=before)
        if warn_at >= ticket.opened_at:
            items.append(Due(EventKind.WARNED, warn_at, warning=number, deadline_round=r))
    at = ticket.deadline
    for tier, name in enumerate(ladder, start=1):
        items.append(Due(EventKind.ESCALATED, at, tier, name, deadline_round=r))
        at += timedelta(hours=policy.repeat_after(name))
    return items


def pending(
    ticket: Ticket, events: Iterable[TicketEvent], now: datetime, ladder: Sequence[str], policy: SlaPolicy
) -> list[Due]:
    """What is still to come or overdue; a warning not sent by the deadline is dropped for the escalation."""
    if not ticket.is_active:
        return []
    done = {e.key for e in events}
    return [
        d for d in plan(ticket, ladder, policy) if d.key not in done and not (d.tier is None and now >= ticket.deadline)
    ]


def due(
    ticket: Ticket, events: Iterable[TicketEvent], now: datetime, ladder: Sequence[str], policy: SlaPolicy
) -> list[Due]:
    """What must happen now: overdue items not yet recorded (each at most once per ticket and round)."""
    return [d for d in pending(ticket, events, now, ladder, policy) if d.at <= now]


def next_due_at(
    ticket: Ticket, events: Iterable[TicketEvent], now: datetime, ladder: Sequence[str], policy: SlaPolicy
) -> datetime | None:
    """When the sweep must next look at this ticket (None: nothing more is due)."""
    times = [d.at for d in pending(ticket, events, now, ladder, policy)]
    return min(times) if times else None
