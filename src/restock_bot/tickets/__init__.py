"""Restock tickets: the lifecycle of one store's missing product, its deadline and escalations (pure)."""

from restock_bot.tickets.lifecycle import Change, IllegalTransition
from restock_bot.tickets.models import EventKind, Ticket, TicketEvent, TicketState, reporter_key, ticket_key
from restock_bot.tickets.sla import Due, SlaPolicy

__all__ = [
    "Change",
    "Due",
    "EventKind",
    "IllegalTransition",
    "SlaPolicy",
    "Ticket",
    "TicketEvent",
    "TicketState",
    "reporter_key",
    "ticket_key",
]
