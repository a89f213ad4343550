"""Ticket transitions: each takes a ticket and returns the new ticket plus the events that record it."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Protocol

from restock_bot.tickets.models import ACTIVE_STATES, EventKind, Ticket, TicketEvent, TicketState, event_key
from restock_bot.tickets.sla import SlaPolicy, escalation_key, warning_key

# Who may still be told to acknowledge: a ticket nobody has taken up in its current round.
UNACKNOWLEDGED = frozenset({TicketState.OPEN, TicketState.ESCALATED, TicketState.REOPENED})


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
        raise IllegalTransition(f"{ticket.label} is {ticket.state.value}: cannot {action} (allowed from {names})")


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
    _check(ticket, "be acknowledged", UNACKNOWLEDGED)
    after = replace(ticket, state=TicketState.ACKNOWLEDGED, acknowledged_at=at)
    key = event_key(f"acknowledged:{ticket.escalation_tier}", ticket.deadline_round)
    return Change(after, (TicketEvent(EventKind.ACKNOWLEDGED, at, who, why, key),))


def restock(ticket: Ticket, *, who: str, why: str, at: datetime) -> Change:
    """The product is back on the shelf: the ticket closes."""
    _check(ticket, "be marked restocked", ACTIVE_STATES)
    after = replace(ticket, state=TicketState.RESTOCKED, restocked_at=at, closed_at=at)
    key = event_key("restocked", ticket.deadline_round)
    return Change(after, (TicketEvent(EventKind.RESTOCKED, at, who, why, key),))


def mark_not_a_stockout(ticket: Ticket, *, who: str, why: str, at: datetime) -> Change:
    """The distributor says nothing was missing: the ticket closes without a restock."""
    _check(ticket, "be marked not a stock-out", ACTIVE_STATES)
    after = replace(ticket, state=TicketState.NOT_A_STOCKOUT, not_a_stockout_at=at, closed_at=at)
    key = event_key("not_a_stockout", ticket.deadline_round)
    return Change(after, (TicketEvent(EventKind.NOT_A_STOCKOUT, at, who, why, key),))


def warn(ticket: Ticket, *, at: datetime, reason: str, number: int = 1) -> Change:
    """The deadline is near: record warning `number` of this deadline round (state unchanged)."""
    _check(ticket, "be warned", ACTIVE_STATES)
    after = replace(ticket, warned_at=at)
    key = warning_key(number, ticket.deadline_round)
    return Change(after, (TicketEvent(EventKind.WARNED, at, "sla", reason, key, data={"warning": number}),))


def escalate(ticket: Ticket, *, tier: int, tier_name: str, at: datetime, reason: str) -> Change:
    """The deadline passed: tell rung `tier` (1-based) of the ladder."""
    _check(ticket, "be escalated", ACTIVE_STATES)
    after = replace(
        ticket,
        state=TicketState.ESCALATED,
        escalated_at=at,
        escalation_tier=max(ticket.escalation_tier, tier),
    )
    key = escalation_key(tier, ticket.deadline_round)
    event = TicketEvent(EventKind.ESCALATED, at, "sla", reason, key, tier=tier, data={"tier_name": tier_name})
    return Change(after, (event,))


def cannot_supply(
    ticket: Ticket, *, who: str, why: str, promised: datetime, at: datetime, approver: str | None = None
) -> Change:
    """The distributor cannot restock in time and promises a new date. The deadline moves to it only
    once an approver is recorded (here, or later with `approve_new_date`)."""
    _check(ticket, "be marked cannot supply", ACTIVE_STATES)
    if not why.strip():
        raise ValueError("why: say why the store cannot be supplied in time")
    if promised <= at:
        raise ValueError(f"promised_date: {promised.isoformat()} has passed; promise a later date")
    after = replace(
        ticket,
        state=TicketState.CANNOT_SUPPLY,
        cannot_supply_at=at,
        promised_at=promised,
        promise_approved_by=None,
    )
    key = event_key(f"cannot_supply:{promised:%Y-%m-%dT%H:%M}", ticket.deadline_round)
    event = TicketEvent(
        EventKind.CANNOT_SUPPLY, at, who, why.strip(), key, data={"promised_date": promised.isoformat()}
    )
    declared = Change(after, (event,))
    if approver is None:
        return declared
    approved = approve_new_date(after, approver=approver, why="approved with the promise", at=at)
    return Change(approved.ticket, declared.events + approved.events)


def approve_new_date(ticket: Ticket, *, approver: str, why: str, at: datetime) -> Change:
    """An approver accepts the promised date: it becomes the deadline, and warnings and the ladder start
    again for it."""
    if not ticket.awaits_approval or ticket.promised_at is None:
        raise IllegalTransition(f"{ticket.label} has no new date waiting for approval")
    if not approver.strip():
        raise ValueError("who: say who approves the new date")
    promised = ticket.promised_at
    if promised <= at:
        raise ValueError(f"promised_date: {promised.isoformat()} has passed; ask the distributor for a new date")
    after = replace(
        ticket,
        state=TicketState.CANNOT_SUPPLY,
        deadline=promised,
        promise_approved_by=approver.strip(),
        deadline_round=ticket.deadline_round + 1,
        escalation_tier=0,
        warned_at=None,
    )
    data = {"deadline": promised.isoformat(), "previous_deadline": ticket.deadline.isoformat()}
    reason = why.strip() or f"new deadline {promised:%Y-%m-%d %H:%M} UTC"
    key = event_key("new_date_approved", after.deadline_round)
    return Change(after, (TicketEvent(EventKind.NEW_DATE_APPROVED, at, approver.strip(), reason, key, data=data),))


def reopens(ticket: Ticket, now: datetime, reopen_days: float) -> bool:
    """Whether a new report now reopens this ticket: it was restocked at most `reopen_days` ago."""
    return (
        ticket.state is TicketState.RESTOCKED
        and ticket.restocked_at is not None
        and now - ticket.restocked_at <= timedelta(days=reopen_days)
    )


def reopen(
    ticket: Ticket,
    *,
    reporter: str,
    report_ref: str,
    reported_at: datetime,
    at: datetime,
    policy: SlaPolicy,
) -> Change:
    """A report soon after the restock: the ticket opens again with a new deadline from this report, and
    the reopening counts against the distributor."""
    _check(ticket, "be reopened", frozenset({TicketState.RESTOCKED}))
    after = replace(
        ticket,
        state=TicketState.REOPENED,
        deadline=policy.deadline_for(reported_at),
        reopened_at=at,
        closed_at=None,
        acknowledged_at=None,
        warned_at=None,
        escalation_tier=0,
        promised_at=None,
        promise_approved_by=None,
        reopens=ticket.reopens + 1,
        deadline_round=ticket.deadline_round + 1,
    )
    restocked = ticket.restocked_at.isoformat() if ticket.restocked_at else None
    reason = f"reported again after the restock; counts against distributor {ticket.distributor_id}"
    data = {"report": report_ref, "restocked_at": restocked, "counts_against": ticket.distributor_id}
    key = event_key("reopened", after.deadline_round)
    return Change(after, (TicketEvent(EventKind.REOPENED, at, reporter, reason, key, data=data),))


ACTIONS = ("acknowledge", "restocked", "not-a-stockout", "cannot-supply")


def allowed_actions(ticket: Ticket) -> tuple[str, ...]:
    """What a distributor may still do to the ticket, as the portal, API and signed links name it."""
    if not ticket.is_active:
        return ()
    return tuple(a for a in ACTIONS if a != "acknowledge" or ticket.state in UNACKNOWLEDGED)
