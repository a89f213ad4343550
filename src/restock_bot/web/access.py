"""Who may open a distributor's portal or the gift desk: per-distributor tokens and marketing's token.

A token is accepted as `Authorization: Bearer <token>`, as `?token=<token>`, or through the cookie set
by the login form (or by opening a page with `?token=`). The cookie holds an HMAC of the token, not the
token, so changing the token in the settings logs everyone out. Forms carry a form token (HMAC again),
checked whenever the cookie is what authenticated the request, so another site cannot post them."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import quote

from aiohttp import web

from restock_bot.config import Settings
from restock_bot.web.errors import NotAllowed
from restock_bot.web.pages import render, see_other
from restock_bot.web.state import DEMO, FORM_SECRET, SETTINGS

COOKIE_DAYS = 30


class How(StrEnum):
    """How a request proved who it is."""

    HEADER = "header"
    QUERY = "query"
    COOKIE = "cookie"
    OPEN = "open"  # demo only: no token configured


@dataclass(frozen=True, slots=True)
class Realm:
    """A part of the site with its own token: one distributor's portal, or marketing's gift desk."""

    name: str  # as a person calls it: "portal of distributor dist-north", "gift desk"
    token: str | None  # None: no token configured
    cookie: str
    home_path: str
    login_path: str
    setting: str  # the setting that holds the token, for messages


def distributor_realm(settings: Settings, distributor_id: str) -> Realm:
    configured = settings.distributors.get(distributor_id)
    # cookie names allow few characters; the distributor id may hold any
    tag = hashlib.sha256(distributor_id.encode()).hexdigest()[:16]
    home = f"/distributors/{quote(distributor_id, safe='')}"
    return Realm(
        name=f"portal of distributor {distributor_id}",
        token=configured.portal_token if configured else None,
        cookie=f"restock_portal_{tag}",
        home_path=home,
        login_path=f"{home}/login",
        setting=f"distributors.{distributor_id}.portal_token",
    )


def marketing_realm(settings: Settings) -> Realm:
    return Realm(
        name="gift desk",
        token=settings.marketing_token or None,
        cookie="restock_marketing",
        home_path="/gifts",
        login_path="/gifts/login",
        setting="marketing_token",
    )


def _sign(key: str, purpose: str) -> str:
    return hmac.new(key.encode(), purpose.encode(), hashlib.sha256).hexdigest()


def _same(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode(), expected.encode())


def _session_value(realm: Realm) -> str:
    assert realm.token is not None
    return _sign(realm.token, f"session {realm.cookie}")


def form_token(request: web.Request, realm: Realm) -> str:
    """The hidden field every form of this realm carries."""
    return _sign(realm.token or request.app[FORM_SECRET], f"form {realm.cookie}")


def _bearer(request: web.Request) -> str | None:
    header = request.headers.get("Authorization")
    if header is None:
        return None
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" else ""


def allow(request: web.Request, realm: Realm) -> How:
    """How the request proves it belongs to the realm; NotAllowed (401/403) when it does not."""
    if not realm.token:
        if request.app[DEMO]:
            return How.OPEN
        raise NotAllowed(403, f"the {realm.name} is closed: no token is configured (set {realm.setting})")
    offered = [(How.HEADER, _bearer(request)), (How.QUERY, request.query.get("token"))]
    for how, token in offered:
        if token is not None:
            if _same(token, realm.token):
                return how
            raise NotAllowed(403, f"token: wrong token for {realm.name}", realm.login_path, realm.home_path)
    cookie = request.cookies.get(realm.cookie)
    if cookie is not None and _same(cookie, _session_value(realm)):
        return How.COOKIE
    raise NotAllowed(
        401,
        f"token: log in to the {realm.name} with its token (Authorization: Bearer, ?token= or the form)",
        realm.login_path,
        _safe_next(request.path_qs, realm),
    )


def check_form(request: web.Request, realm: Realm, how: How, sent: str | None) -> None:
    """A form post authenticated by cookie (or open in the demo) must carry the realm's form token."""
    if request.headers.get("Sec-Fetch-Site") == "cross-site":
        raise NotAllowed(403, "csrf: forms cannot be posted from another site")
    if how in (How.COOKIE, How.OPEN) and not (sent and _same(sent, form_token(request, realm))):
        raise NotAllowed(
            403, "csrf: the form is out of date or from another site; reload the page and try again"
        )


def remember(response: web.StreamResponse, request: web.Request, realm: Realm) -> None:
    """Set the realm's login cookie on the response."""
    if not realm.token:
        return
    response.set_cookie(
        realm.cookie,
        _session_value(realm),
        max_age=COOKIE_DAYS * 24 * 3600,
        path="/",
        httponly=True,
        samesite="Lax",  # sent when following a link from an email; cross-site posts also need the form token
        secure=request.app[SETTINGS].public_url.startswith("https://"),
    )


def forget(response: web.StreamResponse, realm: Realm) -> None:
    response.del_cookie(realm.cookie, path="/")


def _safe_next(next_path: str | None, realm: Realm) -> str:
    """Only paths on this site, so the login form cannot send people elsewhere."""
    if next_path and next_path.startswith("/") and not next_path.startswith(("//", "/\\")):
        return next_path
    return realm.home_path


async def log_in(request: web.Request, realm: Realm) -> web.StreamResponse:
    """The login form's post: a right token sets the cookie and goes on to the page asked for."""
    form = await request.post()
    token = str(form.get("token", ""))
    next_path = _safe_next(str(form.get("next", "")), realm)
    if not realm.token:
        allow(request, realm)  # 403 unless the demo leaves the realm open
        return see_other(next_path)
    if not _same(token, realm.token):
        raise NotAllowed(403, f"token: wrong token for {realm.name}", realm.login_path, next_path)
    response = see_other(next_path)
    remember(response, request, realm)
    return response


def login_page(request: web.Request, realm: Realm) -> web.Response:
    """The form asking for the realm's token."""
    next_path = _safe_next(request.query.get("next"), realm)
    context = {
        "message": f"Log in to the {realm.name}",
        "login_path": realm.login_path,
        "next_path": next_path,
    }
    return render(request, "login.html", context)


async def log_out(request: web.Request, realm: Realm) -> web.StreamResponse:
    form = await request.post()
    check_form(request, realm, How.COOKIE, str(form.get("csrf", "")))
    response = see_other(realm.login_path)
    forget(response, realm)
    return response
