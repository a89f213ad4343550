"""Cannot supply and new dates in the JSON API: a distributor says it cannot restock in time and promises
a date; brand operations approve it, and only then does it become the deadline.

  POST /api/distributors/{id}/tickets/{ticket}/cannot-supply   {"who", "why", "promised_date"}
  POST /api/operations/tickets/{ticket}/approve-new-date       {"who", "why"}   (operations_token)

`promised_date` is ISO 8601: a date-time with its offset ("2025-03-08T18:00:00+05:30"), or a date (the
end of that day, UTC)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, time
from typing import Any

from aiohttp import web

from restock_bot.tickets import Ticket
from restock_bot.web.access import allow, distributor_realm
from restock_bot.web.fields import BadInput, json_body, text_field
from restock_bot.web.operations import allow_operations
from restock_bot.web.state import PRODUCT_NAMES, SERVICE, SETTINGS, product_label
from restock_bot.web.tickets import ticket_document, ticket_number

routes = web.RouteTableDef()

END_OF_DAY = time(23, 59, 59, tzinfo=UTC)


def promised_date(fields: Mapping[str, Any]) -> datetime:
    """The promised date of a request: ISO 8601 date-time (naive is UTC) or a date (its last second, UTC)."""
    raw = text_field(fields, "promised_date", required="say when the store will be restocked", limit=40)
    try:
        if len(raw) == 10:
            return datetime.combine(date.fromisoformat(raw), END_OF_DAY)
        when = datetime.fromisoformat(raw)
    except ValueError:
        raise BadInput("promised_date", f"{raw!r} is not an ISO 8601 date or date-time") from None
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def _answer(request: web.Request, ticket: Ticket) -> web.Response:
    service = request.app[SERVICE]
    product = product_label(request.app[PRODUCT_NAMES], ticket.sku, ticket.brand)
    return web.json_response({"ticket": ticket_document(ticket, service.rules.store_label(ticket.store_id), product)})


@routes.post("/api/distributors/{distributor_id}/tickets/{ticket_id}/cannot-supply")
async def cannot_supply(request: web.Request) -> web.Response:
    """The distributor cannot restock in time: why, and the new date it promises (the deadline holds until
    it is approved)."""
    distributor_id = request.match_info["distributor_id"]
    allow(request, distributor_realm(request.app[SETTINGS], distributor_id))
    ticket_id = ticket_number(request.match_info["ticket_id"])
    fields = await json_body(request)
    who = text_field(fields, "who", required="say who is making the change", limit=100)
    why = text_field(fields, "why", required="say why the store cannot be supplied in time")
    ticket = await request.app[SERVICE].report_cannot_supply(
        ticket_id, who, why, promised_date(fields), distributor_id=distributor_id
    )
    return _answer(request, ticket)


@routes.post("/api/operations/tickets/{ticket_id}/approve-new-date")
async def approve_new_date(request: web.Request) -> web.Response:
    """Brand operations approve the promised date: it becomes the deadline."""
    allow_operations(request)
    ticket_id = ticket_number(request.match_info["ticket_id"])
    fields = await json_body(request)
    who = text_field(fields, "who", required="say who approves the new date", limit=100)
    why = text_field(fields, "why")
    return _answer(request, await request.app[SERVICE].approve_new_date(ticket_id, who, why))
