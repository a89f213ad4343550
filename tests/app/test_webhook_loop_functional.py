"""The wired bot over real sockets: a post sent to /hooks/posts becomes a ticket and a signed reply."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from restock_bot.app import RestockBot
from restock_bot.config import Settings
from restock_bot.signing import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign_timestamped, verify_signature

SECRET = "s3cret"
REPORT = {
    "id": "w-1",
    "text": "DMart Powai has had no Nibbo Peri Peri for a week now 😤 #NibboKahanHai",
    "created_at": "2026-03-09T05:52:59Z",
    "author": {"id": "141834703", "username": "priya_k"},
    "lang": "en",
}


class ReplyCatcher:
    """The system that sent the post: receives the bot's replies on its callback URL."""

    def __init__(self) -> None:
        self.replies: list[tuple[dict[str, Any], bool]] = []  # (body, signature ok)
        self.arrived = asyncio.Event()

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        signed = verify_signature(SECRET, body, request.headers.get(SIGNATURE_HEADER))
        self.replies.append((json.loads(body), signed))
        self.arrived.set()
        return web.json_response({"id": f"reply-{len(self.replies)}"})


@pytest.fixture
async def catcher(aiohttp_server: Any) -> AsyncIterator[tuple[ReplyCatcher, TestServer]]:
    catcher = ReplyCatcher()
    app = web.Application()
    app.router.add_post("/replies", catcher.handle)
    server = await aiohttp_server(app, host="127.0.0.1")
    yield catcher, server


@pytest.fixture
async def bot(db_url: str, catcher: tuple[ReplyCatcher, TestServer]) -> AsyncIterator[RestockBot]:
    _, server = catcher
    settings = Settings(
        database_url=db_url,
        host="127.0.0.1",
        port=0,
        webhook_secret=SECRET,
        webhook_reply_url=str(server.make_url("/replies")),
        inbox_seconds=0.1,
        delivery_seconds=0.1,
    )
    async with RestockBot(settings) as running:
        yield running


async def post_report(url: str, report: dict[str, Any], sent_at: float | None = None) -> tuple[int, dict[str, Any]]:
    body = json.dumps(report).encode()
    stamp = str(int(time.time() if sent_at is None else sent_at))
    headers = {
        "Content-Type": "application/json",
        TIMESTAMP_HEADER: stamp,
        SIGNATURE_HEADER: sign_timestamped(SECRET, stamp, body),
    }
    async with (
        aiohttp.ClientSession() as http,
        http.post(f"{url}/hooks/posts", data=body, headers=headers) as r,
    ):
        return r.status, await r.json()


async def test_webhook_report_opens_a_ticket_and_the_reply_reaches_the_sender(
    bot: RestockBot, catcher: tuple[ReplyCatcher, TestServer]
) -> None:
    replies, _ = catcher
    assert bot.url is not None

    status, answer = await post_report(bot.url, REPORT)
    await asyncio.wait_for(replies.arrived.wait(), timeout=15)

    assert (status, answer["accepted"]) == (200, ["w-1"])
    [queued] = await bot.service.distributor_queue("DST-MUM-E")
    assert (queued.ticket.store_id, queued.ticket.sku, queued.reports) == ("MUM-0001", "NBO-PERI-30", 1)
    [(reply, signed)] = replies.replies
    assert signed
    assert reply["in_reply_to"] == "w-1" and reply["channel"] == "webhook"
    assert f"ticket #{queued.ticket.id}" in reply["text"] and "DMart Powai" in reply["text"]


async def test_the_same_webhook_report_twice_is_taken_once(
    bot: RestockBot, catcher: tuple[ReplyCatcher, TestServer]
) -> None:
    replies, _ = catcher
    assert bot.url is not None

    await post_report(bot.url, REPORT)
    status, answer = await post_report(bot.url, REPORT, sent_at=time.time() + 1)  # the sender's retry, signed anew
    await asyncio.wait_for(replies.arrived.wait(), timeout=15)
    await bot.service.process_pending()
    await bot.service.deliver_outboxes()

    assert (status, answer["duplicates"]) == (200, ["w-1"])
    [queued] = await bot.service.distributor_queue("DST-MUM-E")
    assert queued.reports == 1
    assert len(replies.replies) == 1


async def test_unsigned_webhook_report_is_refused(bot: RestockBot) -> None:
    assert bot.url is not None
    async with aiohttp.ClientSession() as http, http.post(f"{bot.url}/hooks/posts", json=REPORT) as r:
        assert r.status == 401
    assert (await bot.service.inbox_counts()).get("pending", 0) == 0


async def test_health_check_answers_while_running(bot: RestockBot) -> None:
    assert bot.url is not None
    async with aiohttp.ClientSession() as http, http.get(f"{bot.url}/healthz") as r:
        assert r.status == 200
        assert (await r.json())["status"] == "ok"
