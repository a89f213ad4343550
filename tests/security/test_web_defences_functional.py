"""The web's defences, each tried against the running bot: form tokens on every form, the session cookie's
flags, the login limit, hostile text shown as text on every page, the security headers on every answer,
and SQL that only ever takes bound parameters."""

from __future__ import annotations

import ast
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from aiohttp import ClientSession, DummyCookieJar
from markupsafe import escape

from restock_bot.restock import fulfilment
from restock_bot.web import create_web_app
from tests.security.conftest import MARKETING_TOKEN, NORTH_TOKEN, SOUTH_TOKEN, XSS_PAYLOADS, Site

SRC = Path(__file__).parents[2] / "src" / "restock_bot"


# --- reading pages -----------------------------------------------------------------------------------------


class Page(HTMLParser):
    """The forms of a page, and everything in it that would run script."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[dict[str, Any]] = []
        self.dangers: list[str] = []
        self._form: dict[str, Any] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k.lower(): v or "" for k, v in attrs}
        if tag == "script" and not a.get("src", "").startswith("/static/"):
            self.dangers.append(f"<script> not from /static/: {a}")
        for name, value in a.items():
            if name.startswith("on"):
                self.dangers.append(f"<{tag} {name}=...>")
            if name in ("href", "src", "action", "formaction") and value.strip().lower().startswith(
                ("javascript:", "data:text", "vbscript:")
            ):
                self.dangers.append(f"<{tag} {name}={value!r}>")
        if tag in ("iframe", "object", "embed", "svg", "img") and tag != "img":
            self.dangers.append(f"<{tag}>")
        if tag == "img":
            self.dangers.append(f"<img {a}>")  # the templates show no images: one here came from data
        if tag == "form" and a.get("method", "get").lower() == "post":
            self._form = {"action": a.get("action", ""), "fields": {}, "submits": []}
            self.forms.append(self._form)
        elif self._form is not None and tag in ("input", "select", "textarea", "button"):
            name = a.get("name")
            if tag == "button" or a.get("type") == "submit":
                if name:
                    self._form["submits"].append((name, a.get("value", "")))
            elif name and a.get("type") != "checkbox":
                self._form["fields"][name] = a.get("value", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None


def read_page(body: str) -> Page:
    page = Page()
    page.feed(body)
    return page


# --- CSRF ----------------------------------------------------------------------------------------------


SIGNED_IN_PAGES = {  # role -> the pages with its forms
    "north": ["/distributors/dist-north", "/distributors/dist-north/tickets/{north}"],
    "west": ["/area-managers/west", "/distributors/dist-north/tickets/{north}"],
    "marketing": ["/gifts", "/reporters"],
}
OTHER_SESSION = {"north": "south", "west": "east", "marketing": "south"}  # whose form token is not theirs


async def _ticket_events(site: Site) -> list[int]:
    return [len((await site.bot.service.ticket_history(t)).events) for t in range(1, site.south_ticket + 1)]


async def test_every_post_form_is_refused_without_its_form_token_or_from_another_site(site: Site) -> None:
    before = await _ticket_events(site)
    gifts_before = [(g.id, g.state) for g in await site.bot.service.gift_queue()]
    forms = refusals = 0
    for role, paths in SIGNED_IN_PAGES.items():
        for path in paths:
            status, _, body = await site.request("GET", path.format(north=site.north_ticket), role=role, way="cookie")
            assert status == 200, path
            for form in read_page(body).forms:
                forms += 1
                assert "csrf" in form["fields"], f"a form on {path} posts to {form['action']} without a form token"
                fields = dict(form["fields"], who="Mallory", note="forged", why="forged")
                if form["submits"]:
                    fields.update([form["submits"][0]])
                if "ticket" not in fields and form["action"].endswith("/acknowledge"):
                    fields["ticket"] = str(site.north_ticket)
                other = site.sessions[OTHER_SESSION[role]].csrf
                attempts: list[tuple[dict[str, str], dict[str, str]]] = [
                    ({k: v for k, v in fields.items() if k != "csrf"}, {}),  # no token
                    (dict(fields, csrf=""), {}),
                    (dict(fields, csrf=other), {}),  # another session's token
                    (dict(fields, csrf="0" * 64), {}),
                    (fields, {"Sec-Fetch-Site": "cross-site"}),  # the right token, posted from another site
                ]
                for data, headers in attempts:
                    status, _, _ = await site.request(
                        "POST", form["action"], role=role, way="cookie", data=data, headers=headers
                    )
                    refusals += 1
                    assert status == 403, f"{form['action']} from {path} as {role}: {status} for {data}, {headers}"
    assert forms >= 10, "the pages should carry their forms"
    assert await _ticket_events(site) == before, "a forged form changed a ticket"
    assert [(g.id, g.state) for g in await site.bot.service.gift_queue()] == gifts_before
    print(f"\ncsrf: {forms} forms on {sum(map(len, SIGNED_IN_PAGES.values()))} pages, {refusals} forged posts refused")


async def test_forms_without_a_session_are_refused_from_another_site(site: Site) -> None:
    """Login, signed action links and claim links carry their own credential; another site cannot post them."""
    link = site.action_link(site.victim_ticket)
    claim = await site.claim_link()
    cross = {"Sec-Fetch-Site": "cross-site"}
    posts = [
        ("/distributors/dist-north/login", {"token": NORTH_TOKEN, "next": "/"}),
        ("/area-managers/west/login", {"token": "x", "next": "/"}),
        ("/gifts/login", {"token": MARKETING_TOKEN, "next": "/"}),
        (link, {"who": "Mallory"}),
        (claim, {"ship_to": "Mallory", "address": "1 Evil Street", "postcode": "66666"}),
    ]
    for path, data in posts:
        status, headers, _ = await site.request("POST", path, data=data, headers=cross)
        assert status == 403, path
        assert "Set-Cookie" not in headers, f"{path} signed someone in from another site"
    assert len((await site.bot.service.ticket_history(site.victim_ticket)).events) == 1


async def test_cookie_signed_api_posts_take_only_json_so_other_sites_cannot_send_them(site: Site) -> None:
    """A cross-site HTML form can send only form or text bodies; the API reads only application/json."""
    path = f"/api/distributors/dist-north/tickets/{site.victim_ticket}/acknowledge"
    for content_type in ("application/x-www-form-urlencoded", "text/plain", "multipart/form-data; boundary=x"):
        status, _, _ = await site.request(
            "POST", path, role="north", way="cookie", data=b'{"who": "Mallory"}', headers={"Content-Type": content_type}
        )
        assert status == 400
    assert len((await site.bot.service.ticket_history(site.victim_ticket)).events) == 1


# --- cookies and the login limit -------------------------------------------------------------------------


async def test_the_session_cookie_is_http_only_same_site_and_secure_when_served_over_https(
    site: Site, aiohttp_server: Any
) -> None:
    plain = await _login_cookie_header(site.url, "/distributors/dist-north/login", NORTH_TOKEN)
    assert "HttpOnly" in plain and "SameSite=Lax" in plain and "Path=/" in plain
    assert "Secure" not in plain  # http://127.0.0.1: a Secure cookie would never come back

    settings = site.bot.settings.model_copy(update={"public_url": "https://restock.example.com"})
    server = await aiohttp_server(create_web_app(site.bot.service, settings))
    base = str(server.make_url("")).rstrip("/")
    over_https = await _login_cookie_header(base, "/distributors/dist-north/login", NORTH_TOKEN)
    assert "Secure" in over_https and "HttpOnly" in over_https and "SameSite=Lax" in over_https
    marketing = await _login_cookie_header(base, "/gifts/login", MARKETING_TOKEN)
    assert "Secure" in marketing and "HttpOnly" in marketing

    async with ClientSession(cookie_jar=DummyCookieJar()) as http:  # the remembered name, too
        form = {"action": "acknowledge", "who": "Priya", "back": "/"}
        headers = {"Authorization": f"Bearer {NORTH_TOKEN}"}
        ticket = await site.open_ticket()
        async with http.post(
            f"{base}/distributors/dist-north/tickets/{ticket}", data=form, headers=headers, allow_redirects=False
        ) as response:
            assert response.status == 303
            who = response.headers["Set-Cookie"]
    assert who.startswith("restock_who=") and "Secure" in who and "HttpOnly" in who


async def _login_cookie_header(base: str, path: str, token: str) -> str:
    async with (
        ClientSession(cookie_jar=DummyCookieJar()) as http,
        http.post(base + path, data={"token": token, "next": "/"}, allow_redirects=False) as response,
    ):
        assert response.status == 303
        return response.headers["Set-Cookie"]


async def test_too_many_wrong_tokens_from_one_address_get_429_with_retry_after(site: Site, aiohttp_server: Any) -> None:
    settings = site.bot.settings.model_copy(update={"login_max_failures": 5})
    server = await aiohttp_server(create_web_app(site.bot.service, settings))
    base = str(server.make_url("")).rstrip("/")
    async with ClientSession(cookie_jar=DummyCookieJar()) as http:
        for n in range(5):  # the login form and the API count alike
            if n % 2:
                response = await http.get(
                    f"{base}/api/distributors/dist-north/tickets", headers={"Authorization": f"Bearer guess{n}"}
                )
            else:
                response = await http.post(
                    f"{base}/distributors/dist-north/login", data={"token": f"guess{n}"}, allow_redirects=False
                )
            assert response.status == 403, n
        for attempt in (
            http.post(f"{base}/distributors/dist-north/login", data={"token": NORTH_TOKEN}, allow_redirects=False),
            http.get(f"{base}/api/distributors/dist-south/tickets", headers={"Authorization": f"Bearer {SOUTH_TOKEN}"}),
            http.get(f"{base}/gifts?token={MARKETING_TOKEN}", allow_redirects=False),
        ):
            async with attempt as response:
                assert response.status == 429  # even the right token: guessing has stopped paying
                assert int(response.headers["Retry-After"]) > 0
        async with http.get(f"{base}/distributors/dist-north/login") as form:
            assert form.status == 200  # the form itself still shows; a signed-in cookie still works
    print("\nlogin limit: 5 wrong tokens, then 3 attempts refused with 429 + Retry-After")


# --- XSS -----------------------------------------------------------------------------------------------


def _shown(body: str, payload: str) -> bool:
    """The payload is on the page as text: escaped, and never as markup."""
    return str(escape(payload)) in body and (payload == str(escape(payload)) or payload not in body)


async def test_hostile_post_text_usernames_and_store_names_are_shown_as_text_on_every_page(site: Site) -> None:
    service = site.bot.service
    restocked = site.payload_tickets[:2]
    gifts = [g for g in await service.gift_queue() if g.ticket_id in restocked]
    assert len(gifts) == 2
    await service.approve_gift(gifts[0].id or 0, "Lena")
    claim_token = await fulfilment.open_claim(service.database, gifts[0].id or 0, service.clock.now())
    open_payloads = range(2, len(XSS_PAYLOADS))
    pages: list[tuple[str, str, list[int]]] = [  # path, role, the payloads it must show
        ("/", "anonymous", list(range(len(XSS_PAYLOADS)))),
        ("/distributors/dist-north", "north", list(open_payloads)),
        ("/area-managers/west", "west", list(open_payloads)),
        ("/gifts", "marketing", [0, 1]),
        ("/reporters", "marketing", list(range(len(XSS_PAYLOADS)))),
        (f"/claim/{claim_token}", "anonymous", [0]),
    ]
    for n, ticket in enumerate(site.payload_tickets):
        pages.append((f"/distributors/dist-north/tickets/{ticket}", "north", [n]))
        if n >= 2:
            pages.append((site.action_link(ticket), "anonymous", [n]))
    checks = 0
    for path, role, shown in pages:
        way = "cookie" if role != "anonymous" else "none"
        status, headers, body = await site.request("GET", path, role=role, way=way)
        assert status == 200, path
        assert headers["Content-Type"].startswith("text/html")
        dangers = read_page(body).dangers
        assert not dangers, f"{path}: {dangers}"
        for n in shown:
            checks += 1
            assert _shown(body, XSS_PAYLOADS[n]), f"{path}: payload {n} missing or not escaped"
    for path in ("/board.json", "/api/board", "/distributors/dist-north.json", "/gifts.json", "/reporters.json"):
        role = {"/dist": "north", "/gift": "marketing", "/repo": "marketing"}.get(path[:5], "anonymous")
        status, headers, _ = await site.request("GET", path, role=role, way="cookie" if role != "anonymous" else "none")
        assert status == 200 and headers["Content-Type"].startswith("application/json"), path  # never sniffed as HTML
        checks += 1
    print(f"\nxss: {len(XSS_PAYLOADS)} payloads, {len(pages)} pages, {checks} payload × page checks")


def test_templates_hold_no_inline_script_and_no_unescaped_output() -> None:
    templates = SRC / "web" / "templates"
    for template in templates.glob("*.html"):
        text = template.read_text(encoding="utf-8")
        assert not re.search(r"<script(?![^>]*\ssrc=)", text), f"{template.name}: inline <script>"
        assert not re.search(r"\son[a-z]+\s*=", text), f"{template.name}: inline event handler"
        assert "|safe" not in text and "autoescape false" not in text and "Markup(" not in text, template.name
    assert "innerHTML" not in (SRC / "web" / "static" / "board.js").read_text(encoding="utf-8")


# --- security headers ---------------------------------------------------------------------------------


async def test_every_answer_carries_the_security_headers(site: Site) -> None:
    answers = [
        ("GET", "/", "anonymous"), ("GET", "/board.json", "anonymous"), ("GET", "/static/style.css", "anonymous"),
        ("GET", "/static/board.js", "anonymous"), ("GET", "/static/missing.js", "anonymous"),
        ("GET", "/no/such/page", "anonymous"), ("PUT", "/", "anonymous"),
        ("GET", "/distributors/dist-north", "anonymous"),
        ("GET", "/distributors/dist-north", "north"), ("GET", "/distributors/dist-north.csv", "north"),
        ("GET", "/api/distributors/dist-north/tickets", "south"), ("GET", "/gifts", "marketing"),
        ("GET", "/distributors/dist-north/tickets/99999", "north"), ("GET", "/act/forged.token", "anonymous"),
        ("POST", "/hooks/posts", "anonymous"), ("POST", "/hooks/x", "anonymous"), ("GET", "/metrics", "anonymous"),
        ("GET", "/healthz", "anonymous"), ("GET", "/claim/unknown", "anonymous"),
    ]  # fmt: skip
    statuses = set()
    for method, path, role in answers:
        status, headers, _ = await site.request(
            method, path, role=role, way="cookie" if role != "anonymous" else "none"
        )
        statuses.add(status)
        csp = headers.get("Content-Security-Policy", "")
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "unsafe-eval" not in csp, path
        assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp, path
        assert headers.get("X-Frame-Options") == "DENY", path
        assert headers.get("Referrer-Policy") == "same-origin", path
        assert headers.get("X-Content-Type-Options") == "nosniff", path
    assert {200, 401, 403, 404, 405} <= statuses  # errors carry them too
    print(f"\nheaders: {len(answers)} answers ({sorted(statuses)}) × 5 headers")


# --- SQL ----------------------------------------------------------------------------------------------

SQL_CALLS = {"text", "execute", "exec", "exec_driver_sql", "executescript", "executemany"}


def _built_from_strings(node: ast.expr) -> bool:
    """An f-string, `%` or `+` on text, or `.format()`: SQL put together from values."""
    if isinstance(node, ast.JoinedStr):
        return any(isinstance(v, ast.FormattedValue) for v in node.values)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod | ast.Add):
        sides = (node.left, node.right)
        return any(
            isinstance(s, ast.Constant) and isinstance(s.value, str) or isinstance(s, ast.JoinedStr) for s in sides
        )
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format"


def test_no_sql_is_put_together_from_strings() -> None:
    found = []
    files = sorted(SRC.rglob("*.py"))
    for path in files:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            if name in SQL_CALLS and _built_from_strings(node.args[0]):
                found.append(f"{path.relative_to(SRC)}:{node.lineno}")
    assert not found, f"SQL built from strings (use bound parameters or SQLAlchemy expressions): {found}"
    print(f"\nsql: {len(files)} source files read, no SQL built from strings")


INJECTIONS = (
    "' OR '1'='1",
    "1; DROP TABLE tickets; --",
    "%' --",
    '" OR 1=1 --',
    "') UNION SELECT key FROM web_sessions --",
)


@pytest.mark.parametrize("param", ["town", "store", "sku", "state", "distributor"])
async def test_injection_in_a_filter_finds_nothing_and_breaks_nothing(site: Site, param: str) -> None:
    queue_before = await site.bot.service.distributor_queue("dist-north")
    for payload in INJECTIONS:
        for path, role in (("/distributors/dist-north.json", "north"), ("/area-managers/west.json", "west")):
            status, _, body = await site.request("GET", path, role=role, way="cookie", params={param: payload})
            assert status in (200, 400), f"{param}={payload!r} on {path}: {status}"
            if status == 200:
                assert '"tickets": []' in body, body[:300]
    for payload in INJECTIONS:
        status, _, _ = await site.request(
            "GET", "/gifts.json", role="marketing", way="cookie", params={"state": payload}
        )
        assert status == 400
        status, _, _ = await site.request("GET", "/", params={"refresh": payload})
        assert status == 200
    assert len(await site.bot.service.distributor_queue("dist-north")) == len(queue_before)
