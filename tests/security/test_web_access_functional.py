"""Who may use which route: every route of the real application is enumerated and must have an entry in
ROUTES; each protected one is tried by every role, with a Bearer token and with a signed-in cookie, and a
distributor never reaches another distributor's tickets. A new route without an entry fails the first test."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from restock_bot.app import build_operations_app
from restock_bot.monitoring import Monitoring
from restock_bot.tickets import TicketState
from tests.security.conftest import ROLES, Site

# --- the table: every route of the app, and who may use it -------------------------------------------


@dataclass(frozen=True, slots=True)
class Public:
    why: str


@dataclass(frozen=True, slots=True)
class Capability:
    """The credential is an unguessable token in the path (a signed action link, a claim link)."""

    why: str


@dataclass(frozen=True, slots=True)
class Signed:
    """A machine proves itself with an HMAC of the body (webhooks)."""

    why: str


@dataclass(frozen=True, slots=True)
class Protected:
    """Only `allowed` may use it (for the concrete ids the checks use: dist-north, area manager west), and
    `granted` signed in with a session (an area manager's session opens the portals under them; their
    Bearer token is their own realm's, not the distributor's)."""

    allowed: frozenset[str]
    per_distributor: bool = False  # takes a ticket of the distributor in the path
    granted: frozenset[str] = frozenset()

    def lets(self, role: str, way: str) -> bool:
        return role in self.allowed or (way == "cookie" and role in self.granted)


DISTRIBUTOR = frozenset({"north"})
AREA_MANAGER = frozenset({"west"})
MARKETING = frozenset({"marketing"})
OPERATIONS = frozenset({"operations"})
LOGIN = Public("the login form: it asks for a token and is rate limited")
LOGOUT = Public("ends the caller's own session; needs the session's form token (see the CSRF tests)")

ROUTES: dict[tuple[str, str], Public | Capability | Signed | Protected] = {
    ("GET", "/"): Public("the public board: stores and products, never a reporter"),
    ("GET", "/board.json"): Public("the board's feed"),
    ("GET", "/api/board"): Public("the board's feed"),
    ("GET", "/healthz"): Public("liveness for load balancers: status and inbox counts only"),
    ("GET", "/readyz"): Public("readiness for load balancers: schema version and role only"),
    ("GET", "/metrics"): Public("Prometheus counters; no names, texts or secrets (test_secrets checks)"),
    ("GET", "/api/x/usage"): Public("X budget counters, as in /metrics; no secrets (test_secrets checks)"),
    ("GET", "/static"): Public("the stylesheet, board.js and Chart.js"),
    ("GET", "/hooks/x"): Public("X's CRC challenge: the answer proves the secret without showing it"),
    ("POST", "/hooks/x"): Signed("X signs each event with the consumer secret"),
    ("POST", "/hooks/posts"): Signed("X-Restock-Signature over timestamp and body"),
    ("GET", "/act/{token}"): Capability("signed action link from a notification"),
    ("POST", "/act/{token}"): Capability("signed action link from a notification"),
    ("GET", "/claim/{token}"): Capability("one-time claim link sent privately to a reporter"),
    ("POST", "/claim/{token}"): Capability("one-time claim link sent privately to a reporter"),
    ("GET", "/distributors/{distributor_id}/login"): LOGIN,
    ("POST", "/distributors/{distributor_id}/login"): LOGIN,
    ("POST", "/distributors/{distributor_id}/logout"): LOGOUT,
    ("GET", "/area-managers/{manager_id}/login"): LOGIN,
    ("POST", "/area-managers/{manager_id}/login"): LOGIN,
    ("POST", "/area-managers/{manager_id}/logout"): LOGOUT,
    ("GET", "/gifts/login"): LOGIN,
    ("POST", "/gifts/login"): LOGIN,
    ("POST", "/gifts/logout"): LOGOUT,
    ("GET", "/distributors/{distributor_id}"): Protected(DISTRIBUTOR, granted=AREA_MANAGER),
    ("GET", "/distributors/{distributor_id}.json"): Protected(DISTRIBUTOR, granted=AREA_MANAGER),
    ("GET", "/distributors/{distributor_id}.csv"): Protected(DISTRIBUTOR, granted=AREA_MANAGER),
    ("POST", "/distributors/{distributor_id}/acknowledge"): Protected(
        DISTRIBUTOR, per_distributor=True, granted=AREA_MANAGER
    ),
    ("GET", "/distributors/{distributor_id}/tickets/{ticket_id}"): Protected(
        DISTRIBUTOR, per_distributor=True, granted=AREA_MANAGER
    ),
    ("GET", "/distributors/{distributor_id}/tickets/{ticket_id}.json"): Protected(
        DISTRIBUTOR, per_distributor=True, granted=AREA_MANAGER
    ),
    ("POST", "/distributors/{distributor_id}/tickets/{ticket_id}"): Protected(
        DISTRIBUTOR, per_distributor=True, granted=AREA_MANAGER
    ),
    ("GET", "/area-managers/{manager_id}"): Protected(AREA_MANAGER),
    ("GET", "/area-managers/{manager_id}.json"): Protected(AREA_MANAGER),
    ("GET", "/area-managers/{manager_id}.csv"): Protected(AREA_MANAGER),
    ("POST", "/area-managers/{manager_id}/acknowledge"): Protected(AREA_MANAGER, per_distributor=True),
    ("GET", "/api/distributors/{distributor_id}/tickets"): Protected(DISTRIBUTOR, granted=AREA_MANAGER),
    ("GET", "/api/distributors/{distributor_id}/tickets/{ticket_id}"): Protected(
        DISTRIBUTOR, per_distributor=True, granted=AREA_MANAGER
    ),
    ("POST", "/api/distributors/{distributor_id}/tickets/{ticket_id}/{action}"): Protected(
        DISTRIBUTOR, per_distributor=True, granted=AREA_MANAGER
    ),
    ("POST", "/api/distributors/{distributor_id}/tickets/{ticket_id}/cannot-supply"): Protected(
        DISTRIBUTOR, per_distributor=True, granted=AREA_MANAGER
    ),
    ("GET", "/gifts"): Protected(MARKETING),
    ("GET", "/gifts.json"): Protected(MARKETING),
    ("GET", "/gifts.csv"): Protected(MARKETING),
    ("GET", "/gifts/approved.csv"): Protected(MARKETING),
    ("POST", "/gifts/{gift_id}"): Protected(MARKETING),
    ("GET", "/reporters"): Protected(MARKETING),
    ("GET", "/reporters.json"): Protected(MARKETING),
    ("GET", "/api/gifts"): Protected(MARKETING),
    ("POST", "/api/gifts/{gift_id}/{action}"): Protected(MARKETING),
    ("GET", "/api/reporters"): Protected(MARKETING),
    ("GET", "/api/operations/dead-letters"): Protected(OPERATIONS),
    ("POST", "/api/operations/dead-letters/{outbox}/{row_id}/retry"): Protected(OPERATIONS),
    ("GET", "/api/operations/distributors/{distributor_id}"): Protected(OPERATIONS),
    ("POST", "/api/operations/tickets/{ticket_id}/approve-new-date"): Protected(OPERATIONS),
}


def routes_of(app: web.Application) -> set[tuple[str, str]]:
    """(method, path pattern) of every route; HEAD is served by the GET handler, so it is the GET entry."""
    found: set[tuple[str, str]] = set()
    for route in app.router.routes():
        assert route.resource is not None
        method = "GET" if route.method == "HEAD" else route.method
        found.add((method, route.resource.canonical))
    return found


# --- how to call each protected route -------------------------------------------------------------------


@dataclass(slots=True)
class Call:
    method: str
    path: str
    form: dict[str, str] | None = None
    json: dict[str, Any] | None = None
    ok: frozenset[int] = frozenset({200, 303})
    changed: list[str] = field(default_factory=list)


Build = Callable[[Site, int, bool], Awaitable[Call]]  # (site, ticket of the distributor or 0, fresh) -> call


async def _ticket(site: Site, ticket: int, fresh: bool) -> int:
    """The ticket a call works on: the given one, a fresh one for a call that must succeed, else the victim."""
    if ticket:
        return ticket
    return await site.open_ticket() if fresh else site.victim_ticket


async def _gift(site: Site, fresh: bool) -> int:
    return await site.fresh_gift() if fresh else site.victim_gift


def get(path: str) -> Build:
    async def build(site: Site, ticket: int, fresh: bool) -> Call:
        return Call("GET", path.format(ticket=await _ticket(site, ticket, fresh) if "{ticket}" in path else 0))

    return build


async def _portal_action(site: Site, ticket: int, fresh: bool) -> Call:
    t = await _ticket(site, ticket, fresh)
    form = {"action": "acknowledge", "who": "Priya", "back": "/distributors/dist-north"}
    return Call("POST", f"/distributors/dist-north/tickets/{t}", form=form)


async def _bulk(site: Site, ticket: int, fresh: bool, path: str = "/distributors/dist-north") -> Call:
    t = await _ticket(site, ticket, fresh)
    return Call("POST", f"{path}/acknowledge", form={"ticket": str(t), "who": "Priya", "back": path})


async def _area_bulk(site: Site, ticket: int, fresh: bool) -> Call:
    return await _bulk(site, ticket, fresh, "/area-managers/west")


async def _api_action(site: Site, ticket: int, fresh: bool) -> Call:
    t = await _ticket(site, ticket, fresh)
    return Call("POST", f"/api/distributors/dist-north/tickets/{t}/acknowledge", json={"who": "Priya", "why": "ok"})


async def _cannot_supply(site: Site, ticket: int, fresh: bool) -> Call:
    t = await _ticket(site, ticket, fresh)
    body = {"who": "Priya", "why": "truck broke down", "promised_date": "2025-03-10"}
    return Call("POST", f"/api/distributors/dist-north/tickets/{t}/cannot-supply", json=body)


async def _approve_new_date(site: Site, ticket: int, fresh: bool) -> Call:
    t = await site.cannot_supply_ticket() if fresh else site.victim_ticket
    return Call("POST", f"/api/operations/tickets/{t}/approve-new-date", json={"who": "Ops"})


async def _gift_form(site: Site, ticket: int, fresh: bool) -> Call:
    g = await _gift(site, fresh)
    return Call("POST", f"/gifts/{g}", form={"action": "approve", "who": "Lena", "state": ""})


async def _gift_api(site: Site, ticket: int, fresh: bool) -> Call:
    g = await _gift(site, fresh)
    return Call("POST", f"/api/gifts/{g}/approve", json={"who": "Lena"})


async def _retry_dead_letter(site: Site, ticket: int, fresh: bool) -> Call:
    row = await site.dead_letter() if fresh else site.victim_dead_letter
    return Call("POST", f"/api/operations/dead-letters/replies/{row}/retry", json={})


CALLS: dict[tuple[str, str], Build] = {
    ("GET", "/distributors/{distributor_id}"): get("/distributors/dist-north"),
    ("GET", "/distributors/{distributor_id}.json"): get("/distributors/dist-north.json"),
    ("GET", "/distributors/{distributor_id}.csv"): get("/distributors/dist-north.csv"),
    ("POST", "/distributors/{distributor_id}/acknowledge"): _bulk,
    ("GET", "/distributors/{distributor_id}/tickets/{ticket_id}"): get("/distributors/dist-north/tickets/{ticket}"),
    ("GET", "/distributors/{distributor_id}/tickets/{ticket_id}.json"): get(
        "/distributors/dist-north/tickets/{ticket}.json"
    ),
    ("POST", "/distributors/{distributor_id}/tickets/{ticket_id}"): _portal_action,
    ("GET", "/area-managers/{manager_id}"): get("/area-managers/west"),
    ("GET", "/area-managers/{manager_id}.json"): get("/area-managers/west.json"),
    ("GET", "/area-managers/{manager_id}.csv"): get("/area-managers/west.csv"),
    ("POST", "/area-managers/{manager_id}/acknowledge"): _area_bulk,
    ("GET", "/api/distributors/{distributor_id}/tickets"): get("/api/distributors/dist-north/tickets"),
    ("GET", "/api/distributors/{distributor_id}/tickets/{ticket_id}"): get(
        "/api/distributors/dist-north/tickets/{ticket}"
    ),
    ("POST", "/api/distributors/{distributor_id}/tickets/{ticket_id}/{action}"): _api_action,
    ("POST", "/api/distributors/{distributor_id}/tickets/{ticket_id}/cannot-supply"): _cannot_supply,
    ("GET", "/gifts"): get("/gifts"),
    ("GET", "/gifts.json"): get("/gifts.json"),
    ("GET", "/gifts.csv"): get("/gifts.csv"),
    ("GET", "/gifts/approved.csv"): get("/gifts/approved.csv"),
    ("POST", "/gifts/{gift_id}"): _gift_form,
    ("GET", "/reporters"): get("/reporters"),
    ("GET", "/reporters.json"): get("/reporters.json"),
    ("GET", "/api/gifts"): get("/api/gifts"),
    ("POST", "/api/gifts/{gift_id}/{action}"): _gift_api,
    ("GET", "/api/reporters"): get("/api/reporters"),
    ("GET", "/api/operations/dead-letters"): get("/api/operations/dead-letters"),
    ("POST", "/api/operations/dead-letters/{outbox}/{row_id}/retry"): _retry_dead_letter,
    ("GET", "/api/operations/distributors/{distributor_id}"): get("/api/operations/distributors/dist-north"),
    ("POST", "/api/operations/tickets/{ticket_id}/approve-new-date"): _approve_new_date,
}


def ways_of(role: str) -> list[str]:
    """How a role authenticates: a Bearer token always, a session cookie where its realm has sessions."""
    r = ROLES[role]
    if r.token is None:
        return ["none"]
    return ["bearer", "cookie"] if r.login_path else ["bearer"]


async def send(site: Site, call: Call, role: str, way: str) -> tuple[int, dict[str, str], str]:
    form = dict(call.form) if call.form is not None else None
    if form is not None and way == "cookie":
        form["csrf"] = site.sessions[role].csrf  # the role's own form token: what its pages carry
    return await site.request(call.method, call.path, role=role, way=way, data=form, json=call.json)


async def snapshot(site: Site) -> tuple[Any, ...]:
    """What a refused request must not change: the victim ticket's events, the victim gift, the dead letter."""
    service = site.bot.service
    history = await service.ticket_history(site.victim_ticket)
    gift = [g.state for g in await service.gift_queue() if g.id == site.victim_gift]
    dead = [d.id for d in await service.dead_letters() if (d.outbox, d.id) == ("replies", site.victim_dead_letter)]
    return (history.ticket.state, len(history.events), gift, dead)


# --- the tests --------------------------------------------------------------------------------------


async def test_every_route_of_the_app_has_an_entry_in_the_access_table(site: Site) -> None:
    app = site.bot.web_app
    assert app is not None
    served = routes_of(app)
    monitoring = Monitoring(site.bot.service, site.bot.metrics, role="worker")
    served |= routes_of(build_operations_app(monitoring))  # a worker's own small app
    missing = sorted(served - ROUTES.keys())
    assert not missing, f"routes with no entry in ROUTES (say who may use them): {missing}"
    stale = sorted(ROUTES.keys() - served)
    assert not stale, f"ROUTES names routes the app no longer serves: {stale}"
    protected = [key for key, access in ROUTES.items() if isinstance(access, Protected)]
    assert sorted(protected) == sorted(CALLS), "every protected route needs a call in CALLS"
    print(f"\nroutes: {len(served)} ({len(protected)} protected, {len(served) - len(protected)} public, "
          f"link or signed)")  # fmt: skip


async def test_each_protected_route_refuses_the_anonymous_and_wrong_roles_and_serves_the_right_one(
    site: Site,
) -> None:
    site.victim_dead_letter = await site.dead_letter()
    before = await snapshot(site)
    checks = 0
    failures: list[str] = []
    for key, build in CALLS.items():
        access = ROUTES[key]
        assert isinstance(access, Protected)
        for role in ROLES:
            for way in ways_of(role):
                allowed = access.lets(role, way)
                call = await build(site, 0, allowed)
                status, headers, body = await send(site, call, role, way)
                checks += 1
                label = f"{key[0]} {key[1]} as {role} ({way}): {status}"
                if role == "anonymous":
                    if status != 401:
                        failures.append(f"{label}, expected 401")
                    elif call.path.startswith("/api/") and "WWW-Authenticate" not in headers:
                        failures.append(f"{label} without WWW-Authenticate")
                elif allowed and status not in call.ok:
                    failures.append(f"{label}, expected success: {body[:200]}")
                elif not allowed and status not in (401, 403):
                    failures.append(f"{label}, expected 403")
    assert not failures, "\n".join(failures)
    assert await snapshot(site) == before, "a refused request changed something"
    print(f"\nauthorization: {checks} route × role × way checks on {len(CALLS)} protected routes")


QUEUE_LISTS = (
    "/distributors/dist-north",
    "/distributors/dist-north.json",
    "/distributors/dist-north.csv",
    "/api/distributors/dist-north/tickets",
    "/area-managers/west.json",
    "/area-managers/west.csv",
)


async def test_a_distributor_never_reaches_another_distributors_ticket(site: Site) -> None:
    south = site.south_ticket
    before = await site.bot.service.ticket_history(south)
    checks = 0
    failures: list[str] = []
    for key, build in CALLS.items():
        access = ROUTES[key]
        if not (isinstance(access, Protected) and access.per_distributor):
            continue
        for role in sorted(access.allowed | access.granted):
            for way in ways_of(role):
                if not access.lets(role, way):
                    continue
                call = await build(site, south, False)
                status, _, body = await send(site, call, role, way)
                checks += 1
                if status not in (403, 404):
                    failures.append(f"{key[0]} {call.path} as {role} ({way}) on dist-south's ticket: {status}")
                elif "FreshMart" in body or "Kirana South" in body:
                    failures.append(f"{call.path} as {role} ({way}) names dist-south's store")
    for role in ("north", "west"):  # lists and exports of the queue hold none of dist-south's tickets
        for path in QUEUE_LISTS:
            if role == "north" and path.startswith("/area-managers"):
                continue
            status, _, body = await site.request("GET", path, role=role, way="cookie")
            checks += 1
            if status != 200 or "Kirana South" in body or "S0" in body:
                failures.append(f"{path} as {role}: {status}, or dist-south's ticket is listed")
    status, _, _ = await site.request(
        "GET", "/area-managers/west.json?distributor=dist-south", role="west", way="bearer"
    )
    checks += 1
    assert status == 400, "an area manager cannot pick a distributor outside their list"
    assert not failures, "\n".join(failures)
    after = await site.bot.service.ticket_history(south)
    assert (after.ticket.state, len(after.events)) == (before.ticket.state, len(before.events))
    assert after.ticket.state is TicketState.OPEN
    print(f"\nper-distributor isolation: {checks} checks")


async def test_public_routes_answer_without_a_sign_in(site: Site) -> None:
    paths = ["/", "/board.json", "/api/board", "/healthz", "/readyz", "/metrics", "/api/x/usage",
             "/static/style.css", "/hooks/x?crc_token=abc", "/distributors/dist-north/login",
             "/area-managers/west/login", "/gifts/login"]  # fmt: skip
    for path in paths:
        status, _, _ = await site.request("GET", path)
        assert status == 200, path
