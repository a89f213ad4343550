"""HTML pages: the jinja2 templates, the filters they use and rendering a page for a request."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import quote

import jinja2
from aiohttp import web

from restock_bot.web.state import DEMO, SETTINGS, TEMPLATES


def duration(hours: float | None) -> str:
    """Hours as a person reads them: '42 min', '5 h 20 min', '3 d 4 h'."""
    if hours is None:
        return "–"
    minutes = round(abs(hours) * 60)
    if minutes < 60:
        return f"{minutes} min"
    if minutes < 48 * 60:
        return f"{minutes // 60} h {minutes % 60:02d} min"
    return f"{minutes // (24 * 60)} d {minutes % (24 * 60) // 60} h"


def time_left(hours: float) -> str:
    """Time to the deadline, or how long ago it passed."""
    return f"overdue by {duration(hours)}" if hours < 0 else f"{duration(hours)} left"


def when(at: datetime | None) -> str:
    return at.strftime("%Y-%m-%d %H:%M UTC") if at else ""


def day(at: datetime | None) -> str:
    return at.strftime("%Y-%m-%d") if at else ""


def segment(value: str) -> str:
    """A value quoted to stand as one segment of a path ("/distributors/<segment>/...")."""
    return quote(value, safe="")


def percent(share: float | None) -> str:
    """0.8333 as '83 %'; '–' when there is nothing to count yet."""
    return "–" if share is None else f"{round(share * 100)} %"


def template_environment() -> jinja2.Environment:
    """The templates shipped in restock_bot/web/templates, HTML-escaped by default."""
    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("restock_bot.web", "templates"),
        autoescape=jinja2.select_autoescape(["html"]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters.update(
        duration=duration, time_left=time_left, when=when, day=day, percent=percent, segment=segment
    )
    return environment


def render(request: web.Request, template: str, context: dict[str, Any], *, status: int = 200) -> web.Response:
    """One page rendered from its template, with the demo flag every page may show."""
    page = request.app[TEMPLATES].get_template(template)
    text = page.render(demo=request.app[DEMO], **context)
    return web.Response(text=text, status=status, content_type="text/html")


def see_other(path: str) -> web.Response:
    """Post/redirect/get: after a form, the browser loads `path` (a same-site path) with GET."""
    return web.Response(status=303, headers={"Location": path})


WHO_COOKIE = "restock_who"  # the name last typed into a form, to fill in the next one


def typed_who(request: web.Request) -> str:
    return request.cookies.get(WHO_COOKIE, "")


def secure_cookies(request: web.Request) -> bool:
    """Cookies are sent over HTTPS only when the site is served over HTTPS (`public_url`)."""
    return request.app[SETTINGS].public_url.startswith("https://")


def remember_who(response: web.StreamResponse, request: web.Request, who: str) -> None:
    response.set_cookie(
        WHO_COOKIE, who.strip()[:100], path="/", httponly=True, samesite="Lax", secure=secure_cookies(request)
    )
