"""Cannot supply, new dates and reopened tickets as distributors, approvers and reporters live them (pure)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from restock_bot.tickets import lifecycle, sla
from restock_bot.tickets.lifecycle import IllegalTransition
from restock_bot.tickets.models import EventKind, Ticket, TicketEvent, TicketState
from restock_bot.tickets.sla import SlaPolicy
from tests.fakes.restock import START
from tests.helpers import opened_ticket

T0 = START
POLICY = SlaPolicy(sla_hours=48, warn_at_hours=36, escalation_repeat_hours=24)
LADDER = ("distributor", "area_manager", "regional_head", "brand_operations")


def hours(n: float) -> datetime:
    return T0 + timedelta(hours=n)


def ticket() -> Ticket:
    return opened_ticket(7, brand="Munchu", reporter="x:asha", policy=POLICY)


def due_keys(t: Ticket, events: list[TicketEvent], now: datetime) -> list[str]:
    return [d.key for d in sla.due(t, events, now, LADDER, POLICY)]


def test_cannot_supply_records_the_promise_but_keeps_the_deadline_without_an_approver() -> None:
    change = lifecycle.cannot_supply(ticket(), who="d1:kiran", why="factory strike", promised=hours(96), at=hours(10))
    after = change.ticket
    assert after.state is TicketState.CANNOT_SUPPLY
    assert (after.promised_at, after.promise_approved_by, after.deadline) == (hours(96), None, hours(48))
    assert after.awaits_approval
    [event] = change.events
    assert (event.kind, event.actor, event.reason) == (EventKind.CANNOT_SUPPLY, "d1:kiran", "factory strike")
    assert event.data == {"promised_date": hours(96).isoformat()}
    # the clock does not stop: the old deadline still escalates
    assert due_keys(after, list(change.events), hours(48)) == ["escalated:1"]


def test_an_approved_new_date_becomes_the_deadline_and_the_ladder_starts_again() -> None:
    t = ticket()
    escalated = lifecycle.escalate(t, tier=1, tier_name="distributor", at=hours(48), reason="late")
    promised = lifecycle.cannot_supply(escalated.ticket, who="d1", why="no trucks", promised=hours(120), at=hours(50))
    approved = lifecycle.approve_new_date(promised.ticket, approver="Priya (area manager)", why="ok", at=hours(51))
    after = approved.ticket
    assert (after.deadline, after.promise_approved_by, after.deadline_round) == (hours(120), "Priya (area manager)", 1)
    assert (after.state, after.escalation_tier, after.awaits_approval) == (TicketState.CANNOT_SUPPLY, 0, False)
    [event] = approved.events
    assert event.kind is EventKind.NEW_DATE_APPROVED and event.actor == "Priya (area manager)"
    assert event.data == {"deadline": hours(120).isoformat(), "previous_deadline": hours(48).isoformat()}
    events = [*escalated.events, *promised.events, *approved.events]
    assert due_keys(after, events, hours(60)) == []  # rung 2 of the old deadline is not due any more
    assert due_keys(after, events, hours(108)) == ["warned@1"]
    assert due_keys(after, events, hours(121)) == ["escalated:1@1"]


def test_a_promise_made_with_an_approver_moves_the_deadline_at_once() -> None:
    change = lifecycle.cannot_supply(
        ticket(), who="d1", why="recall", promised=hours(100), at=hours(5), approver="brand-ops:meera"
    )
    assert [e.kind for e in change.events] == [EventKind.CANNOT_SUPPLY, EventKind.NEW_DATE_APPROVED]
    assert change.ticket.deadline == hours(100)


def test_approval_needs_a_promise_waiting_an_approver_and_a_future_date() -> None:
    with pytest.raises(IllegalTransition, match="ticket #7 has no new date waiting for approval"):
        lifecycle.approve_new_date(ticket(), approver="meera", why="", at=hours(1))
    promised = lifecycle.cannot_supply(ticket(), who="d1", why="strike", promised=hours(60), at=hours(1)).ticket
    with pytest.raises(ValueError, match="who"):
        lifecycle.approve_new_date(promised, approver=" ", why="", at=hours(2))
    with pytest.raises(ValueError, match="promised_date: .* has passed"):
        lifecycle.approve_new_date(promised, approver="meera", why="", at=hours(61))
    approved = lifecycle.approve_new_date(promised, approver="meera", why="", at=hours(2)).ticket
    with pytest.raises(IllegalTransition):
        lifecycle.approve_new_date(approved, approver="meera", why="", at=hours(3))


def test_cannot_supply_needs_a_reason_and_a_later_date() -> None:
    with pytest.raises(ValueError, match="why"):
        lifecycle.cannot_supply(ticket(), who="d1", why=" ", promised=hours(90), at=hours(1))
    with pytest.raises(ValueError, match="promised_date"):
        lifecycle.cannot_supply(ticket(), who="d1", why="strike", promised=hours(1), at=hours(2))
    closed = lifecycle.restock(ticket(), who="d1", why="", at=hours(3)).ticket
    with pytest.raises(IllegalTransition, match="cannot be marked cannot supply"):
        lifecycle.cannot_supply(closed, who="d1", why="strike", promised=hours(90), at=hours(4))


def test_a_report_within_the_reopen_window_reopens_and_counts_against_the_distributor() -> None:
    restocked = lifecycle.restock(ticket(), who="d1", why="", at=hours(20)).ticket
    assert lifecycle.reopens(restocked, hours(20) + timedelta(days=7), reopen_days=7)
    assert not lifecycle.reopens(restocked, hours(21) + timedelta(days=7), reopen_days=7)
    change = lifecycle.reopen(
        restocked, reporter="x:ravi", report_ref="x/9", reported_at=hours(50), at=hours(50), policy=POLICY
    )
    after = change.ticket
    assert (after.state, after.reopens, after.deadline_round) == (TicketState.REOPENED, 1, 1)
    assert (after.deadline, after.closed_at, after.restocked_at) == (hours(98), None, hours(20))
    assert after.is_active
    [event] = change.events
    assert (event.kind, event.key, event.actor) == (EventKind.REOPENED, "reopened@1", "x:ravi")
    assert event.data["counts_against"] == "d1"
    # a reopened ticket is acknowledged, warned, escalated and restocked again, with keys of its own round
    acked = lifecycle.acknowledge(after, who="d1", why="again", at=hours(51))
    assert acked.events[0].key == "acknowledged:0@1"
    assert lifecycle.restock(acked.ticket, who="d1", why="", at=hours(60)).events[0].key == "restocked@1"
    assert due_keys(after, [], hours(86)) == ["warned@1"]


def test_only_a_restocked_ticket_reopens() -> None:
    for closed in (ticket(), lifecycle.mark_not_a_stockout(ticket(), who="d", why="full", at=hours(1)).ticket):
        assert not lifecycle.reopens(closed, hours(2), reopen_days=7)
        with pytest.raises(IllegalTransition, match="cannot be reopened"):
            lifecycle.reopen(closed, reporter="x:a", report_ref="x/2", reported_at=hours(2), at=hours(2), policy=POLICY)


@pytest.mark.parametrize(
    ("state_of", "expected"),
    [
        (lambda t: t, ("acknowledge", "restocked", "not-a-stockout", "cannot-supply")),
        (
            lambda t: lifecycle.acknowledge(t, who="d", why="", at=T0).ticket,
            ("restocked", "not-a-stockout", "cannot-supply"),
        ),
        (lambda t: lifecycle.restock(t, who="d", why="", at=T0).ticket, ()),
    ],
    ids=["open", "acknowledged", "restocked"],
)
def test_links_offer_only_what_the_ticket_still_allows(state_of, expected: tuple[str, ...]) -> None:
    assert lifecycle.allowed_actions(state_of(ticket())) == expected
