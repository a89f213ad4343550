"""Fixtures for the restock loop tests: a service on a real SQLite file, stand-ins for the outside world."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from restock_bot.clock import FixedClock
from restock_bot.config import Settings
from restock_bot.restock import RestockService
from restock_bot.storage import Database
from tests.fakes.restock import START, STORES, FakeChannel, FakeDistributor, ScriptedTriage


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(START)


@pytest.fixture
def triage() -> ScriptedTriage:
    return ScriptedTriage()


@pytest.fixture
def channel() -> FakeChannel:
    return FakeChannel()


@pytest.fixture
def distributor() -> FakeDistributor:
    return FakeDistributor()


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'restock.db'}"


@pytest.fixture
async def service(
    db_url: str, triage: ScriptedTriage, clock: FixedClock, channel: FakeChannel, distributor: FakeDistributor
) -> AsyncIterator[RestockService]:
    database = Database(db_url)
    await database.create_schema()
    svc = RestockService(
        database,
        triage,
        stores=STORES,
        clock=clock,
        settings=Settings(),
        notifier=distributor,
        senders=[channel],
    )
    yield svc
    await svc.close()
