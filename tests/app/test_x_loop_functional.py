"""The wired bot with X on: it polls the (fake) X API, opens a ticket and replies with a tweet."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from restock_bot.app import RestockBot
from restock_bot.config import Settings, XSettings
from tests.fakes.x_api import FakeXApi

QUERY = "#NibboKahanHai"
REPORT_ID = "1900000000000000001"
REPORT = {
    "id": REPORT_ID,
    "text": "DMart Powai has had no Nibbo Peri Peri for a week now 😤 #NibboKahanHai",
    "author_id": "141834703",
    "created_at": "2026-03-09T05:52:59.000Z",
    "lang": "en",
}
PRIYA = {"users": [{"id": "141834703", "name": "Priya", "username": "priya_k"}]}


class PostedTweets(list[dict[str, Any]]):
    """The fake's record of created tweets, announcing each one (so the test waits on an event)."""

    def __init__(self) -> None:
        super().__init__()
        self.reply_to_report = asyncio.Event()

    def append(self, tweet: dict[str, Any]) -> None:
        super().append(tweet)
        if tweet.get("reply", {}).get("in_reply_to_tweet_id") == REPORT_ID:
            self.reply_to_report.set()


@pytest.fixture
async def fake_x() -> AsyncIterator[FakeXApi]:
    async with FakeXApi() as fake:
        fake.add_search_tweet(REPORT, PRIYA)
        fake.posted = PostedTweets()
        yield fake


async def test_x_report_is_polled_ticketed_and_answered_with_a_tweet(db_url: str, fake_x: FakeXApi) -> None:
    x = XSettings(
        bearer_token="test-bearer",
        consumer_key="ck",
        consumer_secret="cs",
        access_token="at",
        access_token_secret="ats",
        query=QUERY,
        api_base=fake_x.base_url,
        poll_seconds=3600,
    )
    settings = Settings(database_url=db_url, port=0, x=x, inbox_seconds=0.1, delivery_seconds=0.1)

    async with RestockBot(settings, serve_web=False) as bot:
        assert isinstance(fake_x.posted, PostedTweets)
        await asyncio.wait_for(fake_x.posted.reply_to_report.wait(), timeout=15)
        [queued] = await bot.service.distributor_queue("DST-MUM-E")
        cursor = await bot.service.get_cursor(f"x:search:{QUERY}")

    assert (queued.ticket.store_id, queued.ticket.sku) == ("MUM-0001", "NBO-PERI-30")
    [reply] = [p for p in fake_x.posted if p["reply"]["in_reply_to_tweet_id"] == REPORT_ID]
    assert f"ticket #{queued.ticket.id}" in reply["text"]
    assert cursor is not None and int(cursor) >= int(REPORT_ID)


def with_keys(fake: FakeXApi, **changes: object) -> XSettings:
    values: dict[str, object] = {
        "bearer_token": "test-bearer",
        "consumer_key": "ck",
        "consumer_secret": "cs",
        "access_token": "at",
        "access_token_secret": "ats",
        "query": QUERY,
        "api_base": fake.base_url,
        "poll_seconds": 3600,
    }
    return XSettings.model_validate(values | changes)


async def test_after_a_restart_and_an_html_503_no_report_is_lost_or_answered_twice(
    db_url: str, fake_x: FakeXApi
) -> None:
    settings = Settings(database_url=db_url, port=0, x=with_keys(fake_x), inbox_seconds=0.1, delivery_seconds=0.1)
    assert isinstance(fake_x.posted, PostedTweets)
    async with RestockBot(settings, serve_web=False):
        await asyncio.wait_for(fake_x.posted.reply_to_report.wait(), timeout=15)

    second = REPORT | {"id": "1900000000000000002", "author_id": "42", "created_at": "2026-03-09T07:00:00.000Z"}
    fake_x.add_search_tweet(second, {"users": [{"id": "42", "name": "Ravi", "username": "ravi_m"}]})
    fake_x.fail_next(503, html=True, path="/2/tweets/search/recent")
    answered = asyncio.Event()
    original_append = fake_x.posted.append

    def announce(tweet: dict[str, Any]) -> None:
        original_append(tweet)
        if tweet.get("reply", {}).get("in_reply_to_tweet_id") == second["id"]:
            answered.set()

    fake_x.posted.append = announce  # type: ignore[method-assign]
    async with RestockBot(settings, serve_web=False) as restarted:
        await asyncio.wait_for(answered.wait(), timeout=20)
        [queued] = await restarted.service.distributor_queue("DST-MUM-E")

    replied_to = [tweet["reply"]["in_reply_to_tweet_id"] for tweet in fake_x.posted]
    assert sorted(replied_to) == [REPORT_ID, second["id"]]  # each report answered once, on its own post
    assert queued.ticket.store_id == "MUM-0001"
    # After the restart the bot searched from the persisted cursor (a retried or resumed page may carry a
    # pagination token instead, so look at every search, not only the last one).
    searches = fake_x.seen("/2/tweets/search/recent")
    assert any(search.query.get("since_id", "0") >= REPORT_ID for search in searches[1:])


async def test_stream_mode_listens_triages_and_replies_and_shows_usage(db_url: str, fake_x: FakeXApi) -> None:
    fake_x.post_to_stream([{"data": REPORT, "includes": PRIYA, "matching_rules": [{"id": "1", "tag": "restock-bot"}]}])
    x = with_keys(fake_x, mode="stream,webhook", stream_rules=[QUERY])
    settings = Settings(database_url=db_url, port=0, x=x, inbox_seconds=0.1, delivery_seconds=0.1)
    assert isinstance(fake_x.posted, PostedTweets)

    async with RestockBot(settings) as bot, aiohttp.ClientSession() as http:
        await asyncio.wait_for(fake_x.posted.reply_to_report.wait(), timeout=15)
        async with http.get(f"{bot.url}/api/x/usage") as response:
            usage = await response.json()
        async with http.get(f"{bot.url}/hooks/x", params={"crc_token": "abc"}) as response:
            crc = await response.json()

    assert [rule["value"] for rule in fake_x.rules] == [QUERY]
    assert fake_x.stream_delivered == [REPORT_ID]
    assert usage["modes"] == ["stream", "webhook"]
    assert usage["budget"]["posts_read"]["used"] >= 1
    assert usage["budget"]["posts_created"]["used"] >= 1
    assert usage["webhook"] == {"accepted": 0, "duplicates": 0, "refused": 0, "replayed": 0}
    assert crc["response_token"].startswith("sha256=")
