"""A ladder rung with its own webhook hears of the escalation that reaches it: signed with its own secret, on
loopback, beside the distributor's webhook that hears of every escalation."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from restock_bot.clock import FixedClock
from restock_bot.config import DistributorSettings, Settings
from restock_bot.notify.distributor import SIGNATURE_HEADER, DistributorWebhooks, verify_signature
from restock_bot.restock import RestockService
from restock_bot.restock.policy import rung_webhook_secrets
from restock_bot.retry import RetryPolicy
from restock_bot.storage import Database
from tests.fakes.restock import START, STORES, ScriptedTriage, post, ticket_decision


@dataclass
class Hooks:
    """Two webhooks on one loopback server: the distributor's and the area manager's."""

    base: str = ""
    received: dict[str, list[tuple[dict[str, str], bytes]]] = field(default_factory=dict)

    async def handle(self, request: web.Request) -> web.Response:
        self.received.setdefault(request.path, []).append((dict(request.headers), await request.read()))
        return web.json_response({"ok": True})

    def events(self, path: str) -> list[dict[str, Any]]:
        return [json.loads(body) for _, body in self.received.get(path, [])]

    def signed_with(self, path: str, secret: str) -> bool:
        found = self.received.get(path, [])
        return bool(found) and all(
            verify_signature(secret, body, headers.get(SIGNATURE_HEADER)) for headers, body in found
        )


@pytest.fixture
async def hooks(aiohttp_server) -> Hooks:
    hooks = Hooks()
    app = web.Application()
    app.router.add_post("/{name}", hooks.handle)
    server = await aiohttp_server(app)
    hooks.base = str(server.make_url("/")).rstrip("/")
    return hooks


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


def ladder_settings(hooks: Hooks, area_secret: str | None) -> Settings:
    area: dict[str, Any] = {"name": "area_manager", "webhook_url": f"{hooks.base}/area"}
    if area_secret:
        area["webhook_secret"] = area_secret
    return Settings(
        escalation_repeat_hours=24,
        distributors={
            "dist-north": DistributorSettings(
                webhook_url=f"{hooks.base}/north",
                webhook_secret="north-secret",
                ladder=["distributor", area, "regional_head"],  # type: ignore[list-item]
            )
        },
    )


async def escalate_twice(settings: Settings, http: aiohttp.ClientSession, db: Path) -> RestockService:
    """A ticket at S1 (dist-north) escalated to rung 1 at its deadline and to rung 2 a day later, delivered."""
    database = Database(f"sqlite+aiosqlite:///{db}")
    await database.create_schema()
    clock = FixedClock(START)
    notifier = DistributorWebhooks(
        settings.distributors,
        http,
        rung_secrets=rung_webhook_secrets(settings),
        retry=RetryPolicy(attempts=1),
        clock=clock,
    )
    triage = ScriptedTriage()
    service = RestockService(database, triage, stores=STORES, clock=clock, settings=settings, notifier=notifier)
    triage.will(ticket_decision("p1"))
    await service.accept(post("p1"))
    await service.process_pending()
    for at in (START + timedelta(hours=48), START + timedelta(hours=72)):
        clock.set(at)
        await service.sweep_sla()
    await service.deliver_outboxes()
    return service


async def test_the_rung_reached_is_told_on_its_own_webhook_signed_with_its_secret(
    hooks: Hooks, http: aiohttp.ClientSession, tmp_path: Path
) -> None:
    service = await escalate_twice(ladder_settings(hooks, "area-secret"), http, tmp_path / "rung.db")
    await service.close()

    [told] = hooks.events("/area")  # rung 2 only: rung 1 is the distributor itself
    assert (told["event"], told["tier"], told["tier_name"]) == ("escalated", 2, "area_manager")
    assert told["ticket"]["distributor_id"] == "dist-north" and told["ticket"]["store_id"] == "S1"
    assert hooks.signed_with("/area", "area-secret") and not hooks.signed_with("/area", "north-secret")
    north = [(e["event"], e["tier"]) for e in hooks.events("/north")]
    assert north == [("opened", None), ("escalated", 1), ("escalated", 2)]  # every escalation, as before
    assert hooks.signed_with("/north", "north-secret")


async def test_a_rung_without_its_own_secret_is_signed_with_the_distributors(
    hooks: Hooks, http: aiohttp.ClientSession, tmp_path: Path
) -> None:
    service = await escalate_twice(ladder_settings(hooks, None), http, tmp_path / "rung.db")
    await service.close()

    assert [e["tier"] for e in hooks.events("/area")] == [2]
    assert hooks.signed_with("/area", "north-secret")


async def test_a_rung_sharing_the_distributors_webhook_is_not_told_twice(
    hooks: Hooks, http: aiohttp.ClientSession, tmp_path: Path
) -> None:
    settings = ladder_settings(hooks, None)
    settings.distributors["dist-north"].ladder[1].webhook_url = f"{hooks.base}/north"
    service = await escalate_twice(settings, http, tmp_path / "rung.db")
    await service.close()

    assert hooks.events("/area") == []
    assert [(e["event"], e["tier"]) for e in hooks.events("/north")].count(("escalated", 2)) == 1
