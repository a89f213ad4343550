"""The loop and SKIP LOCKED claims on PostgreSQL (127.0.0.1:5432, db `test`), each test in its own schema."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from restock_bot.clock import FixedClock
from restock_bot.restock import RestockService
from restock_bot.storage import Database
from restock_bot.storage.inbox import add_post
from restock_bot.storage.queue import claim
from restock_bot.storage.tables import PostRow
from tests.fakes.restock import (
    START,
    STORES,
    FakeChannel,
    FakeDistributor,
    ScriptedTriage,
    post,
    ticket_decision,
)

pytestmark = pytest.mark.postgres


def service_on(
    database: Database,
    triage: ScriptedTriage,
    clock: FixedClock,
    distributor: FakeDistributor,
    channel: FakeChannel,
) -> RestockService:
    return RestockService(database, triage, stores=STORES, clock=clock, notifier=distributor, senders=[channel])


async def test_claims_skip_rows_another_worker_holds(pg: Database) -> None:
    async with pg.session() as s, s.begin():
        for n in range(5):
            await add_post(s, post(f"p{n}"), START)
    async with pg.session() as first, first.begin():
        held = await claim(first, PostRow, now=START, limit=2, stale_after=timedelta(minutes=10))
        async with pg.session() as second, second.begin():
            other = await claim(second, PostRow, now=START, limit=5, stale_after=timedelta(minutes=10))
    assert [r.post_id for r in held] == ["p0", "p1"]
    assert [r.post_id for r in other] == ["p2", "p3", "p4"]


async def test_two_workers_process_each_post_once_and_share_one_ticket(pg: Database) -> None:
    triage, clock, distributor, channel = (
        ScriptedTriage(),
        FixedClock(START),
        FakeDistributor(),
        FakeChannel(),
    )
    for n in range(20):
        triage.will(ticket_decision(f"p{n}"))
    workers = [service_on(pg, triage, clock, distributor, channel) for _ in range(2)]
    for n in range(20):
        await workers[0].accept(post(f"p{n}", author=f"user{n}"))
    for w in workers:
        w.batch_size = 3
    runs = await asyncio.gather(*(w.process_pending() for w in workers))
    assert sum(r.processed for r in runs) == 20 and sum(r.failed for r in runs) == 0
    counts = await workers[0].board_counts()
    assert counts.open == 1
    history = await workers[0].ticket_history(1)
    assert len(history.reports) == 20


async def test_loop_on_postgres_from_report_to_gift(pg: Database) -> None:
    triage, clock, distributor, channel = (
        ScriptedTriage(),
        FixedClock(START),
        FakeDistributor(),
        FakeChannel(),
    )
    service = service_on(pg, triage, clock, distributor, channel)
    triage.will(ticket_decision("p1"))
    triage.will(ticket_decision("p2"))
    await service.accept(post("p1", "asha"))
    await service.accept(post("p2", "ravi"))
    await service.accept(post("explode"))
    run = await service.process_pending()
    assert (run.processed, run.failed) == (2, 1)
    clock.advance(timedelta(hours=49))
    assert [e.kind.value for e in await service.sweep_sla()] == ["escalated"]
    assert await service.sweep_sla() == []
    await service.mark_restocked(1, who="dist-north:kiran", why="delivered")
    await service.deliver_outboxes()
    assert distributor.kinds() == ["opened", "escalated"]
    assert len([t for _, t in channel.sent if "restocked" in t]) == 2
    assert len(await service.gift_queue()) == 2
    assert await service.median_hours_to_restock() == 49
    assert [r.reporter for r in await service.reporters()] == ["x:asha", "x:ravi"]
    await service.set_cursor("x:since_id", "42")
    assert await service.get_cursor("x:since_id") == "42"
