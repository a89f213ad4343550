"""The public board: Let's do it / On it / Done with town, store and product (never a reporter), time to
restock (median, p90), the share restocked within 48 h, towns covered, and per-day charts by town and by
product (Chart.js, shipped in static/; board.js redraws from /board.json, so the page lives without a
reload). `/board.json` and `/api/board` are the same feed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aiohttp import web

from restock_bot.restock.board import BoardCounts, RestockView
from restock_bot.restock.statistics import BoardEntry, BoardStatistics, Series, board_statistics
from restock_bot.web.pages import render
from restock_bot.web.state import PRODUCT_NAMES, SERVICE, product_label
from restock_bot.web.tickets import ticket_document

routes = web.RouteTableDef()

REFRESH_SECONDS = 30
FASTEST_REFRESH = 2
RECENT = 20


@dataclass(frozen=True, slots=True)
class Board:
    counts: BoardCounts
    restocks: list[tuple[RestockView, str]]  # with the product's name
    median_hours: float | None
    statistics: BoardStatistics


async def read_board(request: web.Request) -> Board:
    service = request.app[SERVICE]
    names = request.app[PRODUCT_NAMES]
    restocks = [(r, product_label(names, r.ticket.sku, r.ticket.brand)) for r in await service.recent_restocks(RECENT)]
    statistics = await board_statistics(
        service.database,
        service.rules.stores,
        service.rules.store_label,
        lambda sku, brand: product_label(names, sku, brand),
        service.clock.now(),
    )
    return Board(await service.board_counts(), restocks, await service.median_hours_to_restock(), statistics)


def _hours(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def _entry(e: BoardEntry) -> dict[str, Any]:
    return {
        "ticket_id": e.ticket_id,
        "state": e.state,
        "store": e.store,
        "town": e.town,
        "product": e.product,
        "opened_at": e.opened_at.isoformat(),
        "restocked_at": e.restocked_at.isoformat() if e.restocked_at else None,
        "hours_to_restock": _hours(e.hours_to_restock),
    }


def _series(s: Series) -> dict[str, Any]:
    return {"days": s.days, "counts": s.counts}


def board_document(board: Board) -> dict[str, Any]:
    c, s = board.counts, board.statistics
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
        "median_hours_to_restock": _hours(board.median_hours),
        "p90_hours_to_restock": _hours(s.times.p90_hours),
        "restocked_within_48h": None if s.times.within_promise is None else round(s.times.within_promise, 4),
        "towns_covered": s.towns_covered,
        "towns": s.towns,
        "columns": {
            "lets_do_it": [_entry(e) for e in s.lets_do_it],
            "on_it": [_entry(e) for e in s.on_it],
            "done": [_entry(e) for e in s.done],
        },
        "series": {
            "by_town": {"opened": _series(s.opened_by_town), "restocked": _series(s.restocked_by_town)},
            "by_product": {"opened": _series(s.opened_by_product), "restocked": _series(s.restocked_by_product)},
        },
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


def _refresh(request: web.Request) -> int:
    """Seconds between live updates: `?refresh=` (a wall screen may want it faster), else 30."""
    raw = request.query.get("refresh", "")
    return max(FASTEST_REFRESH, min(int(raw), 3600)) if raw.isdigit() else REFRESH_SECONDS


@routes.get("/")
async def board_page(request: web.Request) -> web.Response:
    return render(request, "board.html", {"board": await read_board(request), "refresh": _refresh(request)})
