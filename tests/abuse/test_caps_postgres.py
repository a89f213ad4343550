"""The ticket caps on PostgreSQL (127.0.0.1:5432, db `test`, a schema of its own): a flood in one inbox batch
opens the capped number of tickets and notifications, as on SQLite."""

from __future__ import annotations

import pytest

from restock_bot.clock import FixedClock
from restock_bot.config import Settings
from restock_bot.gifts import GiftState
from restock_bot.restock import RestockService
from restock_bot.storage import Database
from restock_bot.storage.tables import NotificationRow
from tests.abuse.conftest import STORES, count, flood_in_one_batch, restock_all
from tests.fakes.restock import FakeChannel, FakeDistributor, FakeMailer, ScriptedTriage

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg_service(
    pg: Database, triage: ScriptedTriage, clock: FixedClock, settings: Settings, mailer: FakeMailer
) -> RestockService:
    return RestockService(
        pg, triage, stores=STORES, clock=clock, settings=settings, notifier=FakeDistributor(), mailer=mailer,
        senders=[FakeChannel()],
    )  # fmt: skip


async def test_a_flood_in_one_batch_is_capped_on_postgresql(
    pg_service: RestockService, triage: ScriptedTriage, clock: FixedClock
) -> None:
    await flood_in_one_batch(pg_service, triage, clock)

    assert await count(pg_service, NotificationRow) == 10  # 5 webhooks + 5 emails
    await restock_all(pg_service)
    assert [g.state for g in await pg_service.gift_queue()] == [GiftState.HELD]
