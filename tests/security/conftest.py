"""The whole bot as production wires it (RestockBot, real SQLite, real aiohttp on 127.0.0.1), with every
kind of user signed in, tickets and gifts seeded, and hostile text in post texts, usernames and store names.

The secrets below are set on purpose with recognisable values, so the leak tests can look for them."""

from __future__ import annotations

import csv
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from sqlmodel import col, select, update

from restock_bot.app import RestockBot
from restock_bot.clock import FixedClock
from restock_bot.config import (
    ActionLinkSettings,
    AreaManagerSettings,
    DistributorSettings,
    EmailSettings,
    Settings,
    XSettings,
)
from restock_bot.post import Author, Post
from restock_bot.restock import fulfilment
from restock_bot.storage.queue import WorkStatus
from restock_bot.storage.tables import ReplyRow
from restock_bot.tickets.links import ActionLink, sign_link
from tests.fakes.restock import START, FakeDistributor, ScriptedTriage, ticket_decision
from tests.helpers import forget_outside_config

NORTH_TOKEN = "north-portal-7f3a9c"
SOUTH_TOKEN = "south-portal-51be20"
WEST_TOKEN = "west-manager-c0ffee"  # area manager over dist-north
EAST_TOKEN = "east-manager-beef42"  # area manager over dist-south
MARKETING_TOKEN = "marketing-desk-9d8e7f"
OPERATIONS_TOKEN = "operations-desk-a1b2c3"
WEBHOOK_SECRET = "inbound-webhook-secret-3e4f"
X_CONSUMER_SECRET = "x-consumer-secret-5a6b"
X_BEARER_TOKEN = "x-bearer-token-7c8d"
X_ACCESS_TOKEN_SECRET = "x-access-token-secret-9e0f"
SMTP_PASSWORD = "smtp-password-1a2b"
LINK_SECRET = "action-link-secret-3c4d"
DISTRIBUTOR_WEBHOOK_SECRET = "distributor-webhook-secret-5e6f"
BLUESKY_APP_PASSWORD = "bluesky-app-password-7a8b"

SECRETS = {
    "distributors.dist-north.portal_token": NORTH_TOKEN,
    "distributors.dist-south.portal_token": SOUTH_TOKEN,
    "area_managers.west.portal_token": WEST_TOKEN,
    "area_managers.east.portal_token": EAST_TOKEN,
    "marketing_token": MARKETING_TOKEN,
    "operations_token": OPERATIONS_TOKEN,
    "webhook_secret": WEBHOOK_SECRET,
    "x.consumer_secret": X_CONSUMER_SECRET,
    "x.bearer_token": X_BEARER_TOKEN,
    "x.access_token_secret": X_ACCESS_TOKEN_SECRET,
    "email.password": SMTP_PASSWORD,
    "action_links.secret": LINK_SECRET,
    "distributors.dist-north.webhook_secret": DISTRIBUTOR_WEBHOOK_SECRET,
    "bluesky.app_password": BLUESKY_APP_PASSWORD,
}

# hostile text as a shopper (post text, username) or a retailer list (store name) could carry it
XSS_PAYLOADS = (
    "<script>alert('xss-1')</script>",
    "<img src=x onerror=alert('xss-2')>",
    '"><svg onload=alert("xss-3")>',
    "javascript:alert('xss-4')",
    "'><a href=\"javascript:alert('xss-5')\">x</a>",
)
SKU = "NBO-MASALA-30"
NORTH_STORES = 60  # one fresh store per ticket a check needs (one open ticket per store and product)


@dataclass(frozen=True, slots=True)
class Role:
    """Someone who uses the site: a bearer token and, where the realm has sessions, a signed-in cookie."""

    name: str
    token: str | None = None
    login_path: str | None = None  # the login form that opens a session (None: bearer only)
    home_path: str | None = None


ROLES = {
    "anonymous": Role("anonymous"),
    "north": Role("north", NORTH_TOKEN, "/distributors/dist-north/login", "/distributors/dist-north"),
    "south": Role("south", SOUTH_TOKEN, "/distributors/dist-south/login", "/distributors/dist-south"),
    "west": Role("west", WEST_TOKEN, "/area-managers/west/login", "/area-managers/west"),
    "east": Role("east", EAST_TOKEN, "/area-managers/east/login", "/area-managers/east"),
    "marketing": Role("marketing", MARKETING_TOKEN, "/gifts/login", "/gifts"),
    "operations": Role("operations", OPERATIONS_TOKEN),
}


@dataclass(slots=True)
class Session:
    cookie: str  # "name=value" for the Cookie header
    csrf: str


def write_stores(path: Path) -> None:
    """North stores (the first ones named with the XSS payloads) and a few south stores."""
    columns = "store_id,name,chain,aliases,handle,address,locality,city,state,country,postcode,lat,lon,distributor_id"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns.split(","))
        for n in range(NORTH_STORES):
            name = f"Kirana {XSS_PAYLOADS[n]}" if n < len(XSS_PAYLOADS) else f"Kirana North {n}"
            writer.writerow(
                [f"N{n}", name, "", "", "", f"{n} Main Road", f"Ward {n}", "Pune", "MH", "IN", "411001",
                 18.5 + n / 1000, 73.8, "dist-north"]
            )  # fmt: skip
        for n in range(5):
            writer.writerow(
                [f"S{n}", f"Kirana South {n}", "", "", "", "", f"Aundh {n}", "Pune", "MH", "IN", "411007",
                 18.56, 73.81 + n / 1000, "dist-south"]
            )  # fmt: skip


def security_settings(tmp_path: Path, **changes: Any) -> Settings:
    stores = tmp_path / "stores.csv"
    write_stores(stores)
    values: dict[str, Any] = {
        "database_url": f"sqlite+aiosqlite:///{tmp_path / 'restock.db'}",
        "role": "listener",
        "port": 0,
        "stores_csv": stores,
        "public_url": "http://127.0.0.1",
        "login_max_failures": 100_000,  # the checks offer many wrong tokens on purpose; test_login_limit lowers it
        "distributors": {
            "dist-north": DistributorSettings(
                name="North Foods", portal_token=NORTH_TOKEN, webhook_secret=DISTRIBUTOR_WEBHOOK_SECRET
            ),
            "dist-south": DistributorSettings(name="South Foods", portal_token=SOUTH_TOKEN),
        },
        "area_managers": {
            "west": AreaManagerSettings(name="Anita", portal_token=WEST_TOKEN, distributors=["dist-north"]),
            "east": AreaManagerSettings(name="Ravi", portal_token=EAST_TOKEN, distributors=["dist-south"]),
        },
        "marketing_token": MARKETING_TOKEN,
        "operations_token": OPERATIONS_TOKEN,
        "webhook_secret": WEBHOOK_SECRET,
        "action_links": ActionLinkSettings(secret=LINK_SECRET),
        "email": EmailSettings(username="bot", password=SMTP_PASSWORD),  # no host: email stays off
        "x": XSettings(
            mode=["webhook"],
            bearer_token=X_BEARER_TOKEN,
            consumer_secret=X_CONSUMER_SECRET,
            access_token_secret=X_ACCESS_TOKEN_SECRET,
            api_base="http://127.0.0.1:9",  # never called: webhook mode polls nothing
        ),
        "bluesky": {"app_password": BLUESKY_APP_PASSWORD},  # no handle: Bluesky stays off
    }
    values.update(changes)
    return Settings(**values)


@dataclass
class Site:
    """The running bot and what the checks need: sign-ins, seeded tickets and gifts, fresh ones on demand."""

    bot: RestockBot
    triage: ScriptedTriage
    http: aiohttp.ClientSession
    sessions: dict[str, Session] = field(default_factory=dict)
    next_store: int = len(XSS_PAYLOADS)
    next_post: int = 0
    north_ticket: int = 0  # stable, read by every role
    south_ticket: int = 0
    victim_ticket: int = 0  # what refused requests aim at; must never change
    payload_tickets: list[int] = field(default_factory=list)
    victim_gift: int = 0
    victim_dead_letter: int = 0

    @property
    def url(self) -> str:
        assert self.bot.url
        return self.bot.url

    async def request(
        self, method: str, path: str, *, role: str = "anonymous", way: str = "none", **kwargs: Any
    ) -> tuple[int, dict[str, str], str]:
        """One request as `role`, authenticated `way` (bearer, cookie or none); status, headers, body."""
        headers = dict(kwargs.pop("headers", {}))
        if way == "bearer":
            headers["Authorization"] = f"Bearer {ROLES[role].token}"
        elif way == "cookie":
            headers["Cookie"] = self.sessions[role].cookie
        async with self.http.request(
            method, self.url + path, headers=headers, allow_redirects=False, **kwargs
        ) as response:
            return response.status, dict(response.headers), await response.text()

    async def sign_in(self, role: str) -> Session:
        """A fresh session through the login form (the way a person signs in)."""
        r = ROLES[role]
        assert r.login_path and r.home_path and r.token
        async with self.http.post(
            self.url + r.login_path, data={"token": r.token, "next": r.home_path}, allow_redirects=False
        ) as response:
            assert response.status == 303, await response.text()
            morsel = next(iter(response.cookies.values()))
        cookie = f"{morsel.key}={morsel.value}"
        async with self.http.get(self.url + r.home_path, headers={"Cookie": cookie}) as page:
            found = re.search(r'name="csrf" value="([0-9a-f]+)"', await page.text())
        assert found, f"no form token on {r.home_path}"
        return Session(cookie, found.group(1))

    async def open_ticket(self, store_id: str | None = None, *, author: Author | None = None, text: str = "") -> int:
        """A shopper's report that opens a ticket (at a fresh north store unless one is named)."""
        if store_id is None:
            store_id = f"N{self.next_store}"
            self.next_store += 1
            assert self.next_store <= NORTH_STORES, "raise NORTH_STORES"
        self.next_post += 1
        post_id = f"p{self.next_post}"
        service = self.bot.service
        self.triage.will(ticket_decision(post_id, store_id=store_id, sku=SKU, brand="Nibbo"))
        who = author or Author(f"shopper{self.next_post}", f"shopper{self.next_post}")
        post = Post(
            id=post_id, text=text or f"no Nibbo masala here ({post_id})", author=who,
            created_at=service.clock.now(), channel="x",
        )  # fmt: skip
        assert await service.accept(post)
        await service.process_pending()
        [ticket] = [
            i.ticket.id for i in await service.distributor_queue(_owner(store_id)) if i.ticket.store_id == store_id
        ]
        assert ticket is not None
        return ticket

    async def fresh_gift(self) -> int:
        """A queued gift: a new shopper's report, restocked."""
        ticket = await self.open_ticket()
        await self.bot.service.mark_restocked(ticket, "Priya", "back on the shelf")
        gifts = [g for g in await self.bot.service.gift_queue() if g.ticket_id == ticket]
        assert gifts and gifts[0].id is not None, "the restock queued no gift"
        return gifts[0].id

    async def cannot_supply_ticket(self) -> int:
        ticket = await self.open_ticket()
        promised = self.bot.service.clock.now() + timedelta(days=5)
        await self.bot.service.report_cannot_supply(ticket, "Priya", "truck broke down", promised)
        return ticket

    async def dead_letter(self) -> int:
        """A reply the worker gave up on (a ticket's acknowledgement, marked failed for good)."""
        ticket = await self.open_ticket()
        async with self.bot.service.database.session() as session, session.begin():
            row = (await session.exec(select(ReplyRow).where(col(ReplyRow.ticket_id) == ticket))).first()
            assert row is not None and row.id is not None
            await session.exec(
                update(ReplyRow).where(col(ReplyRow.id) == row.id).values(status=WorkStatus.FAILED.value)
            )
            return row.id

    def action_link(self, ticket_id: int, action: str = "acknowledge", distributor: str = "dist-north") -> str:
        """The path of a signed action link, as a notification carries it."""
        expires = self.bot.service.clock.now() + timedelta(hours=24)
        link = ActionLink(ticket_id, distributor, action, "ops@north.example", expires, nonce=f"n{ticket_id}{action}")
        return f"/act/{sign_link(LINK_SECRET, link)}"

    async def claim_link(self) -> str:
        gift = await self.fresh_gift()
        await self.bot.service.approve_gift(gift, "Lena")
        token = await fulfilment.open_claim(self.bot.service.database, gift, self.bot.service.clock.now())
        return f"/claim/{token}"


def _owner(store_id: str) -> str:
    return "dist-south" if store_id.startswith("S") else "dist-north"


@pytest.fixture(autouse=True)
def no_outside_config(monkeypatch: pytest.MonkeyPatch) -> None:
    forget_outside_config(monkeypatch)


@pytest.fixture
async def site(tmp_path: Path) -> AsyncIterator[Site]:
    """The bot serving on 127.0.0.1 with every role signed in and the hostile texts seeded."""
    triage = ScriptedTriage()
    bot = RestockBot(security_settings(tmp_path), clock=FixedClock(START), notifier=FakeDistributor(), triage=triage)
    async with bot, aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as http:
        s = Site(bot, triage, http)
        for n, payload in enumerate(XSS_PAYLOADS):
            ticket = await s.open_ticket(f"N{n}", author=Author(payload, payload), text=f"no masala {payload}")
            s.payload_tickets.append(ticket)
        for ticket in s.payload_tickets[:2]:  # on the board's Done list, with gifts for their reporters
            await bot.service.mark_restocked(ticket, "Priya", "back")
        s.north_ticket = await s.open_ticket()
        s.victim_ticket = await s.open_ticket()
        s.south_ticket = await s.open_ticket("S0")
        s.victim_gift = await s.fresh_gift()
        for role in ("north", "south", "west", "east", "marketing"):
            s.sessions[role] = await s.sign_in(role)
        yield s
