"""What a ticket says: replies to reporters and the event a distributor is sent."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from restock_bot.tickets.models import EventKind, Ticket, TicketEvent

MAX_CANDIDATES = 3


def _hours(value: float) -> str:
    return f"{value:g}"


def _greeting(username: str) -> str:
    return f"Thanks @{username}! " if username else "Thanks! "


def acknowledgement(ticket: Ticket, store: str, username: str, new: bool, now: datetime) -> str:
    """The reply to a report: its ticket number and how long the distributor has to restock."""
    hours_left = max(0, math.ceil((ticket.deadline - now).total_seconds() / 3600))
    if new:
        return f"{_greeting(username)}Logged as ticket #{ticket.id} for {store}: restock within {hours_left} h."
    return (
        f"{_greeting(username)}Added to ticket #{ticket.id} for {store} (already open): restock within {hours_left} h."
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


def reopened(ticket: Ticket, store: str, username: str, now: datetime) -> str:
    """The reply to a report that reopened a ticket restocked only days ago."""
    hours_left = max(0, math.ceil((ticket.deadline - now).total_seconds() / 3600))
    return (
        f"{_greeting(username)}{store} ran out again soon after its restock: ticket #{ticket.id} is reopened, "
        f"restock within {hours_left} h."
    )


def not_a_stockout(ticket: Ticket, store: str, username: str) -> str:
    """A polite note to a reporter when the distributor found the product on the shelf."""
    who = f"@{username} " if username else ""
    return (
        f"{who}Thank you for telling us! The distributor checked {store} and found it in stock, so we closed "
        f"ticket #{ticket.id}. If the shelf is empty when you go, please tell us again."
    )


def _links_text(links: Mapping[str, str]) -> list[str]:
    if not links:
        return []
    names = {
        "acknowledge": "Acknowledge",
        "restocked": "Mark restocked",
        "not-a-stockout": "Not a stock-out",
        "cannot-supply": "Cannot supply (promise a new date)",
        "approve-new-date": "Approve the new date",
    }
    return ["", "Act on it (each link works once):", *(f"  {names.get(a, a)}: {url}" for a, url in links.items())]


def _when(at: datetime | None) -> str:
    return f"{at:%Y-%m-%d %H:%M} UTC" if at else "–"


def event_email(
    ticket: Ticket, event: TicketEvent, store: str, reports: int, links: Mapping[str, str]
) -> tuple[str, str]:
    """The subject and plain-text body of the email about a ticket event."""
    product = ticket.sku or ticket.brand or "the product"
    subjects = {
        EventKind.OPENED: f"New restock ticket #{ticket.id}: {product} at {store}",
        EventKind.WARNED: f"Ticket #{ticket.id} is nearly due: {product} at {store}",
        EventKind.ESCALATED: (
            f"Ticket #{ticket.id} escalated to {event.data.get('tier_name', '')}: {store} missed the deadline"
        ),
        EventKind.REOPENED: f"Ticket #{ticket.id} reopened: {product} missing again at {store}",
        EventKind.CANNOT_SUPPLY: f"Ticket #{ticket.id} needs approval: new date {_when(ticket.promised_at)}",
        EventKind.NEW_DATE_APPROVED: f"Ticket #{ticket.id}: new deadline {_when(ticket.deadline)} approved",
    }
    subject = subjects.get(event.kind, f"Ticket #{ticket.id}: {event.kind.value.replace('_', ' ')}")
    # reporters' identities stay with the brand; people's own actions name them
    by = f" by {event.actor}" if event.kind in (EventKind.CANNOT_SUPPLY, EventKind.NEW_DATE_APPROVED) else ""
    body = [
        f"{event.kind.value.replace('_', ' ').capitalize()}{by} at {_when(event.at)}: {event.reason}",
        "",
        f"Ticket #{ticket.id} · {ticket.state.value.replace('_', ' ')}",
        f"Store: {store} ({ticket.store_id})",
        f"Product: {product}",
        f"Distributor: {ticket.distributor_id}",
        f"First report: {_when(ticket.opened_at)} · reports: {reports} · priority: {ticket.priority}",
        f"Deadline: {_when(ticket.deadline)}",
    ]
    if ticket.promised_at is not None:
        approved = f"approved by {ticket.promise_approved_by}" if ticket.promise_approved_by else "awaiting approval"
        body.append(f"Promised date: {_when(ticket.promised_at)} ({approved})")
    return subject, "\n".join(body + _links_text(links))


def distributor_event(
    ticket: Ticket, event: TicketEvent, store: str, reports: int, links: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """The event a distributor is notified of (JSON-ready): what happened to which ticket, by when, and the
    signed links that act on it."""
    return {
        "event_id": event.id,
        "event": event.kind.value,
        "at": event.at.isoformat(),
        "reason": event.reason,
        "tier": event.tier,
        "tier_name": event.data.get("tier_name"),
        "links": dict(links or {}),
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
            "priority": ticket.priority,
            "reopens": ticket.reopens,
            "promised_date": ticket.promised_at.isoformat() if ticket.promised_at else None,
            "promise_approved_by": ticket.promise_approved_by,
        },
    }
