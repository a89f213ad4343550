"""The ticket caps on PostgreSQL (127.0.0.1:5432, db `test`, a schema of its own): a flood in one inbox batch
opens the capped number of tickets and notifications, as on SQLite."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from restock_bot.clock import FixedClock
from restock_bot.config import Settings
from restock_bot.gifts import GiftState
from restock_bot.restock import RestockService
from restock_bot.storage import Database
from restock_bot.storage.tables import HeldReportRow, NotificationRow, ReportRow, TicketRow
from tests.abuse.conftest import STORES, a_post, count, restock_all
from tests.fakes.restock import FakeChannel, FakeDistributor, FakeMailer, ScriptedTriage, ticket_decision

pytestmark = pytest.mark.postgres
PG_URL = os.environ.get("RESTOCK_BOT_TEST_PG", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")


@pytest.fixture
async def pg_service(
    triage: ScriptedTriage, clock: FixedClock, settings: Settings, mailer: FakeMailer
) -> AsyncIterator[RestockService]:
    schema = f"restock_abuse_{uuid.uuid4().hex[:12]}"
    admin = create_async_engine(PG_URL)
    try:
        async with admin.begin() as conn:
            await conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    except Exception as exc:  # no server: this test cannot run here
        await admin.dispose()
        pytest.skip(f"PostgreSQL at {PG_URL} unavailable: {exc}")
    database = Database(PG_URL, search_path=schema)
    await database.create_schema()
    service = RestockService(
        database, triage, stores=STORES, clock=clock, settings=settings, notifier=FakeDistributor(),
        mailer=mailer, senders=[FakeChannel()],
    )  # fmt: skip
    try:
        yield service
    finally:
        await database.dispose()
        async with admin.begin() as conn:
            await conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        await admin.dispose()


async def test_a_flood_in_one_batch_is_capped_on_postgresql(
    pg_service: RestockService, triage: ScriptedTriage, clock: FixedClock
) -> None:
    for i in range(50):
        triage.will(ticket_decision(f"flood-{i}", store_id=f"M{i % 30:02d}"))
        assert await pg_service.accept(a_post(f"flood-{i}", "flooder", at=clock.now()))
        clock.advance(timedelta(seconds=72))

    run = await pg_service.process_pending()

    assert (run.processed, run.failed) == (50, 0)
    assert await count(pg_service, TicketRow) == 5
    assert await count(pg_service, ReportRow) == 10 and await count(pg_service, HeldReportRow) == 40
    assert await count(pg_service, NotificationRow) == 10  # 5 webhooks + 5 emails
    await restock_all(pg_service)
    assert [g.state for g in await pg_service.gift_queue()] == [GiftState.HELD]
