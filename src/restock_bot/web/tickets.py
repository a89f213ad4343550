"""Tickets as the portal and the API show them (queue, history, triage's reasons) and the actions on them."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import col, select

from restock_bot.restock import RestockService, TicketNotFound
from restock_bot.restock.board import QueueItem, TicketHistory
from restock_bot.restock.queues import QueueFilter, portal_queue, urgency
from restock_bot.restock.reporters import town_of
from restock_bot.spreadsheets import spreadsheet_csv
from restock_bot.storage.tables import DecisionRow, ReportRow
from restock_bot.tickets import Ticket, TicketEvent
from restock_bot.web.fields import BadInput, number, text_field
from restock_bot.web.state import product_label

Change = Callable[..., Awaitable[Ticket]]


@dataclass(frozen=True, slots=True)
class TicketAction:
    """Something a distributor does to a ticket, named as in the URL and on the button."""

    name: str
    button: str
    done: str
    needs_why: bool
    change: Callable[[RestockService], Change]
    needs_date: bool = False  # cannot supply: the new date the distributor promises


def _cannot_supply(service: RestockService) -> Change:
    return service.report_cannot_supply


ACTIONS: dict[str, TicketAction] = {
    a.name: a
    for a in (
        TicketAction("acknowledge", "Acknowledge", "acknowledged", False, lambda s: s.acknowledge),
        TicketAction("restocked", "Mark restocked", "marked restocked", False, lambda s: s.mark_restocked),
        TicketAction(
            "not-a-stockout",
            "Not a stock-out",
            "marked not a stock-out",
            True,
            lambda s: s.mark_not_a_stockout,
        ),
        TicketAction(
            "cannot-supply",
            "Cannot supply",
            "marked cannot supply: the new date awaits approval",
            True,
            _cannot_supply,
            needs_date=True,
        ),
    )
}
QUICK_ACTIONS = ("acknowledge", "restocked", "not-a-stockout")  # on the queue; cannot supply on the ticket page


@dataclass(frozen=True, slots=True)
class QueueEntry:
    """One ticket in a distributor's queue, with the product's name and why triage opened it."""

    item: QueueItem
    product: str
    reasons: list[str]


def ticket_number(raw: str) -> int:
    return number(raw, "ticket_id", "ticket")


def action_named(name: str) -> TicketAction:
    try:
        return ACTIONS[name]
    except KeyError:
        raise BadInput("action", f"{name!r} is not one of {', '.join(ACTIONS)}") from None


async def act_on_ticket(
    service: RestockService,
    distributor_id: str,
    ticket_id: int,
    action: TicketAction,
    fields: Mapping[str, Any],
) -> Ticket:
    """Apply a distributor's action with who and why; not a stock-out needs a why, cannot supply a why and
    the promised date."""
    who = text_field(fields, "who", required="say who is making the change", limit=100)
    if action.needs_date:
        from restock_bot.web.new_dates import promised_date  # new_dates imports this module

        why = text_field(fields, "why", required="say why the store cannot be supplied in time")
        promised = promised_date(fields)
        return await action.change(service)(ticket_id, who, why, promised, distributor_id=distributor_id)
    why = text_field(fields, "why", required="say why nothing was missing" if action.needs_why else None)
    return await action.change(service)(ticket_id, who, why, distributor_id=distributor_id)


async def triage_reasons(service: RestockService, ticket_ids: Iterable[int]) -> dict[int, list[str]]:
    """Why triage read each ticket's reports as a stock-out, by ticket, without repeats."""
    ids = list(ticket_ids)
    if not ids:
        return {}
    # the decision that filed a report is on the post that named the store (`via`), else the report itself
    decided_post = func.coalesce(ReportRow.via_post_row_id, ReportRow.post_row_id)
    statement = (
        select(ReportRow.ticket_id, DecisionRow.explain)
        .join(DecisionRow, col(DecisionRow.post_row_id) == decided_post)
        .where(col(ReportRow.ticket_id).in_(ids))
        .order_by(col(ReportRow.reported_at), col(ReportRow.id))
    )
    async with service.database.session() as session:
        rows = (await session.exec(statement)).all()
    reasons: dict[int, list[str]] = {}
    for ticket_id, explain in rows:
        listed = reasons.setdefault(ticket_id, [])
        for reason in (explain or {}).get("reasons", []):
            if isinstance(reason, str) and reason not in listed:
                listed.append(reason)
    return reasons


async def distributor_queue(
    service: RestockService, distributor_id: str, product_names: Mapping[str, str]
) -> list[QueueEntry]:
    """The distributor's active tickets, most urgent deadline first."""
    items = await service.distributor_queue(distributor_id)
    reasons = await triage_reasons(service, (i.ticket.id for i in items if i.ticket.id is not None))
    return [
        QueueEntry(i, product_label(product_names, i.ticket.sku, i.ticket.brand), reasons.get(i.ticket.id or 0, []))
        for i in items
    ]


async def distributor_ticket(service: RestockService, distributor_id: str, ticket_id: int) -> TicketHistory:
    """One of the distributor's tickets with its events; another distributor's is 'not found'."""
    history = await service.ticket_history(ticket_id)
    if history.ticket.distributor_id != distributor_id:
        raise TicketNotFound(f"ticket #{ticket_id} not found for {distributor_id}")
    return history


async def ticket_detail(
    service: RestockService, distributor_id: str, ticket_id: int, product_names: Mapping[str, str]
) -> dict[str, Any]:
    """The JSON of one of the distributor's tickets: events (who, when, why), reports, triage's reasons."""
    history = await distributor_ticket(service, distributor_id, ticket_id)
    product = product_label(product_names, history.ticket.sku, history.ticket.brand)
    reasons = (await triage_reasons(service, [ticket_id])).get(ticket_id, [])
    return history_document(history, product, reasons)


def _iso(at: datetime | None) -> str | None:
    return at.isoformat() if at else None


def ticket_document(ticket: Ticket, store: str, product: str) -> dict[str, Any]:
    return {
        "id": ticket.id,
        "state": ticket.state.value,
        "store_id": ticket.store_id,
        "store": store,
        "distributor_id": ticket.distributor_id,
        "sku": ticket.sku,
        "brand": ticket.brand,
        "product": product,
        "opened_at": _iso(ticket.opened_at),
        "deadline": _iso(ticket.deadline),
        "acknowledged_at": _iso(ticket.acknowledged_at),
        "escalated_at": _iso(ticket.escalated_at),
        "escalation_tier": ticket.escalation_tier,
        "restocked_at": _iso(ticket.restocked_at),
        "not_a_stockout_at": _iso(ticket.not_a_stockout_at),
        "closed_at": _iso(ticket.closed_at),
        "priority": ticket.priority,
        "cannot_supply_at": _iso(ticket.cannot_supply_at),
        "promised_date": _iso(ticket.promised_at),
        "promise_approved_by": ticket.promise_approved_by,
        "reopened_at": _iso(ticket.reopened_at),
        "reopens": ticket.reopens,
    }


def queue_document(distributor_id: str, entries: list[QueueEntry]) -> dict[str, Any]:
    return {
        "distributor_id": distributor_id,
        "tickets": [
            {
                **ticket_document(e.item.ticket, e.item.store, e.product),
                "hours_left": round(e.item.hours_left, 2),
                "reports": e.item.reports,
                "reasons": e.reasons,
            }
            for e in entries
        ],
    }


def event_document(event: TicketEvent) -> dict[str, Any]:
    return {
        "kind": event.kind.value,
        "at": _iso(event.at),
        "who": event.actor,
        "why": event.reason,
        "tier": event.tier,
        "data": event.data,
    }


def history_document(history: TicketHistory, product: str, reasons: list[str]) -> dict[str, Any]:
    """A ticket with every event (who, when, why) and when each report came in."""
    return {
        **ticket_document(history.ticket, history.store, product),
        "reports": [{"channel": r.channel, "reported_at": _iso(r.reported_at)} for r in history.reports],
        "reasons": reasons,
        "events": [event_document(e) for e in history.events],
    }


@dataclass(frozen=True, slots=True)
class PortalEntry:
    """One ticket on a portal's queue: where, what, how long is left (and its colour), why it was opened."""

    ticket: Ticket
    distributor: str  # the distributor's name
    store: str
    town: str
    product: str
    reports: int
    hours_left: float
    urgency: str  # overdue | today | soon | ok | closed
    reasons: list[str]


async def portal_entries(
    service: RestockService,
    distributor_ids: Iterable[str],
    wanted: QueueFilter,
    product_names: Mapping[str, str],
) -> list[PortalEntry]:
    """The queue of one distributor (or of an area manager's distributors), filtered, least time left first."""
    stores = service.rules.stores
    listed = await portal_queue(service.database, list(distributor_ids), wanted, stores, service.clock.now())
    reasons = await triage_reasons(service, (q.ticket.id for q in listed if q.ticket.id is not None))
    return [
        PortalEntry(
            ticket=q.ticket,
            distributor=service.rules.distributor_name(q.ticket.distributor_id),
            store=service.rules.store_label(q.ticket.store_id),
            town=town_of(stores, q.ticket.store_id),
            product=product_label(product_names, q.ticket.sku, q.ticket.brand),
            reports=q.reports,
            hours_left=q.hours_left,
            urgency=urgency(q.hours_left, q.ticket.state.value),
            reasons=reasons.get(q.ticket.id or 0, []),
        )
        for q in listed
    ]


def portal_document(entries: list[PortalEntry]) -> dict[str, Any]:
    """The queue as JSON, in the shape of the API's queue, with the town and the urgency."""
    return {
        "tickets": [
            {
                **ticket_document(e.ticket, e.store, e.product),
                "town": e.town,
                "hours_left": round(e.hours_left, 2),
                "urgency": e.urgency,
                "reports": e.reports,
                "reasons": e.reasons,
            }
            for e in entries
        ],
    }


QUEUE_CSV_COLUMNS = (
    "ticket_id",
    "state",
    "distributor_id",
    "store_id",
    "store",
    "town",
    "sku",
    "product",
    "reports",
    "opened_at",
    "deadline",
    "hours_left",
    "acknowledged_at",
    "promised_date",
    "restocked_at",
    "reasons",
)


def queue_csv(entries: Iterable[PortalEntry]) -> str:
    """The queue as CSV for a spreadsheet; no cell can run as a formula."""
    return spreadsheet_csv(
        QUEUE_CSV_COLUMNS,
        (
            (
                e.ticket.id,
                e.ticket.state.value,
                e.ticket.distributor_id,
                e.ticket.store_id,
                e.store,
                e.town,
                e.ticket.sku,
                e.product,
                e.reports,
                e.ticket.opened_at,
                e.ticket.deadline,
                round(e.hours_left, 2),
                e.ticket.acknowledged_at,
                e.ticket.promised_at,
                e.ticket.restocked_at,
                "; ".join(e.reasons),
            )
            for e in entries
        ),
    )
