"""Two listeners with X search on one PostgreSQL schema: only the leader polls the (fake) X API, and the
other takes over when the leader stops."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

import pytest

from restock_bot.app import RestockBot
from restock_bot.config import Settings, XSettings
from tests.fakes.x_api import FakeXApi
from tests.helpers import PG_URL

pytestmark = pytest.mark.postgres


@pytest.fixture
async def fake_x() -> AsyncIterator[FakeXApi]:
    async with FakeXApi() as fake:
        yield fake


def listener(fake: FakeXApi, schema: str) -> RestockBot:
    x = XSettings(bearer_token="test-bearer", mode=["search"], query="#NibboKahanHai", api_base=fake.base_url,
                  poll_seconds=0.1)  # fmt: skip
    return RestockBot(
        Settings(database_url=PG_URL, database_schema=schema, port=0, role="listener", x=x, leader_retry_seconds=0.1)
    )


async def eventually(check: Callable[[], bool], seconds: float = 15.0) -> None:
    for _ in range(int(seconds / 0.05)):
        if check():
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"still not so after {seconds} s")


async def test_only_the_leader_polls_x_and_another_listener_takes_over(fake_x: FakeXApi, pg_schema: str) -> None:
    first, second = listener(fake_x, pg_schema), listener(fake_x, pg_schema)
    async with first, second:
        await eventually(lambda: len(fake_x.seen("/search")) >= 2)
        assert (first.polling, second.polling) == (True, False)
        assert first.leadership and first.leadership.is_leader
        assert second.leadership and not second.leadership.is_leader

        await first.stop()
        polled = len(fake_x.seen("/search"))
        await eventually(lambda: second.polling)
        await eventually(lambda: len(fake_x.seen("/search")) > polled)
        assert not first.polling
