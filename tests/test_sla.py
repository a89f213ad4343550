"""The SLA clock: a warning before the deadline, then up the escalation ladder — each exactly once."""

from __future__ import annotations

from datetime import datetime, timedelta

from restock_bot.tickets import lifecycle, sla
from restock_bot.tickets.models import EventKind, Ticket, TicketEvent
from restock_bot.tickets.sla import SlaPolicy
from tests.fakes.restock import START
from tests.helpers import opened_ticket

T0 = START
LADDER = ("distributor", "area_manager", "regional_head")
POLICY = SlaPolicy(sla_hours=48, warn_at_hours=36, escalation_repeat_hours=24)


def hours(n: float) -> datetime:
    return T0 + timedelta(hours=n)


def ticket() -> Ticket:
    return opened_ticket(1, policy=POLICY)


def due_kinds(t: Ticket, events: list[TicketEvent], now: datetime) -> list[tuple[EventKind, int | None]]:
    return [(d.kind, d.tier) for d in sla.due(t, events, now, LADDER, POLICY)]


def test_nothing_is_due_before_the_warning_time() -> None:
    assert due_kinds(ticket(), [], hours(35.9)) == []
    assert sla.next_due_at(ticket(), [], hours(1), LADDER, POLICY) == hours(36)


def test_warning_is_due_at_36_hours_and_only_once() -> None:
    t = ticket()
    assert due_kinds(t, [], hours(36)) == [(EventKind.WARNED, None)]
    warned = lifecycle.warn(t, at=hours(36), reason="near")
    assert due_kinds(warned.ticket, list(warned.events), hours(40)) == []
    assert sla.next_due_at(warned.ticket, list(warned.events), hours(40), LADDER, POLICY) == hours(48)


def test_deadline_escalates_to_the_distributor_first() -> None:
    t = ticket()
    warned = lifecycle.warn(t, at=hours(36), reason="near").events
    [item] = sla.due(t, list(warned), hours(48), LADDER, POLICY)
    assert (item.kind, item.tier, item.tier_name, item.at) == (
        EventKind.ESCALATED,
        1,
        "distributor",
        hours(48),
    )


def test_a_warning_missed_until_the_deadline_is_dropped_for_the_escalation() -> None:
    assert due_kinds(ticket(), [], hours(49)) == [(EventKind.ESCALATED, 1)]


def test_escalation_climbs_one_rung_per_repeat_interval_and_stops_at_the_top() -> None:
    t = ticket()
    events: list[TicketEvent] = []
    for tier, name in enumerate(LADDER, start=1):
        at = hours(48 + 24 * (tier - 1))
        assert due_kinds(t, events, at) == [(EventKind.ESCALATED, tier)]
        change = lifecycle.escalate(t, tier=tier, tier_name=name, at=at, reason="late")
        t, events = change.ticket, events + list(change.events)
    assert due_kinds(t, events, hours(500)) == []
    assert sla.next_due_at(t, events, hours(500), LADDER, POLICY) is None


def test_rungs_missed_while_the_bot_was_down_are_all_due() -> None:
    assert due_kinds(ticket(), [], hours(48 + 24 + 1)) == [(EventKind.ESCALATED, 1), (EventKind.ESCALATED, 2)]


def test_acknowledged_ticket_still_escalates_if_not_restocked() -> None:
    acked = lifecycle.acknowledge(ticket(), who="d", why="", at=hours(2))
    assert due_kinds(acked.ticket, list(acked.events), hours(48)) == [(EventKind.ESCALATED, 1)]


def test_restocked_ticket_has_nothing_due() -> None:
    done = lifecycle.restock(ticket(), who="d", why="", at=hours(10)).ticket
    assert due_kinds(done, [], hours(100)) == []
    assert sla.next_due_at(done, [], hours(100), LADDER, POLICY) is None


def test_distributor_with_a_short_ladder() -> None:
    assert [d.tier_name for d in sla.plan(ticket(), ("distributor",), POLICY) if d.tier] == ["distributor"]
