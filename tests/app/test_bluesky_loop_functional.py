"""The wired bot with Bluesky on: it reads the (fake) account's mentions, opens a ticket, replies in the thread."""

from __future__ import annotations

import asyncio

from restock_bot.app import RestockBot
from restock_bot.config import BlueskySettings, Settings
from tests.fakes.bluesky import APP_PASSWORD, FakeBluesky

REPORT = "at://did:plc:priyak5rwz3ufq2lhxnvo6ta/app.bsky.feed.post/3mgq2kfrl7c2a"


async def test_a_bluesky_mention_is_ticketed_and_answered_in_its_thread(db_url: str) -> None:
    async with FakeBluesky() as fake:
        fake.notifications = [n for n in fake.notifications if n["uri"] == REPORT]
        bluesky = BlueskySettings(
            handle=fake.handle, app_password=APP_PASSWORD, service_url=fake.base_url, poll_seconds=3600
        )
        settings = Settings(database_url=db_url, port=0, bluesky=bluesky, inbox_seconds=0.1, delivery_seconds=0.1)

        async with RestockBot(settings, serve_web=False) as bot:
            await asyncio.wait_for(fake.record_created.wait(), timeout=15)
            [queued] = await bot.service.distributor_queue("DST-MUM-E")

    [created] = fake.created
    assert (queued.ticket.store_id, queued.ticket.sku) == ("MUM-0001", "NBO-PERI-30")
    assert created["record"]["reply"]["parent"]["uri"] == REPORT
    assert created["record"]["reply"]["root"]["uri"] == REPORT
    assert f"ticket #{queued.ticket.id}" in created["record"]["text"]
