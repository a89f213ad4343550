"""What a ticket says: replies to reporters and the event a distributor is sent."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from restock_bot.tickets.models import Ticket, TicketEvent

MAX_CANDIDATES = 3


def _hours(value: float) -> str:
    return f"{value:g}"


def _greeting(username: str) -> str:
    return f"Thanks @{username}! " if username else "Thanks! "


def acknowledgement(ticket: Ticket, store: str, username: str, new: bool, now: datetime) -> str:
    """The reply to a report: its ticket number and how long the distributor has to restock."""
    hours_left = max(0, math.ceil((ticket.deadline - now).total_seconds() / 3600))
    if new:
        return (
            f"{_greeting(username)}Logged as ticket #{ticket.id} for {store}: restock within {hours_left} h."
        )
    return (
        f"{_greeting(username)}Added to ticket #{ticket.id} for {store} "
        f"(already open): restock within {hours_left} h."
    )


def clarification(labels: Sequence[str], username: str) -> str:
    """Ask which store was meant, listing at most three likely ones."""
    who = f"@{username} " if username else ""
    options = [label for label in labels if label][:MAX_CANDIDATES]
    if not options:
        return f"{who}Sorry to hear that! Which store was it? Reply with the store name and area."
    listed = "; ".join(f"{n}) {label}" for n, label in enumerate(options, start=1))
    return f"{who}Sorry to hear that! Which store do you mean? {listed} — reply with the right one."


def restocked(ticket: Ticket, store: str, username: str) -> str:
    """Tell a reporter their store has the product again."""
    who = f"@{username} " if username else ""
    return f"{who}Good news: {store} has been restocked (ticket #{ticket.id}). Thank you for telling us!"


def distributor_event(ticket: Ticket, event: TicketEvent, store: str, reports: int) -> dict[str, Any]:
    """The event a distributor is notified of (JSON-ready): what happened to which ticket, and by when."""
    return {
        "event_id": event.id,
        "event": event.kind.value,
        "at": event.at.isoformat(),
        "reason": event.reason,
        "tier": event.tier,
        "tier_name": event.data.get("tier_name"),
        "ticket": {
            "id": ticket.id,
            "state": ticket.state.value,
            "store_id": ticket.store_id,
            "store": store,
            "sku": ticket.sku,
            "brand": ticket.brand,
            "distributor_id": ticket.distributor_id,
            "opened_at": ticket.opened_at.isoformat(),
            "deadline": ticket.deadline.isoformat(),
            "reports": reports,
        },
    }
