"""What every web handler reads from the app: the service, the settings, the templates, the demo flag."""

from __future__ import annotations

from collections.abc import Mapping

import jinja2
from aiohttp import web

from restock_bot.clock import Clock
from restock_bot.config import Settings
from restock_bot.restock import RestockService
from restock_bot.web.login_limit import FailedLogins

SERVICE = web.AppKey("service", RestockService)
SETTINGS = web.AppKey("settings", Settings)
TEMPLATES = web.AppKey("templates", jinja2.Environment)
DEMO = web.AppKey("demo", bool)  # True: a distributor without a portal token gets an open portal
FORM_SECRET = web.AppKey("form_secret", str)  # signs form tokens where no access token exists (demo)
PRODUCT_NAMES: web.AppKey[Mapping[str, str]] = web.AppKey("product_names")  # sku -> product name
LOGIN_FAILURES = web.AppKey("login_failures", FailedLogins)  # wrong tokens by client address: 429 past the limit
# wall time for sign-in sessions (the service's clock may run fast, as in the demo)
SESSION_CLOCK: web.AppKey[Clock] = web.AppKey("session_clock")


def product_label(names: Mapping[str, str], sku: str | None, brand: str | None) -> str:
    """How a person names a ticket's product: the catalogue name, else brand and sku."""
    name = names.get(sku or "")
    if name:
        return name
    return " ".join(part for part in (brand, sku) if part) or "unknown product"
