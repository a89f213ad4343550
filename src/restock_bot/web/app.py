"""The web app factory: public board, distributor portal, gift desk and JSON API on one aiohttp app."""

from __future__ import annotations

import asyncio
import contextlib
import secrets
from collections.abc import AsyncIterator, Iterable
from pathlib import Path

import structlog
from aiohttp import web
from sqlalchemy.exc import SQLAlchemyError

from restock_bot.clock import Clock, SystemClock
from restock_bot.config import Settings
from restock_bot.restock import RestockService, fulfilment
from restock_bot.triage.catalog import CatalogueError, load_products
from restock_bot.web import action_links, api, board, claims, gift_desk, new_dates, operations, portal
from restock_bot.web.access import load_sessions
from restock_bot.web.errors import answer_errors
from restock_bot.web.login_limit import FailedLogins
from restock_bot.web.pages import template_environment
from restock_bot.web.sessions import forget_old_sessions
from restock_bot.web.state import (
    DEMO,
    FORM_SECRET,
    LOGIN_FAILURES,
    PRODUCT_NAMES,
    SERVICE,
    SESSION_CLOCK,
    SETTINGS,
    TEMPLATES,
)

log = structlog.get_logger(__name__)

STATIC_DIR = Path(__file__).parent / "static"
SECURITY_HEADERS = {
    # scripts and styles only from files the app serves: no inline script, no CDN
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; "
        "base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",  # a ?token= in the address never leaves the site
    "X-Frame-Options": "DENY",  # frame-ancestors 'none' for browsers that predate CSP
}


def create_web_app(
    service: RestockService,
    settings: Settings,
    *,
    extra_routes: Iterable[web.AbstractRouteDef] = (),
    demo: bool = False,
    session_clock: Clock | None = None,
) -> web.Application:
    """The app for `service`; `extra_routes` adds the wiring's own (the inbound post webhook).

    `demo=True` opens the portal of a distributor that has no portal token (never in production).
    Sign-in sessions run on `session_clock` (the wall clock unless a test gives another)."""
    app = web.Application(middlewares=[answer_errors, load_sessions])
    app[SERVICE] = service
    app[SETTINGS] = settings
    app[TEMPLATES] = template_environment()
    app[DEMO] = demo
    app[FORM_SECRET] = secrets.token_hex(32)
    app[PRODUCT_NAMES] = _product_names(settings.products_csv)
    app[SESSION_CLOCK] = session_clock or SystemClock()
    app[LOGIN_FAILURES] = FailedLogins(settings.login_max_failures, settings.login_window_seconds)
    app.router.add_get("/healthz", healthz)
    # new_dates first: its cannot-supply route would otherwise be taken by api's /{action} route
    for routes in (new_dates.routes, operations.routes, action_links.routes, api.routes, board.routes):
        app.add_routes(routes)
    for routes in (portal.routes, gift_desk.routes, claims.routes):
        app.add_routes(routes)
    app.add_routes(extra_routes)
    app.router.add_static("/static", STATIC_DIR)
    app.on_response_prepare.append(_add_security_headers)
    app.cleanup_ctx.append(_tidy_up)
    return app


TIDY_SECONDS = 3600.0


async def tidy_up(app: web.Application) -> None:
    """Delete shipping addresses whose time is up, and old sessions."""
    service = app[SERVICE]
    deleted = await fulfilment.delete_due_addresses(service.database, service.clock.now())
    if deleted:
        log.info("shipping addresses deleted", count=deleted)
    await forget_old_sessions(service.database, app[SESSION_CLOCK].now())


async def _tidy_up(app: web.Application) -> AsyncIterator[None]:
    """Run `tidy_up` at start (before serving) and then hourly while the app serves."""

    async def once() -> None:
        try:
            await tidy_up(app)
        except (SQLAlchemyError, OSError) as exc:  # the next round tries again
            log.warning("tidying up failed", error=str(exc))

    async def loop() -> None:
        while True:
            await asyncio.sleep(TIDY_SECONDS)
            await once()

    await once()
    task = asyncio.create_task(loop())
    yield
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


def _product_names(products_csv: Path) -> dict[str, str]:
    """Product names for people; pages fall back to brand and sku when the catalogue cannot be read."""
    try:
        return {p.sku: p.name for p in load_products(products_csv)}
    except CatalogueError as exc:
        log.warning("product names unavailable", error=str(exc))
        return {}


async def _add_security_headers(request: web.Request, response: web.StreamResponse) -> None:
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)


async def healthz(request: web.Request) -> web.Response:
    """200 when the database answers, 503 when it does not."""
    try:
        inbox = await request.app[SERVICE].inbox_counts()
    except (SQLAlchemyError, OSError) as exc:
        return web.json_response({"status": "unavailable", "error": f"database: {exc}"}, status=503)
    return web.json_response({"status": "ok", "inbox": inbox})
