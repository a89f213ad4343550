"""The public board: how many stock-outs are waiting, being handled and fixed, and the latest restocks."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aiohttp import web

from restock_bot.restock.board import BoardCounts, RestockView
from restock_bot.web.pages import render
from restock_bot.web.state import PRODUCT_NAMES, SERVICE, product_label
from restock_bot.web.tickets import ticket_document

routes = web.RouteTableDef()

REFRESH_SECONDS = 30
RECENT = 20


@dataclass(frozen=True, slots=True)
class Board:
    counts: BoardCounts
    restocks: list[tuple[RestockView, str]]  # with the product's name
    median_hours: float | None


async def read_board(request: web.Request) -> Board:
    service = request.app[SERVICE]
    names = request.app[PRODUCT_NAMES]
    restocks = [
        (r, product_label(names, r.ticket.sku, r.ticket.brand)) for r in await service.recent_restocks(RECENT)
    ]
    return Board(await service.board_counts(), restocks, await service.median_hours_to_restock())


def board_document(board: Board) -> dict[str, Any]:
    c = board.counts
    return {
        "counts": {
            "open": c.open,  # "Let's do it": open, escalated included
            "acknowledged": c.acknowledged,  # "On it"
            "restocked": c.restocked,  # "Done"
            "escalated": c.escalated,
            "not_a_stockout": c.not_a_stockout,
            "reopened": c.reopened,  # counted in "open"
            "cannot_supply": c.cannot_supply,  # counted in "acknowledged": a new date is promised
        },
        "median_hours_to_restock": None if board.median_hours is None else round(board.median_hours, 2),
        "recent_restocks": [
            {
                **ticket_document(r.ticket, r.store, product),
                "reports": r.reports,
                "hours_to_restock": round(r.hours_to_restock, 2),
            }
            for r, product in board.restocks
        ],
    }


@routes.get("/board.json")
async def board_json(request: web.Request) -> web.Response:
    return web.json_response(board_document(await read_board(request)))


@routes.get("/")
async def board_page(request: web.Request) -> web.Response:
    return render(request, "board.html", {"board": await read_board(request), "refresh": REFRESH_SECONDS})
