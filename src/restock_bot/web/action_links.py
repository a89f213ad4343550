"""Signed action links from notifications: GET shows what the link will do (mail scanners that open
links change nothing), POST does it, once.

  GET  /act/{token}   the ticket and a short form (who, a note; the promised date for cannot supply)
  POST /act/{token}   form fields or JSON {"who", "why", "promised_date"}: performs the action

Forged or damaged links get 403, expired or used ones 410."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from aiohttp import web

from restock_bot.restock import TicketNotFound
from restock_bot.tickets.links import APPROVE_NEW_DATE, ActionLink, BadLink, LinkUsed
from restock_bot.web.errors import NotAllowed, json_error, status_of
from restock_bot.web.fields import json_body, text_field
from restock_bot.web.new_dates import promised_date
from restock_bot.web.pages import render
from restock_bot.web.state import PRODUCT_NAMES, SERVICE, product_label
from restock_bot.web.tickets import ticket_document

routes = web.RouteTableDef()

LABELS = {
    "acknowledge": "Acknowledge",
    "restocked": "Mark restocked",
    "not-a-stockout": "Not a stock-out",
    "cannot-supply": "Cannot supply: promise a new date",
    APPROVE_NEW_DATE: "Approve the new date",
}
NEEDS_WHY = frozenset({"not-a-stockout", "cannot-supply"})


def _refuse(exc: BadLink) -> web.HTTPException:
    if exc.expired or isinstance(exc, LinkUsed):
        return web.HTTPGone(reason=str(exc))
    return web.HTTPForbidden(reason=str(exc))


def _link(request: web.Request) -> ActionLink:
    try:
        return request.app[SERVICE].read_action_link(request.match_info["token"])
    except BadLink as exc:
        raise _refuse(exc) from None


async def _page(request: web.Request, link: ActionLink, *, done: str = "") -> web.Response:
    history = await request.app[SERVICE].ticket_history(link.ticket_id)
    t = history.ticket
    if t.distributor_id != link.distributor_id:
        raise TicketNotFound(f"ticket #{link.ticket_id} not found for {link.distributor_id}")
    context = {
        "t": t,
        "label": LABELS[link.action],
        "store": history.store,
        "product": product_label(request.app[PRODUCT_NAMES], t.sku, t.brand),
        "path": request.path,
        "who": link.recipient,
        "needs_why": link.action in NEEDS_WHY,
        "needs_date": link.action == "cannot-supply",
        "expires_at": link.expires_at,
        "done": done,
    }
    return render(request, "action_link.html", context)


@routes.get("/act/{token}")
async def show(request: web.Request) -> web.Response:
    """What the link does, with a form to confirm it."""
    link = _link(request)
    used = await request.app[SERVICE].action_link_use(link)
    if used is not None:
        raise web.HTTPGone(reason=f"link: already used on {used.used_at:%Y-%m-%d %H:%M} UTC by {used.used_by}")
    return await _page(request, link)


async def _fields(request: web.Request) -> Mapping[str, Any]:
    if request.content_type == "application/json":
        return await json_body(request)
    if request.headers.get("Sec-Fetch-Site") == "cross-site":
        raise NotAllowed(403, "csrf: forms cannot be posted from another site")
    form = await request.post()
    return {k: v for k, v in form.items() if isinstance(v, str)}


@routes.post("/act/{token}")
async def act(request: web.Request) -> web.Response:
    """Do what the link allows (once); a machine posting JSON gets its answer, and its errors, as JSON."""
    if request.content_type != "application/json":
        return await _act(request)
    try:
        return await _act(request)
    except web.HTTPException as exc:
        return json_error(exc.status, exc.reason)
    except Exception as exc:
        status = status_of(exc)
        if status is None:
            raise
        return json_error(status, str(exc), field=getattr(exc, "field", None))


async def _act(request: web.Request) -> web.Response:
    link = _link(request)
    fields = await _fields(request)
    who = text_field(fields, "who", required="say who is making the change", limit=100)
    why = text_field(fields, "why", required="say why" if link.action in NEEDS_WHY else None)
    promised: datetime | None = promised_date(fields) if link.action == "cannot-supply" else None
    try:
        link, ticket = await request.app[SERVICE].act_through_link(request.match_info["token"], who, why, promised)
    except BadLink as exc:
        raise _refuse(exc) from None
    if request.content_type == "application/json":
        service = request.app[SERVICE]
        product = product_label(request.app[PRODUCT_NAMES], ticket.sku, ticket.brand)
        document = ticket_document(ticket, service.rules.store_label(ticket.store_id), product)
        return web.json_response({"action": link.action, "ticket": document})
    return await _page(request, link, done=f"Done: {LABELS[link.action].lower()} (ticket #{ticket.id}).")
