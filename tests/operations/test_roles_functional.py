"""The bot in its roles over real sockets: a listener takes posts and a worker triages them (one SQLite
file between them); /readyz, /metrics and the JSON logs tell operators what happens."""

from __future__ import annotations

import asyncio
import io
import json
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
import structlog
from prometheus_client.parser import text_string_to_metric_families

from restock_bot.app import RestockBot, configure_logging
from restock_bot.config import Role, Settings
from restock_bot.storage import schema

REPORT = {
    "id": "r-1",
    "text": "DMart Powai has had no Nibbo Peri Peri for a week now #NibboKahanHai",
    "created_at": "2026-03-09T05:52:59Z",
    "author": {"id": "141834703", "username": "priya_k"},
    "lang": "en",
}


def settings(db_url: str, role: Role) -> Settings:
    return Settings(database_url=db_url, host="127.0.0.1", port=0, role=role, inbox_seconds=0.1, delivery_seconds=0.1)


async def eventually(check: Callable[[], Awaitable[bool]], seconds: float = 15.0) -> None:
    """Wait until `check()` holds, looking every 50 ms, for at most `seconds`."""
    for _ in range(int(seconds / 0.05)):
        if await check():
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"still not so after {seconds} s")


async def get(url: str) -> tuple[int, str]:
    async with aiohttp.ClientSession() as http, http.get(url) as r:
        return r.status, await r.text()


async def send(url: str, report: dict[str, Any]) -> int:
    async with aiohttp.ClientSession() as http, http.post(f"{url}/hooks/posts", json=report) as r:
        return r.status


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of a /metrics page by (name, sorted labels)."""
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


async def test_a_listener_takes_the_post_and_a_worker_turns_it_into_a_ticket(db_url: str) -> None:
    async with RestockBot(settings(db_url, "listener")) as listener:
        assert listener.url is not None and not listener.scheduler.running
        assert await send(listener.url, REPORT) == 200
        assert (await listener.service.inbox_counts())["pending"] == 1

        async with RestockBot(settings(db_url, "worker")) as worker:
            assert worker.url is not None

            async def ticketed() -> bool:
                return (await worker.service.board_counts()).open == 1

            await eventually(ticketed)
            status, _ = await get(f"{worker.url}/hooks/posts")
            assert status == 404  # a worker takes no posts
            status, body = await get(f"{worker.url}/readyz")
            assert status == 200 and json.loads(body)["role"] == "worker"


def active(found: dict) -> float:
    """Tickets on the board's "to do" side in the metrics: open, escalated or reopened."""
    return sum(found.get(("restock_bot_tickets", (("state", s),)), 0) for s in ("open", "escalated", "reopened"))


async def test_metrics_count_posts_triage_tickets_and_outboxes(db_url: str) -> None:
    async with RestockBot(settings(db_url, "all")) as bot:
        assert bot.url is not None
        await send(bot.url, REPORT)
        await send(bot.url, REPORT)

        async def ticketed() -> bool:
            return (await bot.service.board_counts()).open == 1

        await eventually(ticketed)
        scraped: list[str] = []

        async def counted() -> bool:  # the database counts are read at most every STATS_SECONDS per scrape
            status, text = await get(f"{bot.url}/metrics")
            scraped.append(text)
            return status == 200 and active(samples(text)) == 1

        await eventually(counted)

    found = samples(scraped[-1])
    assert found[("restock_bot_posts_received_total", (("channel", "webhook"), ("outcome", "new")))] == 1
    assert found[("restock_bot_posts_received_total", (("channel", "webhook"), ("outcome", "duplicate")))] == 1
    assert found[("restock_bot_posts_triaged_total", (("action", "ticket"), ("channel", "webhook")))] == 1
    assert found[("restock_bot_triage_seconds_count", ())] == 1
    assert active(found) == 1  # open, or escalated already: the report's time may be past its deadline
    assert ("restock_bot_tickets_past_deadline", ()) in found
    assert found[("restock_bot_outbox_dead_letters", (("outbox", "notifications"),))] == 0
    assert ("restock_bot_outbox_messages", (("outbox", "replies"), ("status", "pending"))) in found
    assert found[("restock_bot_role", (("role", "all"),))] == 1


async def test_readyz_says_ready_only_while_the_schema_is_at_head(db_url: str) -> None:
    async with RestockBot(settings(db_url, "all")) as bot:
        assert bot.url is not None
        status, body = await get(f"{bot.url}/readyz")
        ready = json.loads(body)
        assert status == 200 and ready["status"] == "ready"
        assert ready["schema"] == {"current": schema.head_revision(), "head": schema.head_revision()}

        await schema.downgrade(bot.service.database, "base")  # an old database under new code
        status, body = await get(f"{bot.url}/readyz")

    assert status == 503 and "db upgrade" in json.loads(body)["reason"]


async def test_json_logs_name_the_post_and_its_ticket(db_url: str) -> None:
    logs = io.StringIO()
    configure_logging("info", stream=logs)
    try:
        async with RestockBot(settings(db_url, "all")) as bot:
            assert bot.url is not None
            await send(bot.url, REPORT)

            async def ticketed() -> bool:
                return (await bot.service.board_counts()).open == 1

            await eventually(ticketed)
    finally:
        structlog.reset_defaults()

    lines = [json.loads(line) for line in logs.getvalue().splitlines()]
    [received] = [x for x in lines if x["event"] == "post_received"]
    [triaged] = [x for x in lines if x["event"] == "post_triaged"]
    [opened] = [x for x in lines if x["event"] == "ticket_event" and x["kind"] == "opened"]
    assert received["post"] == triaged["post"] == "webhook/r-1"
    assert triaged["action"] == "ticket" and triaged["store"] == "MUM-0001"
    assert opened["post"] == "webhook/r-1" and opened["ticket"] == 1
