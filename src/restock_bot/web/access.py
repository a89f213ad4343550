"""Who may open a distributor's portal, an area manager's portal or the gift desk.

Each part of the site (a realm) has a token in the settings: `distributors.<id>.portal_token`,
`area_managers.<id>.portal_token`, `marketing_token`. A token is accepted as `Authorization: Bearer
<token>` (machines) or `?token=<token>` (a link from an email), and the login form takes it too; the form
and the `?token=` link open a session (sessions.py) whose secret is the cookie. An area manager's session
also opens the portals of the distributors listed under them; a distributor's opens only its own.

Forms carry a form token derived from the session's secret, checked whenever the cookie is what
authenticated the request, so another site cannot post them (the cookie is also SameSite=Lax and forms
from another site are refused by their Sec-Fetch-Site header). Wrong tokens are counted per client address
(login_limit.py): past `login_max_failures` in the window, every token from that address gets a 429."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import quote

from aiohttp import web
from aiohttp.typedefs import Handler

from restock_bot.config import Settings, reveal
from restock_bot.web.errors import NotAllowed, TooManyLogins
from restock_bot.web.pages import render, secure_cookies, see_other
from restock_bot.web.sessions import Session, end_session, find_sessions, open_session
from restock_bot.web.state import DEMO, FORM_SECRET, LOGIN_FAILURES, SERVICE, SESSION_CLOCK, SETTINGS

PORTAL_COOKIE = "restock_portal"  # distributors and area managers: one sign-in at a time
MARKETING_COOKIE = "restock_marketing"
SESSION_COOKIES = (PORTAL_COOKIE, MARKETING_COOKIE)
SESSIONS = web.RequestKey("sessions", dict)  # cookie name -> Session, filled by `load_sessions`


class How(StrEnum):
    """How a request proved who it is."""

    HEADER = "header"
    QUERY = "query"
    COOKIE = "cookie"
    OPEN = "open"  # demo only: no token configured


@dataclass(frozen=True, slots=True)
class Realm:
    """A part of the site with its own token: one distributor's portal, an area manager's, the gift desk."""

    name: str  # as a person calls it: "portal of distributor dist-north", "gift desk"
    token: str | None  # None: no token configured
    cookie: str
    home_path: str
    login_path: str
    setting: str  # the setting that holds the token, for messages
    principal: str = ""  # who signs in with the token: "distributor:dist-north"
    grants: frozenset[str] = frozenset()  # others whose session opens it too: "area_manager:west"

    @property
    def signs_in_as(self) -> str:
        return self.principal or f"realm:{self.cookie}"


def distributor_realm(settings: Settings, distributor_id: str) -> Realm:
    configured = settings.distributors.get(distributor_id)
    home = f"/distributors/{quote(distributor_id, safe='')}"
    managers = frozenset(
        f"area_manager:{m}" for m, s in settings.area_managers.items() if distributor_id in s.distributors
    )
    return Realm(
        name=f"portal of distributor {distributor_id}",
        token=reveal(configured.portal_token) if configured else None,
        cookie=PORTAL_COOKIE,
        home_path=home,
        login_path=f"{home}/login",
        setting=f"distributors.{distributor_id}.portal_token",
        principal=f"distributor:{distributor_id}",
        grants=managers,
    )


def area_manager_realm(settings: Settings, manager_id: str) -> Realm:
    configured = settings.area_managers.get(manager_id)
    home = f"/area-managers/{quote(manager_id, safe='')}"
    return Realm(
        name=f"portal of area manager {manager_id}",
        token=reveal(configured.portal_token) if configured else None,
        cookie=PORTAL_COOKIE,
        home_path=home,
        login_path=f"{home}/login",
        setting=f"area_managers.{manager_id}.portal_token",
        principal=f"area_manager:{manager_id}",
    )


def marketing_realm(settings: Settings) -> Realm:
    return Realm(
        name="gift desk",
        token=reveal(settings.marketing_token) or None,
        cookie=MARKETING_COOKIE,
        home_path="/gifts",
        login_path="/gifts/login",
        setting="marketing_token",
        principal="marketing:desk",
    )


def principal_token(settings: Settings, principal: str) -> str | None:
    """The token `principal` signs in with now (None: no longer configured)."""
    kind, _, name = principal.partition(":")
    if kind == "distributor":
        distributor = settings.distributors.get(name)
        return reveal(distributor.portal_token) if distributor else None
    if kind == "area_manager":
        manager = settings.area_managers.get(name)
        return reveal(manager.portal_token) if manager else None
    if kind == "marketing":
        return reveal(settings.marketing_token) or None
    return None


def principal_name(settings: Settings, principal: str) -> str:
    """How a person is called on the page: the configured name, else the id."""
    kind, _, name = principal.partition(":")
    if kind == "distributor" and (d := settings.distributors.get(name)) and d.name:
        return d.name
    if kind == "area_manager" and (m := settings.area_managers.get(name)) and m.name:
        return m.name
    return name


def _sign(key: str, purpose: str) -> str:
    return hmac.new(key.encode(), purpose.encode(), hashlib.sha256).hexdigest()


def _same(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode(), expected.encode())


def _token_tag(token: str, principal: str) -> str:
    return _sign(token, f"session {principal}")[:32]


def _session(request: web.Request, realm: Realm) -> Session | None:
    return request.get(SESSIONS, {}).get(realm.cookie)


def _session_holds(settings: Settings, session: Session, principal: str) -> bool:
    """The session is `principal`'s and was opened with the token configured now."""
    token = principal_token(settings, principal)
    if session.principal != principal or token is None:
        return False
    return _same(session.token_tag, _token_tag(token, principal))


def signed_in_as(request: web.Request, realm: Realm) -> str | None:
    """Who the realm's session cookie signs in (None: nobody, or a session whose token has changed)."""
    session = _session(request, realm)
    if session is None or not _session_holds(request.app[SETTINGS], session, session.principal):
        return None
    return session.principal


@web.middleware
async def load_sessions(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Look up the sessions of the request's cookies once, before the handler asks who is signed in."""
    cookies = {name: request.cookies[name] for name in SESSION_COOKIES if request.cookies.get(name)}
    if cookies and not request.path.startswith("/static/"):
        now = request.app[SESSION_CLOCK].now()
        found = await find_sessions(request.app[SERVICE].database, cookies.values(), now)
        request[SESSIONS] = {name: found[secret] for name, secret in cookies.items() if secret in found}
    return await handler(request)


def form_token(request: web.Request, realm: Realm) -> str:
    """The hidden field every form of this realm carries: bound to the session when there is one."""
    session = _session(request, realm)
    if session is not None:
        return _sign(session.secret, f"form {realm.cookie}")
    return _sign(realm.token or request.app[FORM_SECRET], f"form {realm.cookie}")


def _bearer(request: web.Request) -> str | None:
    header = request.headers.get("Authorization")
    if header is None:
        return None
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" else ""


def _client(request: web.Request) -> str:
    return request.remote or "unknown"


def _check_login_rate(request: web.Request) -> None:
    """Refuse any token (429) from an address that has offered too many wrong ones lately."""
    retry_after = request.app[LOGIN_FAILURES].retry_after(_client(request))
    if retry_after is not None:
        raise TooManyLogins(retry_after)


def _wrong_token(request: web.Request, realm: Realm, next_path: str) -> NotAllowed:
    """Count a wrong token against the client's address; the 403 to raise."""
    request.app[LOGIN_FAILURES].failed(_client(request))
    return NotAllowed(403, f"token: wrong token for {realm.name}", realm.login_path, next_path)


def allow(request: web.Request, realm: Realm) -> How:
    """How the request proves it belongs to the realm; NotAllowed (401/403, 429 after too many wrong tokens)
    when it does not."""
    if realm.token:
        offered = [(How.HEADER, _bearer(request)), (How.QUERY, request.query.get("token"))]
        for how, token in offered:
            if token is not None:
                _check_login_rate(request)
                if _same(token, realm.token):
                    return how
                raise _wrong_token(request, realm, realm.home_path)
    who = signed_in_as(request, realm)
    if who is not None and (who == realm.signs_in_as or who in realm.grants):
        return How.COOKIE
    if not realm.token:
        if request.app[DEMO]:
            return How.OPEN
        raise NotAllowed(403, f"the {realm.name} is closed: no token is configured (set {realm.setting})")
    if who is not None:  # signed in, but as someone else: never show another distributor's page
        name = principal_name(request.app[SETTINGS], who)
        raise NotAllowed(
            403,
            f"token: you are signed in as {name}; the {realm.name} needs its own token",
            realm.login_path,
            _safe_next(request.path_qs, realm),
        )
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
        raise NotAllowed(403, "csrf: the form is out of date or from another site; reload the page and try again")


async def remember(response: web.StreamResponse, request: web.Request, realm: Realm) -> None:
    """Open a session for the realm's own principal and put its secret in the realm's cookie."""
    if not realm.token:
        return
    database = request.app[SERVICE].database
    now = request.app[SESSION_CLOCK].now()
    earlier = request.cookies.get(realm.cookie)
    if earlier:  # one sign-in per cookie: the one it replaces ends
        await end_session(database, earlier, now)
    principal = realm.signs_in_as
    session = await open_session(database, principal, _token_tag(realm.token, principal), now)
    response.set_cookie(
        realm.cookie,
        session.secret,
        max_age=int((session.expires_at - now).total_seconds()),
        path="/",
        httponly=True,
        samesite="Lax",  # sent when following a link from an email; cross-site posts also need the form token
        secure=secure_cookies(request),
    )


def _safe_next(next_path: str | None, realm: Realm) -> str:
    """Only paths on this site, so the login form cannot send people elsewhere."""
    return safe_path(next_path, realm.home_path)


def safe_path(next_path: str | None, fallback: str) -> str:
    """`next_path` when it is a path on this site, else `fallback` (browsers drop tabs and newlines and read
    a backslash as a slash, so "/<tab>/evil.example" would leave the site: such paths are refused)."""
    if not next_path or not next_path.startswith("/") or "\\" in next_path:
        return fallback
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in next_path) or next_path.startswith("//"):
        return fallback
    return next_path


async def log_in(request: web.Request, realm: Realm) -> web.StreamResponse:
    """The login form's post: a right token opens a session and goes on to the page asked for."""
    form = await request.post()
    token = str(form.get("token", ""))
    next_path = _safe_next(str(form.get("next", "")), realm)
    if request.headers.get("Sec-Fetch-Site") == "cross-site":
        raise NotAllowed(403, "csrf: forms cannot be posted from another site")
    if not realm.token:
        allow(request, realm)  # 403 unless the demo leaves the realm open
        return see_other(next_path)
    _check_login_rate(request)
    if not _same(token, realm.token):
        raise _wrong_token(request, realm, next_path)
    response = see_other(next_path)
    await remember(response, request, realm)
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
    """End the session (on the server, not only in this browser) and forget the cookie."""
    form = await request.post()
    check_form(request, realm, How.COOKIE, str(form.get("csrf", "")))
    secret = request.cookies.get(realm.cookie)
    if secret:
        await end_session(request.app[SERVICE].database, secret, request.app[SESSION_CLOCK].now())
    response = see_other(realm.login_path)
    response.del_cookie(realm.cookie, path="/")
    return response
