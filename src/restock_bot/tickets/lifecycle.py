"""Ticket transitions: each takes a ticket and returns the new ticket plus the events that record it."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Protocol

from restock_bot.tickets.models import ACTIVE_STATES, EventKind, Ticket, TicketEvent, TicketState
from restock_bot.tickets.sla import WARNING_KEY, SlaPolicy, escalation_key


class IllegalTransition(ValueError):
    """A ticket was asked to do something its state does not allow; the message names ticket and state."""


@dataclass(frozen=True, slots=True)
class Change:
    """A ticket after a transition, and the events to record for it."""

    ticket: Ticket
    events: tuple[TicketEvent, ...]


class Transition(Protocol):
    """A change a person makes (acknowledge, restock, not a stock-out), with who and why."""

    def __call__(self, ticket: Ticket, *, who: str, why: str, at: datetime) -> Change: ...


def _check(ticket: Ticket, action: str, allowed: frozenset[TicketState]) -> None:
    if ticket.state not in allowed:
        names = ", ".join(sorted(s.value for s in allowed))
        raise IllegalTransition(
            f"{ticket.label} is {ticket.state.value}: cannot {action} (allowed from {names})"
        )


def open_ticket(
    *,
    store_id: str,
    distributor_id: str,
    sku: str | None,
    brand: str | None,
    reporter: str,
    report_ref: str,
    reported_at: datetime,
    at: datetime,
    policy: SlaPolicy,
) -> Change:
    """A new ticket for a first report; its deadline is the report's time plus the SLA."""
    ticket = Ticket(
        id=None,
        store_id=store_id,
        distributor_id=distributor_id,
        sku=sku,
        brand=brand,
        state=TicketState.OPEN,
        opened_at=reported_at,
        deadline=policy.deadline_for(reported_at),
    )
    event = TicketEvent(EventKind.OPENED, at, reporter, "first report", "opened", data={"report": report_ref})
    return Change(ticket, (event,))


def merge_report(ticket: Ticket, *, reporter: str, report_ref: str, at: datetime) -> Change:
    """A repeat report joins the open ticket; the deadline stays that of the first report."""
    _check(ticket, "take another report", ACTIVE_STATES)
    event = TicketEvent(
        EventKind.REPORT_MERGED,
        at,
        reporter,
        "repeat report",
        f"report:{report_ref}",
        data={"report": report_ref},
    )
    return Change(ticket, (event,))


def acknowledge(ticket: Ticket, *, who: str, why: str, at: datetime) -> Change:
    """The distributor has seen the ticket (again after an escalation)."""
    _check(ticket, "be acknowledged", frozenset({TicketState.OPEN, TicketState.ESCALATED}))
    after = replace(ticket, state=TicketState.ACKNOWLEDGED, acknowledged_at=at)
    key = f"acknowledged:{ticket.escalation_tier}"
    return Change(after, (TicketEvent(EventKind.ACKNOWLEDGED, at, who, why, key),))


def restock(ticket: Ticket, *, who: str, why: str, at: datetime) -> Change:
    """The product is back on the shelf: the ticket closes."""
    _check(ticket, "be marked restocked", ACTIVE_STATES)
    after = replace(ticket, state=TicketState.RESTOCKED, restocked_at=at, closed_at=at)
    return Change(after, (TicketEvent(EventKind.RESTOCKED, at, who, why, "restocked"),))


def mark_not_a_stockout(ticket: Ticket, *, who: str, why: str, at: datetime) -> Change:
    """The distributor says nothing was missing: the ticket closes without a restock."""
    _check(ticket, "be marked not a stock-out", ACTIVE_STATES)
    after = replace(ticket, state=TicketState.NOT_A_STOCKOUT, not_a_stockout_at=at, closed_at=at)
    return Change(after, (TicketEvent(EventKind.NOT_A_STOCKOUT, at, who, why, "not_a_stockout"),))


def warn(ticket: Ticket, *, at: datetime, reason: str) -> Change:
    """The deadline is near: record the warning (state unchanged)."""
    _check(ticket, "be warned", ACTIVE_STATES)
    after = replace(ticket, warned_at=at)
    return Change(after, (TicketEvent(EventKind.WARNED, at, "sla", reason, WARNING_KEY),))


def escalate(ticket: Ticket, *, tier: int, tier_name: str, at: datetime, reason: str) -> Change:
    """The deadline passed: tell rung `tier` (1-based) of the ladder."""
    _check(ticket, "be escalated", ACTIVE_STATES)
    after = replace(
        ticket,
        state=TicketState.ESCALATED,
        escalated_at=at,
        escalation_tier=max(ticket.escalation_tier, tier),
    )
    event = TicketEvent(
        EventKind.ESCALATED, at, "sla", reason, escalation_key(tier), tier=tier, data={"tier_name": tier_name}
    )
    return Change(after, (event,))
