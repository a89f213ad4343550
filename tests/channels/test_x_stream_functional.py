"""The filtered stream through tweepy's AsyncStreamingClient against the fake X API's stream on loopback.

The fake serves the recorded stream lines, and each connection follows a plan: close cleanly, drop mid-line,
stall, or refuse. Sleeps are recorded, never slept; the stall uses a short socket read timeout.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import aiohttp
import pytest

from restock_bot.channels.x import XApi, XCredentialsError, XUnavailable
from restock_bot.channels.x_errors import XBudgetSpent
from restock_bot.channels.x_stream import XStream
from restock_bot.clock import FixedClock
from restock_bot.config import XBudgetSettings, XSettings
from restock_bot.post import GeoPoint
from tests.fakes.memory import MemoryCursors, RecordedSleeps, WatchedSink
from tests.fakes.x_api import FakeXApi, StreamPlan, recorded

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
RULE = "(dog OR doggo) has:geo"
LINES: list[dict[str, Any]] = recorded("tweets_search_stream_lines.json")
STREAM_IDS = [str(line["data"]["id"]) for line in LINES]
HUNTSVILLE = "1377650277642338305"


@pytest.fixture
async def fake_x() -> AsyncIterator[FakeXApi]:
    """The fake, where recent search finds a stream's tweet once it is posted (sent on the stream, or lost)."""
    async with FakeXApi() as fake:
        fake.search_tweets = []
        fake.stream_feeds_search = True
        yield fake


def stream_settings(fake: FakeXApi, **changes: object) -> XSettings:
    values: dict[str, object] = {
        "bearer_token": "test-bearer",
        "mode": "stream",
        "stream_rules": [RULE],
        "api_base": fake.base_url,
        "stream_stall_seconds": 0.3,
        "stream_max_reconnects": 5,
    }
    return XSettings.model_validate(values | changes)


def x_stream(
    settings: XSettings, http: aiohttp.ClientSession, sink: Any, cursors: MemoryCursors, sleeps: RecordedSleeps
) -> XStream:
    api = XApi(settings, http, sleep=sleeps, clock=FixedClock(NOW))
    return XStream(api, sink, cursors, sleep=sleeps, clock=FixedClock(NOW))


async def listen_until(stream: XStream, sink: WatchedSink, ids: list[str]) -> None:
    """Listen in the background until every id reached the sink, then stop."""
    task = asyncio.create_task(stream.listen())
    try:
        await sink.until_has(ids)
    finally:
        await stream.stop()
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


@pytest.fixture
def watched() -> WatchedSink:
    return WatchedSink()


async def test_stream_rules_are_made_to_match_the_config(fake_x, http, watched, cursors, sleeps) -> None:
    fake_x.rules = [
        {"id": "1", "value": "old campaign", "tag": "restock-bot"},
        {"id": "2", "value": "nibbo", "tag": None},
    ]
    settings = stream_settings(fake_x, stream_rules=["nibbo", "#NibboKahanHai"])

    await x_stream(settings, http, watched, cursors, sleeps).sync_rules()

    assert sorted(rule["value"] for rule in fake_x.rules) == ["#NibboKahanHai", "nibbo"]
    assert [rule["id"] for rule in fake_x.rules if rule["value"] == "nibbo"] == ["2"]  # kept, not re-added


async def test_streamed_posts_carry_what_triage_reads(fake_x, http, watched, cursors, sleeps) -> None:
    fake_x.post_to_stream(LINES)

    await listen_until(x_stream(stream_settings(fake_x), http, watched, cursors, sleeps), watched, STREAM_IDS)

    connect = fake_x.seen("/2/tweets/search/stream")[-1]
    assert connect.path == "/2/tweets/search/stream" and connect.auth == "Bearer"
    assert connect.query["expansions"].split(",") == ["author_id", "geo.place_id", "referenced_tweets.id"]
    assert {"created_at", "lang", "geo", "conversation_id", "referenced_tweets"} <= set(
        connect.query["tweet.fields"].split(",")
    )
    huntsville = watched.by_id(HUNTSVILLE)
    assert (huntsville.author.username, huntsville.place) == ("dreasaurusrex92", "Huntsville, AL")
    assert huntsville.geo == GeoPoint(lat=34.75192228, lon=-86.58216981)
    assert watched.ids == STREAM_IDS
    assert cursors.cursors[f"x:stream:{RULE}"] == STREAM_IDS[-1]


async def test_a_cleanly_closed_stream_backs_off_and_pauses_after_the_cap(
    fake_x, http, watched, cursors, sleeps
) -> None:
    fake_x.plan_stream(*[StreamPlan(then="close")] * 10)
    stream = x_stream(stream_settings(fake_x, stream_max_reconnects=3), http, watched, cursors, sleeps)

    with pytest.raises(XUnavailable, match="failed 4 times in a row") as failed:
        await stream.listen()

    assert fake_x.stream_connections == 4
    assert sleeps.waits == [1.0, 2.0, 4.0]  # never an immediate reconnect
    assert failed.value.retry_at is not None and failed.value.retry_at > NOW


async def test_drops_stalls_and_refusals_lose_no_post(fake_x, http, watched, cursors, sleeps) -> None:
    fake_x.post_to_stream(LINES)
    fake_x.plan_stream(
        StreamPlan(deliver=2, then="close"),
        StreamPlan(deliver=1, then="drop", lose=1),  # one post comes while the stream is down
        StreamPlan(deliver=1, then="stall", lose=1),
        StreamPlan(status=503),
        StreamPlan(status=429),
    )

    await listen_until(x_stream(stream_settings(fake_x), http, watched, cursors, sleeps), watched, STREAM_IDS)

    assert sorted(watched.ids) == STREAM_IDS
    assert fake_x.stream_connections == 6
    lost = set(STREAM_IDS) - set(fake_x.stream_delivered)
    assert len(lost) == 2  # never streamed: found by the catch-up search
    catch_ups = fake_x.seen("/2/tweets/search/recent")
    assert catch_ups and all(search.query["query"] == RULE for search in catch_ups)
    assert sleeps.waits == [1.0, 1.0, 1.0, 5.0, 60.0]  # clean close, drop, stall (each after posts); 503; 429


async def test_after_a_restart_the_stream_catches_up_from_its_cursor(fake_x, http, watched, cursors, sleeps) -> None:
    fake_x.post_to_stream(LINES[:3])
    await listen_until(x_stream(stream_settings(fake_x), http, watched, cursors, sleeps), watched, STREAM_IDS[:3])
    for line in LINES[3:5]:  # posted while the bot was down
        fake_x.add_search_tweet(line["data"], line["includes"])
    fake_x.post_to_stream(LINES[5:])

    after_restart = WatchedSink()
    async with aiohttp.ClientSession() as new_session:
        restarted = x_stream(stream_settings(fake_x), new_session, after_restart, cursors, sleeps)
        await listen_until(restarted, after_restart, STREAM_IDS[3:])

    assert sorted(after_restart.ids) == STREAM_IDS[3:]  # none of the first three again
    assert fake_x.seen("/2/tweets/search/recent")[0].query["since_id"] == STREAM_IDS[2]


async def test_refused_credentials_stop_the_stream_with_the_setting_named(
    fake_x, http, watched, cursors, sleeps
) -> None:
    fake_x.plan_stream(StreamPlan(status=401))

    with pytest.raises(XCredentialsError, match="x.bearer_token"):
        await x_stream(stream_settings(fake_x), http, watched, cursors, sleeps).listen()

    assert fake_x.stream_connections == 1 and sleeps.waits == []


async def test_the_stream_stops_reading_when_the_posts_budget_is_spent(fake_x, http, watched, cursors, sleeps) -> None:
    fake_x.post_to_stream(LINES)
    settings = stream_settings(fake_x, budget=XBudgetSettings(posts_read=3))
    stream = x_stream(settings, http, watched, cursors, sleeps)

    with pytest.raises(XBudgetSpent) as spent:
        await stream.listen()

    assert watched.ids == STREAM_IDS[:3]
    assert stream._api.budget.usage()["posts_read"] == {"used": 3, "limit": 3}
    assert spent.value.retry_at == datetime(2026, 3, 3, tzinfo=UTC)  # the next daily window
    assert sleeps.waits == []
