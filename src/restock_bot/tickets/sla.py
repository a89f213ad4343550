"""The SLA: from a ticket, its past events and now, what is due — a warning, or escalation tier N."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from restock_bot.tickets.models import EventKind, Ticket, TicketEvent

WARNING_KEY = "warned"


def escalation_key(tier: int) -> str:
    return f"escalated:{tier}"


@dataclass(frozen=True, slots=True)
class SlaPolicy:
    """Hours from the first report to the deadline and the warning, and between escalation rungs."""

    sla_hours: float = 48.0
    warn_at_hours: float = 36.0
    escalation_repeat_hours: float = 24.0

    def deadline_for(self, opened_at: datetime) -> datetime:
        return opened_at + timedelta(hours=self.sla_hours)


@dataclass(frozen=True, slots=True)
class Due:
    """Something the SLA asks for at `at`: a warning (tier None) or an escalation to ladder rung `tier`."""

    kind: EventKind
    at: datetime
    tier: int | None = None
    tier_name: str | None = None

    @property
    def key(self) -> str:
        return WARNING_KEY if self.tier is None else escalation_key(self.tier)


def plan(ticket: Ticket, ladder: Sequence[str], policy: SlaPolicy) -> list[Due]:
    """Every warning and escalation a ticket would get if nobody acted, in time order.

    Rung 1 is told at the deadline, each next rung `escalation_repeat_hours` later, up to the ladder's top."""
    items: list[Due] = []
    warn_at = ticket.opened_at + timedelta(hours=policy.warn_at_hours)
    if warn_at < ticket.deadline:
        items.append(Due(EventKind.WARNED, warn_at))
    repeat = timedelta(hours=policy.escalation_repeat_hours)
    for tier, name in enumerate(ladder, start=1):
        items.append(Due(EventKind.ESCALATED, ticket.deadline + repeat * (tier - 1), tier, name))
    return items


def pending(
    ticket: Ticket, events: Iterable[TicketEvent], now: datetime, ladder: Sequence[str], policy: SlaPolicy
) -> list[Due]:
    """What is still to come or overdue; a warning not sent by the deadline is dropped for the escalation."""
    if not ticket.is_active:
        return []
    done = {e.key for e in events}
    return [
        d
        for d in plan(ticket, ladder, policy)
        if d.key not in done and not (d.tier is None and now >= ticket.deadline)
    ]


def due(
    ticket: Ticket, events: Iterable[TicketEvent], now: datetime, ladder: Sequence[str], policy: SlaPolicy
) -> list[Due]:
    """What must happen now: overdue items not yet recorded (each at most once per ticket)."""
    return [d for d in pending(ticket, events, now, ladder, policy) if d.at <= now]


def next_due_at(
    ticket: Ticket, events: Iterable[TicketEvent], now: datetime, ladder: Sequence[str], policy: SlaPolicy
) -> datetime | None:
    """When the sweep must next look at this ticket (None: nothing more is due)."""
    times = [d.at for d in pending(ticket, events, now, ladder, policy)]
    return min(times) if times else None
