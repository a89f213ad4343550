"""The inbound post webhook and webhook replies, over real aiohttp servers on 127.0.0.1."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from restock_bot.channels.rate_limit import ClientRateLimit
from restock_bot.channels.webhook import WebhookReplies, webhook_routes
from restock_bot.config import Settings
from restock_bot.post import Author, Post
from restock_bot.signing import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign_timestamped, verify_signature
from tests.fakes.memory import MemorySink

SECRET = "s3cret"


def a_report(post_id: str = "17", **changes: Any) -> dict[str, Any]:
    report = {
        "id": post_id,
        "text": "No Munchu masala at Sharma General Store, Andheri West",
        "created_at": "2026-03-02T09:15:00Z",
        "author": {"id": "42", "username": "priya_k"},
        "lang": "en",
        "geo": {"lat": 19.13, "lon": 72.83},
        "place": "Mumbai, India",
        "in_reply_to": None,
    }
    return report | changes


@pytest.fixture
def inbox(aiohttp_client, sink):
    """A client for an app serving only the post webhook; pass the secret to require signatures."""

    async def start(secret: str | None = None, max_body_bytes: int = 1 << 20):
        app = web.Application()
        app.add_routes(webhook_routes(sink, Settings(webhook_secret=secret), max_body_bytes))
        return await aiohttp_client(app)

    return start


async def send(client, payload: Any, secret: str | None = None, **headers: str):
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    if secret:
        stamp = str(int(time.time()))
        headers[TIMESTAMP_HEADER] = stamp
        headers[SIGNATURE_HEADER] = sign_timestamped(secret, stamp, body)
    return await client.post("/hooks/posts", data=body, headers={"Content-Type": "application/json", **headers})


async def test_one_report_is_accepted_as_a_webhook_post(inbox, sink: MemorySink) -> None:
    client = await inbox()

    response = await send(client, a_report())

    assert response.status == 200
    assert await response.json() == {"accepted": ["17"], "duplicates": [], "errors": []}
    post = sink.by_id("17")
    assert post.channel == "webhook"
    assert (post.author.username, post.place, post.geo and post.geo.lat) == (
        "priya_k",
        "Mumbai, India",
        19.13,
    )


async def test_a_batch_keeps_good_reports_and_names_the_bad_ones(inbox, sink: MemorySink) -> None:
    client = await inbox()
    batch = [
        a_report("15"),
        a_report("16", channel="kiosk"),
        a_report("17", geo={"lat": 123, "lon": 72.8}),
        "not a post",
        a_report("19", created_at="yesterday"),
    ]

    response = await send(client, batch)

    assert response.status == 200
    answer = await response.json()
    assert answer["accepted"] == ["15", "16"]
    assert [error["index"] for error in answer["errors"]] == [2, 3, 4]
    assert answer["errors"][0]["error"].startswith("post 17: geo: ")
    assert "expected a JSON object" in answer["errors"][1]["error"]
    assert answer["errors"][2]["error"].startswith("post 19: created_at: ")
    assert sink.by_id("16").channel == "kiosk"


async def test_a_repeated_report_is_a_duplicate(inbox, sink: MemorySink) -> None:
    client = await inbox()
    await send(client, a_report())

    answer = await (await send(client, [a_report(), a_report("18")])).json()

    assert (answer["accepted"], answer["duplicates"]) == (["18"], ["17"])
    assert len(sink.posts) == 2


async def test_a_batch_of_only_bad_reports_is_unprocessable(inbox) -> None:
    client = await inbox()

    response = await send(client, [a_report(id=None)])

    assert response.status == 422
    assert (await response.json())["errors"] == [{"index": 0, "error": "id: missing"}]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b'{"id": "17", "text": ', "body is not JSON"),
        (b"\xff\xfe", "body is not JSON"),
        (b'"just a string"', "body must be a post object or an array of posts"),
    ],
)
async def test_a_body_that_is_not_posts_is_a_400(inbox, sink: MemorySink, body: bytes, message: str) -> None:
    client = await inbox()

    response = await send(client, body)

    assert response.status == 400
    assert message in (await response.json())["error"]
    assert sink.posts == {}


async def test_with_a_secret_only_signed_bodies_get_in(inbox, sink: MemorySink) -> None:
    client = await inbox(secret=SECRET)

    unsigned = await send(client, a_report("1"))
    wrongly_signed = await send(client, a_report("2"), secret="guess")
    signed = await send(client, a_report("3"), secret=SECRET)

    assert (unsigned.status, wrongly_signed.status, signed.status) == (401, 401, 200)
    assert SIGNATURE_HEADER in (await unsigned.json())["error"]
    assert sink.ids == ["3"]


async def test_a_body_over_the_limit_is_refused(inbox, sink: MemorySink) -> None:
    client = await inbox(max_body_bytes=200)

    response = await send(client, [a_report(str(n)) for n in range(5)])

    assert response.status == 413
    assert "200 bytes" in (await response.json())["error"]
    assert sink.posts == {}


async def test_a_chunked_body_over_the_limit_is_refused(inbox, sink: MemorySink) -> None:
    client = await inbox(max_body_bytes=200)

    async def chunks():
        for n in range(5):
            yield json.dumps(a_report(str(n))).encode()

    response = await client.post("/hooks/posts", data=chunks())

    assert response.status == 413
    assert sink.posts == {}


def a_post() -> Post:
    return Post(
        id="17",
        text="No Munchu at my shop",
        author=Author("42", "priya_k"),
        created_at=datetime(2026, 3, 2, 9, 15, tzinfo=UTC),
        channel="webhook",
    )


async def test_replies_are_signed_and_posted_to_the_callback(aiohttp_server) -> None:
    received: list[tuple[bool, dict[str, Any]]] = []

    async def callback(request: web.Request) -> web.Response:
        body = await request.read()
        received.append((verify_signature(SECRET, body, request.headers.get(SIGNATURE_HEADER)), json.loads(body)))
        return web.json_response({"id": "reply-9"})

    app = web.Application()
    app.router.add_post("/replies", callback)
    server = await aiohttp_server(app)

    async with aiohttp.ClientSession() as session:
        replies = WebhookReplies(session, str(server.make_url("/replies")), SECRET)
        reply_id = await replies.reply(a_post(), "Which store was it?")

    assert reply_id == "reply-9"
    assert received == [
        (
            True,
            {
                "in_reply_to": "17",
                "channel": "webhook",
                "author": {"id": "42", "username": "priya_k"},
                "text": "Which store was it?",
            },
        )
    ]


async def test_a_failing_callback_raises_so_the_outbox_tries_again(aiohttp_server) -> None:
    async def broken(request: web.Request) -> web.Response:
        return web.Response(status=500)

    app = web.Application()
    app.router.add_post("/replies", broken)
    server = await aiohttp_server(app)

    async with aiohttp.ClientSession() as session:
        with pytest.raises(aiohttp.ClientResponseError, match="500"):
            await WebhookReplies(session, str(server.make_url("/replies")), SECRET).reply(a_post(), "Hi")


async def test_without_a_callback_replies_are_only_logged() -> None:
    async with aiohttp.ClientSession() as session:
        assert await WebhookReplies(session, None, SECRET).reply(a_post(), "Which store was it?") is None


class ManualClock:
    """Monotonic seconds that move only when the test says so."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_a_client_over_the_rate_gets_429_with_retry_after(aiohttp_client, sink: MemorySink) -> None:
    clock = ManualClock()
    app = web.Application()
    app.add_routes(webhook_routes(sink, Settings(), rate=ClientRateLimit(per_minute=2, clock=clock)))
    client = await aiohttp_client(app)

    answers = [await send(client, a_report(str(n))) for n in range(3)]

    assert [answer.status for answer in answers] == [200, 200, 429]
    assert answers[2].headers["Retry-After"] == "30"
    assert "at most 2 a minute" in (await answers[2].json())["error"]
    assert sink.ids == ["0", "1"]
    clock.now += 30
    assert (await send(client, a_report("2"))).status == 200


def test_each_client_has_its_own_rate() -> None:
    clock = ManualClock()
    rate = ClientRateLimit(per_minute=1, clock=clock)

    assert rate.retry_after("client-a") is None
    assert rate.retry_after("client-b") is None
    assert rate.retry_after("client-a") == 60
    assert rate.refused == 1
