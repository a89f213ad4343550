"""The distributor portal: a distributor's queue (or an area manager's, over the distributors under them),
least time left first with the colour of urgency, filtered by town, store, sku and state; bulk acknowledge;
CSV export; a ticket's page with its reports, store, events and actions (acknowledge, restocked, not a
stock-out, cannot supply). Every page needs a sign-in (see access.py).

  GET  /distributors/{id}   (+ .json, .csv)            /area-managers/{id}   (+ .json, .csv)
  POST /distributors/{id}/acknowledge                  /area-managers/{id}/acknowledge   tickets=…
  GET  /distributors/{id}/tickets/{ticket}  (+ .json)  POST the same: action=…
  GET|POST …/login   POST …/logout"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

from aiohttp import web
from aiohttp.typedefs import Handler

from restock_bot.restock import TicketNotFound
from restock_bot.restock.queues import QueueFilter, filter_choices, ticket_reports
from restock_bot.tickets import TicketState
from restock_bot.tickets.lifecycle import allowed_actions
from restock_bot.web.access import (
    How,
    Realm,
    allow,
    area_manager_realm,
    check_form,
    distributor_realm,
    form_token,
    log_in,
    log_out,
    login_page,
    principal_name,
    remember,
    safe_path,
    signed_in_as,
)
from restock_bot.web.errors import status_of
from restock_bot.web.fields import BadInput, text_field
from restock_bot.web.pages import remember_who, render, see_other, typed_who
from restock_bot.web.state import PRODUCT_NAMES, SERVICE, SETTINGS, product_label
from restock_bot.web.tickets import (
    ACTIONS,
    QUICK_ACTIONS,
    PortalEntry,
    act_on_ticket,
    action_named,
    distributor_ticket,
    portal_document,
    portal_entries,
    queue_csv,
    ticket_detail,
    ticket_number,
)

routes = web.RouteTableDef()

STATE_NAMES = {
    "open": "Let’s do it",
    "acknowledged": "On it",
    "escalated": "Past deadline",
    "cannot_supply": "New date promised",
    "reopened": "Reopened",
    "restocked": "Done",
    "not_a_stockout": "Not a stock-out",
}
BULK_LIMIT = 200


@dataclass(frozen=True, slots=True)
class Portal:
    """The portal a page belongs to: one distributor's, or an area manager's over several distributors."""

    realm: Realm
    title: str
    distributor_ids: tuple[str, ...]
    area_manager: bool = False


def _distributor_portal(request: web.Request) -> Portal:
    settings = request.app[SETTINGS]
    distributor_id = request.match_info["distributor_id"]
    title = principal_name(settings, f"distributor:{distributor_id}")
    return Portal(distributor_realm(settings, distributor_id), title, (distributor_id,))


def _area_manager_portal(request: web.Request) -> Portal:
    settings = request.app[SETTINGS]
    manager_id = request.match_info["manager_id"]
    configured = settings.area_managers.get(manager_id)
    distributors = tuple(configured.distributors) if configured else ()
    title = principal_name(settings, f"area_manager:{manager_id}")
    return Portal(area_manager_realm(settings, manager_id), title, distributors, area_manager=True)


def _who(request: web.Request, portal: Portal) -> str:
    """The name to fill in: the last one typed, else who is signed in, else the portal's name."""
    signed_in = signed_in_as(request, portal.realm)
    return typed_who(request) or (principal_name(request.app[SETTINGS], signed_in) if signed_in else portal.title)


# --- the queue ----------------------------------------------------------------------------------------


def _queue_filter(request: web.Request, portal: Portal) -> tuple[QueueFilter, tuple[str, ...]]:
    """The filters in the query string, and the distributors they leave (an area manager may pick one)."""
    q = request.query
    raw_state = q.get("state", "")
    try:
        state = TicketState(raw_state) if raw_state else None
    except ValueError:
        choices = ", ".join(s.value for s in TicketState)
        raise BadInput("state", f"{raw_state!r} is not one of {choices}") from None
    distributors = portal.distributor_ids
    chosen = q.get("distributor", "")
    if chosen:
        if chosen not in distributors:
            raise BadInput("distributor", f"{chosen!r} is not one of yours")
        distributors = (chosen,)
    wanted = QueueFilter(
        town=q.get("town", "").strip(), store_id=q.get("store", "").strip(), sku=q.get("sku", "").strip(), state=state
    )
    return wanted, distributors


def _filter_query(request: web.Request) -> str:
    """The filters of this page, to carry into the CSV and JSON links."""
    kept = {k: v for k, v in request.query.items() if k in ("town", "store", "sku", "state", "distributor") and v}
    return f"?{urlencode(kept)}" if kept else ""


def _done_message(request: web.Request) -> str:
    """What the last form did, rebuilt from known words only (the query string is not echoed)."""
    q = request.query
    if q.get("done") == "bulk":
        acknowledged, skipped = q.get("acknowledged", ""), q.get("skipped", "0")
        if acknowledged.isdigit() and skipped.isdigit():
            tail = f"; {skipped} skipped (already acknowledged or closed)" if skipped != "0" else ""
            return f"{acknowledged} ticket(s) acknowledged{tail}."
        return ""
    action = ACTIONS.get(q.get("done", ""))
    ticket = q.get("ticket", "")
    return f"Ticket #{ticket} {action.done}." if action and ticket.isdigit() else ""


def _page_context(request: web.Request, portal: Portal, error: str) -> dict[str, Any]:
    """What every portal page shows: whose portal it is, the form token and the name to fill in, and what
    went wrong with the last form (else what it did)."""
    return {
        "portal": portal,
        "realm": portal.realm,
        "distributor_name": portal.title,
        "state_names": STATE_NAMES,
        "csrf": form_token(request, portal.realm),
        "who": _who(request, portal),
        "error": error,
        "done": "" if error else _done_message(request),
    }


async def _entries(request: web.Request, portal: Portal) -> list[PortalEntry]:
    wanted, distributors = _queue_filter(request, portal)
    return await portal_entries(request.app[SERVICE], distributors, wanted, request.app[PRODUCT_NAMES])


async def _queue_page(request: web.Request, portal: Portal, *, error: str = "", status: int = 200) -> web.Response:
    service = request.app[SERVICE]
    wanted, _ = _queue_filter(request, portal)
    entries = await _entries(request, portal)
    choices = await filter_choices(
        service.database, portal.distributor_ids, service.rules.stores, service.rules.store_label
    )
    context: dict[str, Any] = {
        "entries": entries,
        "actions": [ACTIONS[name] for name in QUICK_ACTIONS],
        "wanted": wanted,
        "chosen_distributor": request.query.get("distributor", ""),
        "choices": choices,
        "distributors": [(d, service.rules.distributor_name(d)) for d in portal.distributor_ids],
        "states": [(s.value, STATE_NAMES[s.value]) for s in TicketState],
        "filters": _filter_query(request),
        "back": request.path_qs,
    }
    return render(request, "portal.html", {**context, **_page_context(request, portal, error)}, status=status)


async def _home(request: web.Request, portal: Portal) -> web.Response:
    if allow(request, portal.realm) is How.QUERY:  # keep the token out of the address bar and history
        response = see_other(portal.realm.home_path)
        await remember(response, request, portal.realm)
        return response
    return await _queue_page(request, portal)


async def _json(request: web.Request, portal: Portal) -> web.Response:
    allow(request, portal.realm)
    document = portal_document(await _entries(request, portal))
    if portal.area_manager:
        owner = {"area_manager": request.match_info["manager_id"], "distributor_ids": list(portal.distributor_ids)}
    else:
        owner = {"distributor_id": portal.distributor_ids[0]}
    return web.json_response({**owner, **document})


async def _csv(request: web.Request, portal: Portal) -> web.Response:
    allow(request, portal.realm)
    name = request.match_info.get("distributor_id") or request.match_info.get("manager_id") or "queue"
    stamp = request.app[SERVICE].clock.now().strftime("%Y-%m-%d")
    safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in name)
    return web.Response(
        text=queue_csv(await _entries(request, portal)),
        content_type="text/csv",
        headers={"Content-Disposition": f'attachment; filename="tickets-{safe}-{stamp}.csv"'},
    )


async def _bulk_acknowledge(request: web.Request, portal: Portal) -> web.Response:
    """Acknowledge every ticket ticked on the queue; those already acknowledged or closed are skipped."""
    how = allow(request, portal.realm)
    form = await request.post()
    check_form(request, portal.realm, how, str(form.get("csrf", "")))
    fields = {k: v for k, v in form.items() if isinstance(v, str)}
    back = safe_path(fields.get("back"), portal.realm.home_path)
    try:
        who = text_field(fields, "who", required="say who is acknowledging", limit=100)
        why = text_field(fields, "why")
        ids = [ticket_number(str(v)) for v in form.getall("ticket", []) if isinstance(v, str)]
        if not ids:
            raise BadInput("ticket", "tick at least one ticket to acknowledge")
        if len(ids) > BULK_LIMIT:
            raise BadInput("ticket", f"at most {BULK_LIMIT} tickets at once")
        acknowledged, skipped = await _acknowledge_each(request, portal, ids, who, why)
    except Exception as exc:
        status = status_of(exc)
        if status is None:
            raise
        return await _queue_page(request, portal, error=str(exc), status=status)
    response = see_other(_with_done(back, {"done": "bulk", "acknowledged": acknowledged, "skipped": skipped}))
    remember_who(response, request, who)
    return response


async def _acknowledge_each(
    request: web.Request, portal: Portal, ids: list[int], who: str, why: str
) -> tuple[int, int]:
    service = request.app[SERVICE]
    acknowledged = skipped = 0
    for ticket_id in dict.fromkeys(ids):
        history = await service.ticket_history(ticket_id)
        owner = history.ticket.distributor_id
        if owner not in portal.distributor_ids:  # never touch (or reveal) another distributor's ticket
            raise TicketNotFound(f"ticket #{ticket_id} not found for {portal.title}")
        if "acknowledge" not in allowed_actions(history.ticket):
            skipped += 1
            continue
        await service.acknowledge(ticket_id, who, why, distributor_id=owner)
        acknowledged += 1
    return acknowledged, skipped


# --- the queue routes of both portals -------------------------------------------------------------------

PortalHandler = Callable[[web.Request, Portal], Awaitable[web.StreamResponse]]


async def _login_form(request: web.Request, portal: Portal) -> web.Response:
    return login_page(request, portal.realm)


async def _log_in(request: web.Request, portal: Portal) -> web.StreamResponse:
    return await log_in(request, portal.realm)


async def _log_out(request: web.Request, portal: Portal) -> web.StreamResponse:
    return await log_out(request, portal.realm)


# under a portal's address (the .json and .csv twins first: the bare route would take them)
QUEUE_ROUTES: tuple[tuple[str, str, PortalHandler], ...] = (
    ("GET", ".json", _json),
    ("GET", ".csv", _csv),
    ("GET", "", _home),
    ("POST", "/acknowledge", _bulk_acknowledge),
    ("GET", "/login", _login_form),
    ("POST", "/login", _log_in),
    ("POST", "/logout", _log_out),
)
PORTALS: tuple[tuple[str, Callable[[web.Request], Portal]], ...] = (
    ("/distributors/{distributor_id}", _distributor_portal),
    ("/area-managers/{manager_id}", _area_manager_portal),
)


def _on_portal(handle: PortalHandler, portal_of: Callable[[web.Request], Portal]) -> Handler:
    async def handler(request: web.Request) -> web.StreamResponse:
        return await handle(request, portal_of(request))

    return handler


def _add_queue_routes() -> None:
    for base, portal_of in PORTALS:
        for method, suffix, handle in QUEUE_ROUTES:
            routes.route(method, base + suffix)(_on_portal(handle, portal_of))


_add_queue_routes()


# --- a ticket -------------------------------------------------------------------------------------------


def _osm_link(lat: float, lon: float) -> str:
    return f"https://www.openstreetmap.org/?mlat={lat:.5f}&mlon={lon:.5f}#map=17/{lat:.5f}/{lon:.5f}"


@routes.get("/distributors/{distributor_id}/tickets/{ticket_id}.json")
async def ticket_json(request: web.Request) -> web.Response:
    allow(request, _distributor_portal(request).realm)
    ticket_id = ticket_number(request.match_info["ticket_id"])
    detail = await ticket_detail(
        request.app[SERVICE], request.match_info["distributor_id"], ticket_id, request.app[PRODUCT_NAMES]
    )
    reports = await ticket_reports(request.app[SERVICE].database, ticket_id)
    detail["reports"] = [
        {
            **listed,
            "reporter": r.reporter,
            "reporter_name": r.reporter_name,
            "post_id": r.post_id,
            "text": r.text,
            "language": r.language,
            "reasons": r.reasons,
        }
        for listed, r in zip(detail["reports"], reports, strict=False)
    ]
    return web.json_response(detail)


async def _ticket_page(
    request: web.Request, portal: Portal, ticket_id: int, *, error: str = "", status: int = 200
) -> web.Response:
    service = request.app[SERVICE]
    history = await distributor_ticket(service, request.match_info["distributor_id"], ticket_id)
    ticket = history.ticket
    store = service.rules.stores.get(ticket.store_id)
    lat, lon = (store.lat, store.lon) if store else (None, None)
    allowed = allowed_actions(ticket)
    now = service.clock.now()
    context = {
        "history": history,
        "product": product_label(request.app[PRODUCT_NAMES], ticket.sku, ticket.brand),
        "reports": await ticket_reports(service.database, ticket_id),
        "store": store,
        "address": getattr(store, "address", "") if store else "",
        "lat": lat,
        "lon": lon,
        "map_link": _osm_link(lat, lon) if lat is not None and lon is not None else "",
        "hours_left": (ticket.deadline - now).total_seconds() / 3600,
        "actions": [a for a in ACTIONS.values() if a.name in allowed],
        "earliest_date": (now + timedelta(days=1)).date().isoformat(),
        "queue_path": safe_path(request.query.get("back"), portal.realm.home_path),
        "back": request.path,
    }
    return render(request, "ticket.html", {**context, **_page_context(request, portal, error)}, status=status)


@routes.get("/distributors/{distributor_id}/tickets/{ticket_id}")
async def ticket_page(request: web.Request) -> web.Response:
    portal = _distributor_portal(request)
    allow(request, portal.realm)
    return await _ticket_page(request, portal, ticket_number(request.match_info["ticket_id"]))


@routes.post("/distributors/{distributor_id}/tickets/{ticket_id}")
async def act(request: web.Request) -> web.Response:
    """A button on the portal: acknowledge, restocked, not a stock-out or cannot supply, then back to the
    page the form was on (the queue, or the ticket's page)."""
    portal = _distributor_portal(request)
    how = allow(request, portal.realm)
    form = await request.post()
    check_form(request, portal.realm, how, str(form.get("csrf", "")))
    fields = {k: v for k, v in form.items() if isinstance(v, str)}
    back = safe_path(fields.get("back"), portal.realm.home_path)
    ticket_id = ticket_number(request.match_info["ticket_id"])
    try:
        action = action_named(fields.get("action", ""))
        ticket = await act_on_ticket(
            request.app[SERVICE], request.match_info["distributor_id"], ticket_id, action, fields
        )
    except Exception as exc:
        status = status_of(exc)
        if status is None:
            raise
        if status != 404 and fields.get("page") == "ticket":  # say what went wrong next to the form
            return await _ticket_page(request, portal, ticket_id, error=str(exc), status=status)
        return await _queue_page(request, portal, error=str(exc), status=status)
    response = see_other(_with_done(back, {"done": action.name, "ticket": ticket.id}))
    remember_who(response, request, fields["who"])
    return response


def _with_done(back: str, done: dict[str, Any]) -> str:
    """`back` with the outcome of the form in its query (the filters it had are kept)."""
    base, _, query = back.partition("?")
    kept = [p for p in query.split("&") if p and not p.startswith(("done=", "ticket=", "acknowledged=", "skipped="))]
    return f"{base}?{'&'.join([*kept, urlencode(done)])}"
