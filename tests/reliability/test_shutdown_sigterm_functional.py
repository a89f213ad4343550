"""SIGTERM while `restock-bot run` ingests and delivers: it stops within the bound and hands its work back.

The distributors' webhook hangs (it never answers) so a delivery is in flight when the signal comes, and a batch of
reports has just arrived. The bot stops taking posts, lets its jobs finish for up to SHUTDOWN_SECONDS, cancels what
is still running and hands every row it had claimed back to its queue; it exits 0. Restarted, with the webhook
answering again, it finishes everything: each report processed once, each notification accepted once."""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from restock_bot.app import SHUTDOWN_SECONDS
from restock_bot.notify.distributor import EVENT_ID_HEADER
from tests.reliability.running_bot import (
    BotProcess,
    ReportSender,
    assert_each_processed_once,
    report,
    settled,
    wait_until_processed,
    write_config,
)

SHUTDOWN_BOUND = SHUTDOWN_SECONDS + 15.0  # the documented bound, plus closing the database and the process


@dataclass
class HangingReceiver:
    """A distributor webhook that, while `hang` is set, takes requests and never answers them."""

    hang: bool = True
    hung: list[str] = field(default_factory=list)
    accepted: Counter[str] = field(default_factory=Counter)
    release: asyncio.Event = field(default_factory=asyncio.Event)

    async def handle(self, request: web.Request) -> web.Response:
        event_id = request.headers[EVENT_ID_HEADER]
        await request.read()
        if self.hang:
            self.hung.append(event_id)
            await self.release.wait()  # until the test ends: the bot's request times out or is cancelled
            return web.json_response({"status": "too late"}, status=503)
        self.accepted[event_id] += 1
        return web.json_response({"status": "ok"})


async def claimed_rows(database_url: str) -> dict[str, int]:
    """Rows still marked claimed, per table."""
    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as conn:
            counts = {}
            for table in ("posts", "notifications", "replies"):
                query = text(f"select count(*) from {table} where status = 'claimed'")
                counts[table] = int((await conn.execute(query)).scalar_one())
            return counts
    finally:
        await engine.dispose()


async def test_sigterm_stops_within_the_bound_and_a_restart_finishes_the_work_once(
    tmp_path: Path, aiohttp_server: Any
) -> None:
    receiver = HangingReceiver()
    app = web.Application()
    app.router.add_post("/restock-events", receiver.handle)
    server = await aiohttp_server(app, host="127.0.0.1")
    url = f"sqlite+aiosqlite:///{tmp_path / 'restock.db'}"
    distributor = {"webhook_url": str(server.make_url("/restock-events")), "webhook_secret": "dist-secret"}
    config = write_config(
        tmp_path / "bot.toml",
        url,
        **{"distributors.DST-MUM-E": distributor, "distributors.DST-MUM-W": distributor},
        **{"outbox": {"first_delay_seconds": 0.5, "max_delay_seconds": 1.0}},
    )
    sent = [f"r-{n}" for n in range(40)]

    bot = await BotProcess.start(config)
    try:
        async with aiohttp.ClientSession() as http:
            sender = ReportSender(bot.url, http)
            await sender.send([report(n) for n in range(8)])
            while True:  # a delivery is in flight, hanging ...
                if receiver.hung:
                    break
                await asyncio.sleep(0.05)
            await sender.send([report(n) for n in range(8, 40)])  # ... and a batch has just arrived
        shutdown_seconds = await bot.terminate(within=SHUTDOWN_BOUND + 30)
    finally:
        await bot.kill()
    first_run = bot
    left_claimed = await claimed_rows(url)

    receiver.hang = False
    bot = await BotProcess.start(config)
    try:
        seen = await wait_until_processed(url, len(sent))
        outboxes = await settled(url, "done")
        await bot.terminate()
    finally:
        await bot.kill()
        receiver.release.set()

    assert first_run.process.returncode == 0, first_run.output()
    assert shutdown_seconds < SHUTDOWN_BOUND, f"took {shutdown_seconds:.1f} s"
    stopping, stopped = first_run.logged("restock_bot_stopping"), first_run.logged("restock_bot_stopped")
    assert stopping and stopped
    cancelled = first_run.logged("jobs cancelled at shutdown")
    assert cancelled and "delivery" in cancelled[0]["jobs"]
    handed_back = sum(e["rows"] for e in first_run.logged("claims handed back"))
    assert handed_back >= 1  # at least the notification that was in flight
    assert left_claimed == {"posts": 0, "notifications": 0, "replies": 0}
    assert bot.process.returncode == 0, bot.output()
    assert_each_processed_once(seen, sent)
    assert set(receiver.hung) <= set(receiver.accepted)
    assert len(receiver.accepted) == outboxes["notifications"]["done"] == 16
    assert set(receiver.accepted.values()) == {1}
    print(
        f"\nSIGTERM mid-work: exit 0 in {shutdown_seconds:.1f} s (bound {SHUTDOWN_BOUND:g} s, "
        f"SHUTDOWN_SECONDS={SHUTDOWN_SECONDS:g}); jobs cancelled: {cancelled[0]['jobs']}; rows handed back: "
        f"{handed_back}; claimed rows left: 0; after restart {len(sent)} reports processed once, "
        f"{len(receiver.accepted)} notifications accepted once"
    )
