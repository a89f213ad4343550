"""The wired bot with X on: it polls the (fake) X API, opens a ticket and replies with a tweet."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

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
