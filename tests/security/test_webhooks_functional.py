"""The inbound webhooks against a hostile sender: signatures required, timestamps inside the window, no
replays, bounded bodies and a request rate per source address. Real aiohttp servers on 127.0.0.1; the
routes are built by the same functions the bot uses."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from restock_bot.channels.rate_limit import ClientRateLimit
from restock_bot.channels.webhook import webhook_routes
from restock_bot.channels.x_activity import SIGNATURE_HEADER as X_SIGNATURE_HEADER
from restock_bot.channels.x_activity import X_WEBHOOK_PATH, XActivityWebhook
from restock_bot.config import Settings
from restock_bot.signing import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign_body, sign_timestamped
from tests.fakes.memory import MemorySink
from tests.security.conftest import WEBHOOK_SECRET, X_CONSUMER_SECRET, Site

REFUSALS: list[str] = []  # every refusal checked, for the count in the summary


def a_post(post_id: str) -> dict[str, Any]:
    return {"id": post_id, "text": "No Nibbo at DMart Powai", "created_at": "2026-03-02T09:15:00Z"}


async def serve(aiohttp_server: Any, sink: MemorySink, **settings: Any) -> TestServer:
    app = web.Application()
    app.add_routes(webhook_routes(sink, Settings(webhook_secret=WEBHOOK_SECRET, **settings)))
    server: TestServer = await aiohttp_server(app)
    return server


@pytest.fixture(scope="module", autouse=True)
def count_refusals() -> Iterator[None]:
    yield
    print(f"\nwebhook rejections tested: {len(REFUSALS)}")


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def deliver(
    http: aiohttp.ClientSession, server: TestServer, body: bytes, headers: dict[str, str]
) -> tuple[int, dict[str, Any], dict[str, str]]:
    async with http.post(
        server.make_url("/hooks/posts"), data=body, headers={"Content-Type": "application/json", **headers}
    ) as response:
        return response.status, await response.json(), dict(response.headers)


def signed(body: bytes, *, at: float | None = None, secret: str = WEBHOOK_SECRET) -> dict[str, str]:
    stamp = str(int(time.time() if at is None else at))
    return {TIMESTAMP_HEADER: stamp, SIGNATURE_HEADER: sign_timestamped(secret, stamp, body)}


def refused(status: int, expected: int, what: str) -> None:
    assert status == expected, f"{what}: {status}, expected {expected}"
    REFUSALS.append(what)


async def test_only_deliveries_signed_with_a_fresh_timestamp_get_in(
    aiohttp_server: Any, http: aiohttp.ClientSession
) -> None:
    sink = MemorySink()
    server = await serve(aiohttp_server, sink)
    body = json.dumps(a_post("1")).encode()
    now = time.time()
    good = signed(body)
    attempts = {
        "unsigned": {},
        "signed without a timestamp (the old scheme)": {SIGNATURE_HEADER: sign_body(WEBHOOK_SECRET, body)},
        "signed with the wrong secret": signed(body, secret="guessed-secret"),
        "timestamp changed after signing": {**good, TIMESTAMP_HEADER: str(int(good[TIMESTAMP_HEADER]) + 1)},
        "timestamp 301 s old": signed(body, at=now - 301),
        "timestamp 301 s ahead": signed(body, at=now + 301),
        "timestamp a day old": signed(body, at=now - 86_400),
        "timestamp not a number": {**good, TIMESTAMP_HEADER: "yesterday"},
        "timestamp in other digits": {**good, TIMESTAMP_HEADER: "١٧٠٠٠٠٠٠٠٠"},
        "signature not hex": {**good, SIGNATURE_HEADER: "sha256=zz"},
    }
    for what, headers in attempts.items():
        status, answer, _ = await deliver(http, server, body, headers)
        refused(status, 401, what)
        assert "error" in answer
    tampered = json.dumps(a_post("2")).encode()
    status, _, _ = await deliver(http, server, tampered, good)
    refused(status, 401, "body changed after signing")
    assert sink.ids == []

    status, answer, _ = await deliver(http, server, body, signed(body, at=now - 290))
    assert (status, answer["accepted"]) == (200, ["1"])  # inside the window


async def test_a_delivery_replayed_inside_the_window_is_refused(
    aiohttp_server: Any, http: aiohttp.ClientSession
) -> None:
    sink = MemorySink()
    server = await serve(aiohttp_server, sink)
    body = json.dumps([a_post("7"), a_post("8")]).encode()
    now = int(time.time())
    headers = signed(body, at=now)

    first = await deliver(http, server, body, headers)
    replay = await deliver(http, server, body, headers)
    resent = await deliver(http, server, body, signed(body, at=now + 1))  # signed anew: a fair retry

    assert (first[0], first[1]["accepted"]) == (200, ["7", "8"])
    refused(replay[0], 409, "the same signed delivery again")
    assert "replayed" in replay[1]["error"]
    assert (resent[0], resent[1]["duplicates"]) == (200, ["7", "8"])  # and the posts are still taken once
    assert sink.ids == ["7", "8"]


async def test_the_old_body_only_signature_is_taken_only_when_switched_on(
    aiohttp_server: Any, http: aiohttp.ClientSession
) -> None:
    sink = MemorySink()
    server = await serve(aiohttp_server, sink, webhook_legacy_signatures=True)
    body = json.dumps(a_post("3")).encode()
    legacy = {SIGNATURE_HEADER: sign_body(WEBHOOK_SECRET, body)}

    taken = await deliver(http, server, body, legacy)
    replay = await deliver(http, server, body, legacy)
    wrong = await deliver(http, server, body, {SIGNATURE_HEADER: sign_body("guessed", body)})
    stale = await deliver(http, server, body, signed(body, at=time.time() - 3600))  # a timestamp is still checked

    assert taken[0] == 200
    refused(replay[0], 409, "a legacy-signed delivery again")
    refused(wrong[0], 401, "legacy signature with the wrong secret")
    refused(stale[0], 401, "legacy mode, timestamp an hour old")
    assert sink.ids == ["3"]


async def test_a_body_over_the_limit_is_refused_before_it_is_read_whole(
    aiohttp_server: Any, http: aiohttp.ClientSession
) -> None:
    sink = MemorySink()
    server = await serve(aiohttp_server, sink, webhook_max_body_bytes=2000)
    body = json.dumps([a_post(str(n)) for n in range(40)]).encode()
    assert len(body) > 2000
    status, answer, _ = await deliver(http, server, body, signed(body))
    refused(status, 413, "body over webhook_max_body_bytes")
    assert "2000 bytes" in answer["error"]

    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(100):
            yield b" " * 100

    async with http.post(server.make_url("/hooks/posts"), data=chunks(), headers=signed(b"")) as response:
        refused(response.status, 413, "chunked body over the limit")
    assert sink.ids == []


async def test_each_source_address_has_its_own_request_rate(aiohttp_server: Any) -> None:
    sink = MemorySink()
    server = await serve(aiohttp_server, sink, webhook_rate_per_minute=3)
    body = json.dumps(a_post("9")).encode()
    now = int(time.time())  # each request signed with its own timestamp: none is a replay
    async with aiohttp.ClientSession() as first_source:
        statuses = [(await deliver(first_source, server, body, signed(body, at=now - n)))[0] for n in range(4)]
        status, answer, headers = await deliver(first_source, server, body, signed(body, at=now - 5))
    assert statuses[:3] == [200, 200, 200]
    refused(statuses[3], 429, "the 4th request of a minute from one address")
    refused(status, 429, "and the next")
    assert int(headers["Retry-After"]) >= 1 and "3 a minute" in answer["error"]
    other = aiohttp.TCPConnector(local_addr=("127.0.0.2", 0))  # another address on the loopback network
    async with aiohttp.ClientSession(connector=other) as second_source:
        status, _, _ = await deliver(second_source, server, body, signed(body, at=now - 10))
    assert status == 200, "another source is not held back by the first"


def x_signed(body: bytes, secret: str = X_CONSUMER_SECRET) -> dict[str, str]:
    digest = hmac.new(secret.encode(), body, hashlib.sha256).digest()
    return {X_SIGNATURE_HEADER: "sha256=" + base64.b64encode(digest).decode(), "Content-Type": "application/json"}


def a_tweet(tweet_id: str) -> dict[str, Any]:
    return {
        "id_str": tweet_id,
        "text": "No Nibbo at DMart Powai",
        "created_at": "Mon Mar 09 05:52:59 +0000 2026",
        "user": {"id_str": "141834703", "screen_name": "priya_k"},
    }


async def test_x_events_need_x_signature_a_bounded_body_and_a_rate_and_are_never_taken_twice(
    aiohttp_server: Any,
) -> None:
    sink = MemorySink()
    webhook = XActivityWebhook(sink, X_CONSUMER_SECRET, max_body_bytes=4000, rate=ClientRateLimit(6))
    app = web.Application()
    app.add_routes(webhook.routes())
    server = await aiohttp_server(app)
    body = json.dumps({"for_user_id": "1", "tweet_create_events": [a_tweet("1900000000000000001")]}).encode()
    url = server.make_url(X_WEBHOOK_PATH)
    async with aiohttp.ClientSession() as http:
        for what, headers, data in (
            ("X event unsigned", {"Content-Type": "application/json"}, body),
            ("X event with the wrong secret", x_signed(body, "guessed"), body),
            ("X event changed after signing", x_signed(body), body.replace(b"Powai", b"Andheri")),
        ):
            async with http.post(url, data=data, headers=headers) as response:
                refused(response.status, 401, what)
        big = json.dumps({"tweet_create_events": [a_tweet(str(n)) for n in range(60)]}).encode()
        async with http.post(url, data=big, headers=x_signed(big)) as response:
            refused(response.status, 413, "X event over the body limit")
        async with http.post(url, data=body, headers=x_signed(body)) as first:
            assert first.status == 200 and (await first.json())["accepted"] == ["1900000000000000001"]
        async with http.post(url, data=body, headers=x_signed(body)) as again:
            assert again.status == 200 and (await again.json())["replayed"] is True
            REFUSALS.append("X event replayed (answered 200, not taken)")
        async with http.post(url, data=body, headers=x_signed(body)) as limited:
            refused(limited.status, 429, "X events over the rate")
            assert int(limited.headers["Retry-After"]) >= 1
    assert sink.ids == ["1900000000000000001"]
    assert webhook.counts() == {"accepted": 1, "duplicates": 0, "refused": 3, "replayed": 1}


async def test_the_running_bot_takes_only_signed_posts(site: Site) -> None:
    body = json.dumps(a_post("bot-1")).encode()
    status, _, _ = await site.request("POST", "/hooks/posts", data=body, headers={"Content-Type": "application/json"})
    refused(status, 401, "unsigned post to the running bot")
    status, _, _ = await site.request(
        "POST", "/hooks/posts", data=body, headers={"Content-Type": "application/json", **signed(body)}
    )
    assert status == 200
