"""The JSON API for machines: the board, a distributor's tickets and their history, ticket actions,
gifts and reporters. Same tokens as the pages (Authorization: Bearer is the natural one here);
posts take a JSON body. Errors are `{"error": "..."}` naming the field at fault."""

from __future__ import annotations

from aiohttp import web

from restock_bot.web.access import allow, distributor_realm, marketing_realm
from restock_bot.web.board import board_document, read_board
from restock_bot.web.fields import json_body
from restock_bot.web.gifts import (
    act_on_gift,
    gift_action_named,
    gift_document,
    gift_number,
    gift_state,
    gifts_document,
    reporters_document,
)
from restock_bot.web.state import PRODUCT_NAMES, SERVICE, SETTINGS, product_label
from restock_bot.web.tickets import (
    act_on_ticket,
    action_named,
    distributor_queue,
    queue_document,
    ticket_detail,
    ticket_document,
    ticket_number,
)

routes = web.RouteTableDef()


def _allow_distributor(request: web.Request) -> str:
    distributor_id = request.match_info["distributor_id"]
    allow(request, distributor_realm(request.app[SETTINGS], distributor_id))
    return distributor_id


def _allow_marketing(request: web.Request) -> None:
    allow(request, marketing_realm(request.app[SETTINGS]))


@routes.get("/api/board")
async def board(request: web.Request) -> web.Response:
    return web.json_response(board_document(await read_board(request)))


@routes.get("/api/distributors/{distributor_id}/tickets")
async def distributor_tickets(request: web.Request) -> web.Response:
    """The distributor's active tickets, most urgent deadline first."""
    distributor_id = _allow_distributor(request)
    entries = await distributor_queue(request.app[SERVICE], distributor_id, request.app[PRODUCT_NAMES])
    return web.json_response(queue_document(distributor_id, entries))


@routes.get("/api/distributors/{distributor_id}/tickets/{ticket_id}")
async def ticket_detail_json(request: web.Request) -> web.Response:
    """One of the distributor's tickets with every event (who, when, why)."""
    distributor_id = _allow_distributor(request)
    ticket_id = ticket_number(request.match_info["ticket_id"])
    detail = await ticket_detail(request.app[SERVICE], distributor_id, ticket_id, request.app[PRODUCT_NAMES])
    return web.json_response(detail)


@routes.post("/api/distributors/{distributor_id}/tickets/{ticket_id}/{action}")
async def ticket_action(request: web.Request) -> web.Response:
    """acknowledge / restocked / not-a-stockout with `{"who": ..., "why": ...}`."""
    distributor_id = _allow_distributor(request)
    ticket_id = ticket_number(request.match_info["ticket_id"])
    action = action_named(request.match_info["action"])
    service = request.app[SERVICE]
    ticket = await act_on_ticket(service, distributor_id, ticket_id, action, await json_body(request))
    product = product_label(request.app[PRODUCT_NAMES], ticket.sku, ticket.brand)
    return web.json_response({"ticket": ticket_document(ticket, service.rules.store_label(ticket.store_id), product)})


@routes.get("/api/gifts")
async def gifts(request: web.Request) -> web.Response:
    _allow_marketing(request)
    state = gift_state(request.query.get("state"))
    return web.json_response(await gifts_document(request.app[SERVICE], state))


@routes.post("/api/gifts/{gift_id}/{action}")
async def gift_action(request: web.Request) -> web.Response:
    """approve / reject / shipped with `{"who": ..., "note": ...}` (a note is required to reject)."""
    _allow_marketing(request)
    gift_id = gift_number(request.match_info["gift_id"])
    action = gift_action_named(request.match_info["action"])
    service = request.app[SERVICE]
    gift = await act_on_gift(service, gift_id, action, await json_body(request))
    return web.json_response({"gift": gift_document(gift, service.rules.store_label(gift.store_id))})


@routes.get("/api/reporters")
async def reporters(request: web.Request) -> web.Response:
    _allow_marketing(request)
    return web.json_response(reporters_document(await request.app[SERVICE].reporters()))
