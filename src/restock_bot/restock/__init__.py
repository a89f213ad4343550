"""The restock loop: acts on triage's decisions with tickets, replies, notifications and gifts."""

from restock_bot.restock.flows import Rules, TicketNotFound, UnknownStore
from restock_bot.restock.service import RestockService, Triager

__all__ = ["RestockService", "Rules", "TicketNotFound", "Triager", "UnknownStore"]
