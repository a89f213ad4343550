"""The distributor portal: a distributor's queue, a ticket's history, and acknowledge / restocked /
not-a-stockout from a form. Every page needs that distributor's token (see access.py)."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from restock_bot.web.access import (
    How,
    Realm,
    allow,
    check_form,
    distributor_realm,
    form_token,
    log_in,
    log_out,
    login_page,
    remember,
)
from restock_bot.web.errors import status_of
from restock_bot.web.pages import remember_who, render, see_other, typed_who
from restock_bot.web.state import PRODUCT_NAMES, SERVICE, SETTINGS, product_label
from restock_bot.web.tickets import (
    ACTIONS,
    act_on_ticket,
    action_named,
    distributor_queue,
    distributor_ticket,
    queue_document,
    ticket_detail,
    ticket_number,
    triage_reasons,
)

routes = web.RouteTableDef()


def _realm(request: web.Request) -> Realm:
    return distributor_realm(request.app[SETTINGS], request.match_info["distributor_id"])


def _display_name(request: web.Request, distributor_id: str) -> str:
    configured = request.app[SETTINGS].distributors.get(distributor_id)
    return configured.name if configured and configured.name else distributor_id


async def _queue_page(
    request: web.Request, realm: Realm, *, error: str = "", status: int = 200, done: str = ""
) -> web.Response:
    distributor_id = request.match_info["distributor_id"]
    entries = await distributor_queue(request.app[SERVICE], distributor_id, request.app[PRODUCT_NAMES])
    context: dict[str, Any] = {
        "distributor_id": distributor_id,
        "distributor_name": _display_name(request, distributor_id),
        "entries": entries,
        "actions": ACTIONS.values(),
        "csrf": form_token(request, realm),
        "who": typed_who(request),
        "error": error,
        "done": done,
        "realm": realm,
    }
    return render(request, "portal.html", context, status=status)


def _done_message(request: web.Request) -> str:
    """What the last form did, rebuilt from known words only (the query string is not echoed)."""
    action = ACTIONS.get(request.query.get("done", ""))
    ticket = request.query.get("ticket", "")
    return f"Ticket #{ticket} {action.done}." if action and ticket.isdigit() else ""


@routes.get("/distributors/{distributor_id}.json")
async def queue_json(request: web.Request) -> web.Response:
    allow(request, _realm(request))
    entries = await distributor_queue(
        request.app[SERVICE], request.match_info["distributor_id"], request.app[PRODUCT_NAMES]
    )
    return web.json_response(queue_document(request.match_info["distributor_id"], entries))


@routes.get("/distributors/{distributor_id}")
async def queue_page(request: web.Request) -> web.Response:
    realm = _realm(request)
    if allow(request, realm) is How.QUERY:  # keep the token out of the address bar and history
        response = see_other(realm.home_path)
        remember(response, request, realm)
        return response
    return await _queue_page(request, realm, done=_done_message(request))


@routes.get("/distributors/{distributor_id}/login")
async def login_form(request: web.Request) -> web.Response:
    return login_page(request, _realm(request))


@routes.post("/distributors/{distributor_id}/login")
async def login(request: web.Request) -> web.StreamResponse:
    return await log_in(request, _realm(request))


@routes.post("/distributors/{distributor_id}/logout")
async def logout(request: web.Request) -> web.StreamResponse:
    return await log_out(request, _realm(request))


@routes.get("/distributors/{distributor_id}/tickets/{ticket_id}.json")
async def ticket_json(request: web.Request) -> web.Response:
    allow(request, _realm(request))
    ticket_id = ticket_number(request.match_info["ticket_id"])
    detail = await ticket_detail(
        request.app[SERVICE], request.match_info["distributor_id"], ticket_id, request.app[PRODUCT_NAMES]
    )
    return web.json_response(detail)


@routes.get("/distributors/{distributor_id}/tickets/{ticket_id}")
async def ticket_page(request: web.Request) -> web.Response:
    realm = _realm(request)
    allow(request, realm)
    distributor_id = request.match_info["distributor_id"]
    service = request.app[SERVICE]
    history = await distributor_ticket(
        service, distributor_id, ticket_number(request.match_info["ticket_id"])
    )
    ticket_id = history.ticket.id or 0
    context = {
        "distributor_id": distributor_id,
        "distributor_name": _display_name(request, distributor_id),
        "history": history,
        "product": product_label(request.app[PRODUCT_NAMES], history.ticket.sku, history.ticket.brand),
        "reasons": (await triage_reasons(service, [ticket_id])).get(ticket_id, []),
        "hours_left": (history.ticket.deadline - service.clock.now()).total_seconds() / 3600,
        "actions": ACTIONS.values(),
        "csrf": form_token(request, realm),
        "who": typed_who(request),
        "realm": realm,
    }
    return render(request, "ticket.html", context)


@routes.post("/distributors/{distributor_id}/tickets/{ticket_id}")
async def act(request: web.Request) -> web.Response:
    """A button on the portal: acknowledge, restocked or not a stock-out, then back to the queue."""
    realm = _realm(request)
    how = allow(request, realm)
    form = await request.post()
    check_form(request, realm, how, str(form.get("csrf", "")))
    fields = {k: v for k, v in form.items() if isinstance(v, str)}
    try:
        ticket_id = ticket_number(request.match_info["ticket_id"])
        action = action_named(fields.get("action", ""))
        ticket = await act_on_ticket(
            request.app[SERVICE], request.match_info["distributor_id"], ticket_id, action, fields
        )
    except Exception as exc:
        status = status_of(exc)
        if status is None:
            raise
        return await _queue_page(request, realm, error=str(exc), status=status)
    response = see_other(f"{realm.home_path}?done={action.name}&ticket={ticket.id}")
    remember_who(response, fields["who"])
    return response
