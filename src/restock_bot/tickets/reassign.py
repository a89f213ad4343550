"""Moving an active ticket to another distributor (an operator's fix when the store list named the wrong one).

The deadline stays: the promise was made to the reporters, not to a distributor. The state stays too, except
that an acknowledgement by the old distributor no longer counts: the new one has not seen the ticket yet."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from restock_bot.tickets.lifecycle import Change, IllegalTransition
from restock_bot.tickets.models import ACTIVE_STATES, EventKind, Ticket, TicketEvent, TicketState


def reassign(ticket: Ticket, *, to: str, who: str, why: str, at: datetime) -> Change:
    """The ticket held by distributor `to` from now on, with a `reassigned` event naming both distributors."""
    if not ticket.is_active:
        raise IllegalTransition(f"{ticket.label} is {ticket.state.value}: only an active ticket can be reassigned")
    if not to.strip():
        raise ValueError("to: name the distributor that takes the ticket over")
    if to == ticket.distributor_id:
        raise IllegalTransition(f"{ticket.label} is already with {to}")
    state = TicketState.OPEN if ticket.state is TicketState.ACKNOWLEDGED else ticket.state
    moved = replace(ticket, distributor_id=to, state=state)
    assert moved.state in ACTIVE_STATES
    event = TicketEvent(
        EventKind.REASSIGNED,
        at,
        who,
        why or f"moved from {ticket.distributor_id} to {to}",
        f"reassigned:{at.isoformat()}:{to}",
        data={"from": ticket.distributor_id, "to": to},
    )
    return Change(moved, (event,))
