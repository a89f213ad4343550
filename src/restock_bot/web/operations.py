"""Brand operations' JSON API: dead letters (notifications and replies that failed for good) and retrying
them, and a distributor's record. Needs `operations_token` (Authorization: Bearer)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from aiohttp import web

from restock_bot.config import Settings, reveal
from restock_bot.storage.outbox import OUTBOXES, DeadLetter
from restock_bot.web.access import Realm, allow
from restock_bot.web.fields import BadInput, number
from restock_bot.web.state import SERVICE, SETTINGS

routes = web.RouteTableDef()

HOME = "/api/operations/dead-letters"


def operations_realm(settings: Settings) -> Realm:
    return Realm(
        name="operations desk",
        token=reveal(settings.operations_token) or None,
        cookie="restock_operations",
        home_path=HOME,
        login_path=HOME,
        setting="operations_token",
    )


def allow_operations(request: web.Request) -> None:
    allow(request, operations_realm(request.app[SETTINGS]))


def _iso(at: datetime | None) -> str | None:
    return at.isoformat() if at else None


def dead_letter_document(letter: DeadLetter) -> dict[str, Any]:
    return {
        "outbox": letter.outbox,
        "id": letter.id,
        "key": letter.key,
        "kind": letter.kind,
        "channel": letter.channel,
        "recipient": letter.recipient,
        "ticket_id": letter.ticket_id,
        "attempts": letter.attempts,
        "error": letter.error,
        "created_at": _iso(letter.created_at),
        "failed_at": _iso(letter.failed_at),
        "retry": f"/api/operations/dead-letters/{letter.outbox}/{letter.id}/retry",
    }


@routes.get("/api/operations/dead-letters")
async def dead_letters(request: web.Request) -> web.Response:
    """Notifications and replies the worker gave up on, newest first, with the error naming each."""
    allow_operations(request)
    letters = await request.app[SERVICE].dead_letters()
    return web.json_response({"dead_letters": [dead_letter_document(d) for d in letters]})


@routes.post("/api/operations/dead-letters/{outbox}/{row_id}/retry")
async def retry_dead_letter(request: web.Request) -> web.Response:
    """Put a dead letter back in its outbox for a fresh round of attempts."""
    allow_operations(request)
    box = request.match_info["outbox"]
    if box not in OUTBOXES:
        raise BadInput("outbox", f"{box!r} is not one of {', '.join(OUTBOXES)}")
    row_id = number(request.match_info["row_id"], "row_id", "dead letter")
    if not await request.app[SERVICE].retry_dead_letter(box, row_id):
        raise web.HTTPNotFound(reason=f"no dead letter {box}/{row_id}")
    return web.json_response({"outbox": box, "id": row_id, "status": "pending"})


@routes.get("/api/operations/distributors/{distributor_id}")
async def distributor_record(request: web.Request) -> web.Response:
    """How a distributor keeps the promise, reopenings counted against it."""
    allow_operations(request)
    record = await request.app[SERVICE].distributor_record(request.match_info["distributor_id"])
    return web.json_response(
        {
            "distributor_id": record.distributor_id,
            "active": record.active,
            "past_deadline": record.past_deadline,
            "restocked": record.restocked,
            "not_a_stockout": record.not_a_stockout,
            "reopens": record.reopens,
        }
    )
