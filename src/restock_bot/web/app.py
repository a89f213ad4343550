"""The web app factory: public board, distributor portal, gift desk and JSON API on one aiohttp app."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from pathlib import Path

import structlog
from aiohttp import web
from sqlalchemy.exc import SQLAlchemyError

from restock_bot.config import Settings
from restock_bot.restock import RestockService
from restock_bot.triage.catalog import CatalogueError, load_products
from restock_bot.web import action_links, api, board, gift_desk, new_dates, operations, portal
from restock_bot.web.errors import answer_errors
from restock_bot.web.pages import template_environment
from restock_bot.web.state import DEMO, FORM_SECRET, PRODUCT_NAMES, SERVICE, SETTINGS, TEMPLATES

log = structlog.get_logger(__name__)

STATIC_DIR = Path(__file__).parent / "static"
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; frame-ancestors 'none'; form-action 'self'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",  # a ?token= in the address never leaves the site
}


def create_web_app(
    service: RestockService,
    settings: Settings,
    *,
    extra_routes: Iterable[web.AbstractRouteDef] = (),
    demo: bool = False,
) -> web.Application:
    """The app for `service`; `extra_routes` adds the wiring's own (the inbound post webhook).

    `demo=True` opens the portal of a distributor that has no portal token (never in production)."""
    app = web.Application(middlewares=[answer_errors])
    app[SERVICE] = service
    app[SETTINGS] = settings
    app[TEMPLATES] = template_environment()
    app[DEMO] = demo
    app[FORM_SECRET] = secrets.token_hex(32)
    app[PRODUCT_NAMES] = _product_names(settings.products_csv)
    app.router.add_get("/healthz", healthz)
    # new_dates first: its cannot-supply route would otherwise be taken by api's /{action} route
    for routes in (new_dates.routes, operations.routes, action_links.routes, api.routes, board.routes):
        app.add_routes(routes)
    for routes in (portal.routes, gift_desk.routes):
        app.add_routes(routes)
    app.add_routes(extra_routes)
    app.router.add_static("/static", STATIC_DIR)
    app.on_response_prepare.append(_add_security_headers)
    return app


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
