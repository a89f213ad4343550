"""The inbox worker acts on a batch of posts in one transaction: repeat reports join the ticket opened a few
posts before, a bad post is failed with its reason while the rest commit, and a batch stopped half-way leaves
every post pending and nothing else."""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import replace

import pytest
from sqlalchemy import event, func
from sqlmodel import select

from restock_bot.restock import RestockService, intake
from restock_bot.storage.tables import DecisionRow, NotificationRow, ReplyRow, ReportRow, TicketRow
from restock_bot.tickets.caps import ReportCaps
from tests.fakes.restock import FakeChannel, FakeDistributor, ScriptedTriage, post, ticket_decision
from tests.restock.test_postgres import service_on


def uncapped(service: RestockService) -> None:
    """Lift the ticket caps (one reporter or store opening many tickets) where a test opens many."""
    service.rules = replace(service.rules, caps=ReportCaps(1_000_000, 1_000_000, 1.0))


async def count(service: RestockService, model: type) -> int:
    async with service.database.session() as session:
        return int((await session.exec(select(func.count()).select_from(model))).one())


async def test_repeat_reports_in_one_batch_join_the_ticket_the_first_one_opened(
    service: RestockService, triage: ScriptedTriage, channel: FakeChannel, distributor: FakeDistributor
) -> None:
    for n, author in enumerate(["asha", "ravi", "asha", "meera", "ravi"]):
        triage.will(ticket_decision(f"p{n}"))
        await service.accept(post(f"p{n}", author=author))

    run = await service.process_pending()
    await service.deliver_outboxes()

    assert (run.processed, run.failed) == (5, 0)
    [queued] = await service.distributor_queue("dist-north")
    assert queued.reports == 5 and queued.ticket.priority == 3  # three distinct reporters
    history = await service.ticket_history(queued.ticket.id or 0)
    assert [e.kind.value for e in history.events] == ["opened"] + ["report_merged"] * 4
    assert distributor.kinds() == ["opened"]
    assert [text.split("!")[1].split(" for ")[0].strip() for _, text in channel.sent] == [
        "Logged as ticket #1",
        *["Added to ticket #1"] * 4,
    ]
    [(_, opened)] = distributor.events
    assert opened["ticket"]["reports"] == 1  # as it stood when the first report opened it


async def test_a_bad_post_fails_with_its_reason_and_the_rest_of_its_batch_commits(
    service: RestockService, triage: ScriptedTriage, channel: FakeChannel
) -> None:
    triage.will(ticket_decision("p1"))
    triage.will(ticket_decision("nowhere", store_id="S404"))
    triage.will(ticket_decision("p3", store_id="S2"))
    for post_id in ("p1", "explode", "nowhere", "p3"):
        await service.accept(post(post_id))

    run = await service.process_pending()

    assert (run.processed, run.failed) == (2, 2)
    failed = {row.post_id: row.error for row in await service.failed_posts()}
    assert failed == {
        "explode": "post x/explode: ValueError: triage could not read this post",
        "nowhere": "post x/nowhere: UnknownStore: store_id 'S404' is not in the retailer list",
    }
    assert (await service.board_counts()).open == 2
    assert await count(service, DecisionRow) == 2  # a failed post leaves nothing behind
    assert (await service.inbox_counts())["done"] == 2


async def test_a_batch_is_one_transaction_with_a_statement_per_table(
    service: RestockService, triage: ScriptedTriage
) -> None:
    uncapped(service)
    for n in range(120):
        triage.will(ticket_decision(f"p{n}", store_id=["S1", "S2", "S3"][n % 3], sku=f"SKU-{n % 40}"))
        await service.accept(post(f"p{n}", author=f"reporter{n % 7}"))
    statements: Counter[str] = Counter()

    def seen(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        statements[statement.split()[0].upper()] += 1

    event.listen(service.database.engine.sync_engine, "before_cursor_execute", seen)
    try:
        run = await service.process_pending()
    finally:
        event.remove(service.database.engine.sync_engine, "before_cursor_execute", seen)

    assert (run.processed, run.failed) == (120, 0)
    assert statements["BEGIN"] == 1  # SQLite's BEGIN IMMEDIATE: one transaction for the 120 posts
    assert statements["INSERT"] == 6  # decisions, tickets, reports, events, notifications, replies
    assert sum(statements.values()) < 20
    assert await count(service, TicketRow) == 120 and await count(service, ReportRow) == 120
    assert await count(service, NotificationRow) == 120 and await count(service, ReplyRow) == 120


async def test_a_batch_stopped_half_way_leaves_its_posts_pending_and_nothing_else(
    service: RestockService, triage: ScriptedTriage, monkeypatch: pytest.MonkeyPatch
) -> None:
    uncapped(service)
    for n in range(10):
        triage.will(ticket_decision(f"p{n}", sku=f"SKU-{n}"))
        await service.accept(post(f"p{n}"))
    written = intake.Intake.flush

    async def killed(self: intake.Intake) -> None:
        await written(self)  # the rows are written in the transaction ...
        raise asyncio.CancelledError  # ... and the worker is stopped before it commits

    monkeypatch.setattr(intake.Intake, "flush", killed)
    with pytest.raises(asyncio.CancelledError):
        await service.process_pending()
    assert (await service.inbox_counts())["pending"] == 10
    assert await count(service, DecisionRow) == 0 and await count(service, TicketRow) == 0

    monkeypatch.setattr(intake.Intake, "flush", written)
    assert (await service.process_pending()).processed == 10
    assert await count(service, TicketRow) == 10 and await count(service, ReplyRow) == 10


async def test_a_batch_that_cannot_commit_is_taken_post_by_post(
    service: RestockService, triage: ScriptedTriage, monkeypatch: pytest.MonkeyPatch
) -> None:
    for n in range(6):
        triage.will(ticket_decision(f"p{n}"))
        await service.accept(post(f"p{n}", author=f"user{n}"))

    async def conflict(self: intake.Intake) -> None:
        raise RuntimeError("another worker opened the same ticket")

    monkeypatch.setattr(intake.Intake, "flush", conflict)
    run = await service.process_pending()

    assert (run.processed, run.failed) == (6, 0)
    assert (await service.board_counts()).open == 1
    assert await count(service, ReportRow) == 6 and await count(service, DecisionRow) == 6


@pytest.mark.postgres
async def test_two_workers_on_postgres_take_each_post_once_in_batches(pg) -> None:
    from restock_bot.clock import FixedClock
    from tests.fakes.restock import START

    triage, clock, distributor, channel = ScriptedTriage(), FixedClock(START), FakeDistributor(), FakeChannel()
    workers = [service_on(pg, triage, clock, distributor, channel) for _ in range(2)]
    for worker in workers:
        worker.inbox_batch_size = 25
        uncapped(worker)
    for n in range(300):
        triage.will(ticket_decision(f"p{n}", store_id=["S1", "S2", "S3"][n % 3], sku=f"SKU-{n % 30}"))
    await workers[0].accept_many([post(f"p{n}", author=f"user{n % 40}") for n in range(300)])

    runs = await asyncio.gather(*(w.process_pending() for w in workers))

    assert sum(r.processed for r in runs) == 300 and sum(r.failed for r in runs) == 0
    assert (await workers[0].inbox_counts())["done"] == 300
    assert await count(workers[0], ReportRow) == 300 and await count(workers[0], DecisionRow) == 300
    assert (await workers[0].board_counts()).open == 30  # one open ticket per store and product
    assert await count(workers[0], ReplyRow) == 300
