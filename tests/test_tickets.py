"""The ticket lifecycle as the people around a ticket live it (pure: plain values in, events out)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from restock_bot.tickets import lifecycle, messages
from restock_bot.tickets.lifecycle import IllegalTransition
from restock_bot.tickets.models import EventKind, Ticket, TicketState, ticket_key
from restock_bot.tickets.sla import SlaPolicy
from tests.fakes.restock import START
from tests.helpers import opened_ticket, opening

T0 = START


def first_report() -> Ticket:
    return opened_ticket(7, brand="Munchu", reporter="x:asha")


def test_first_report_opens_ticket_due_48_hours_later() -> None:
    change = opening(brand="Munchu", reporter="x:asha", at=T0 + timedelta(minutes=5))
    assert change.ticket.state is TicketState.OPEN
    assert change.ticket.deadline == T0 + timedelta(hours=48)
    [event] = change.events
    assert (event.kind, event.actor, event.key, event.at) == (
        EventKind.OPENED,
        "x:asha",
        "opened",
        T0 + timedelta(minutes=5),
    )


def test_deadline_follows_configured_sla() -> None:
    change = opening(sku=None, brand="Munchu", policy=SlaPolicy(sla_hours=24))
    assert change.ticket.deadline == T0 + timedelta(hours=24)


def test_ticket_key_is_store_and_sku_or_store_and_brand() -> None:
    assert ticket_key("S1", "MUN-50", "Munchu") == "S1|sku:MUN-50"
    assert ticket_key("S1", None, "Munchu") == "S1|brand:Munchu"
    assert ticket_key("S1", "MUN-50", "Munchu") != ticket_key("S2", "MUN-50", "Munchu")


def test_repeat_report_joins_without_moving_the_deadline() -> None:
    ticket = first_report()
    change = lifecycle.merge_report(ticket, reporter="x:ravi", report_ref="x/2", at=T0 + timedelta(hours=3))
    assert change.ticket == ticket
    [event] = change.events
    assert (event.kind, event.actor, event.key) == (EventKind.REPORT_MERGED, "x:ravi", "report:x/2")


def test_distributor_acknowledges_then_restocks() -> None:
    ticket = first_report()
    acked = lifecycle.acknowledge(ticket, who="dist:ravi", why="van booked", at=T0 + timedelta(hours=1))
    assert acked.ticket.state is TicketState.ACKNOWLEDGED
    assert acked.ticket.acknowledged_at == T0 + timedelta(hours=1)
    done = lifecycle.restock(acked.ticket, who="dist:ravi", why="shelf filled", at=T0 + timedelta(hours=20))
    assert done.ticket.state is TicketState.RESTOCKED
    assert done.ticket.restocked_at == done.ticket.closed_at == T0 + timedelta(hours=20)
    assert not done.ticket.is_active
    [event] = done.events
    assert (event.actor, event.reason) == ("dist:ravi", "shelf filled")


def test_not_a_stockout_closes_the_ticket() -> None:
    change = lifecycle.mark_not_a_stockout(first_report(), who="dist:ravi", why="on shelf, photo attached", at=T0)
    assert change.ticket.state is TicketState.NOT_A_STOCKOUT
    assert change.ticket.closed_at == T0


def test_escalation_records_the_rung_and_can_still_be_acknowledged() -> None:
    late = T0 + timedelta(hours=48)
    escalated = lifecycle.escalate(first_report(), tier=1, tier_name="distributor", at=late, reason="late")
    assert escalated.ticket.state is TicketState.ESCALATED
    assert escalated.ticket.escalation_tier == 1
    assert escalated.events[0].key == "escalated:1"
    acked = lifecycle.acknowledge(escalated.ticket, who="dist:ravi", why="on it", at=late)
    assert acked.ticket.state is TicketState.ACKNOWLEDGED
    assert acked.events[0].key == "acknowledged:1"


@pytest.mark.parametrize("closing", [lifecycle.restock, lifecycle.mark_not_a_stockout])
def test_closed_ticket_refuses_further_changes(closing: lifecycle.Transition) -> None:
    closed = closing(first_report(), who="dist:ravi", why="done", at=T0).ticket
    with pytest.raises(IllegalTransition, match=r"ticket #7 is .*cannot be acknowledged"):
        lifecycle.acknowledge(closed, who="dist:ravi", why="", at=T0)
    with pytest.raises(IllegalTransition, match="cannot take another report"):
        lifecycle.merge_report(closed, reporter="x:b", report_ref="x/9", at=T0)
    with pytest.raises(IllegalTransition):
        lifecycle.escalate(closed, tier=1, tier_name="distributor", at=T0, reason="")


def test_acknowledging_twice_is_refused() -> None:
    acked = lifecycle.acknowledge(first_report(), who="d", why="", at=T0).ticket
    with pytest.raises(IllegalTransition, match="is acknowledged: cannot be acknowledged"):
        lifecycle.acknowledge(acked, who="d", why="", at=T0)


def test_acknowledgement_reply_names_ticket_and_hours_left() -> None:
    ticket = first_report()
    assert "ticket #7" in messages.acknowledgement(ticket, "Sharma Kirana", "asha", True, T0)
    assert "restock within 48 h" in messages.acknowledgement(ticket, "Sharma Kirana", "asha", True, T0)
    later = messages.acknowledgement(ticket, "Sharma Kirana", "ravi", False, T0 + timedelta(hours=10))
    assert "restock within 38 h" in later and "@ravi" in later


def test_clarify_reply_lists_at_most_three_stores() -> None:
    text = messages.clarification(["A, Pune", "B, Pune", "C, Pune", "D, Pune"], "asha")
    assert "1) A, Pune" in text and "3) C, Pune" in text and "D, Pune" not in text
    assert "Which store was it?" in messages.clarification([], "asha")
