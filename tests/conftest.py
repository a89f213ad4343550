"""Fixtures shared by the test folders: a fixed clock, stand-ins for triage, the channels, the distributors and
the mailer, and the restock service on a real SQLite file (or PostgreSQL) made of them.

A folder's conftest or a test module overrides any of them by defining a fixture of the same name (the
triage tests' real `triage`, the abuse tests' `stores` and `settings`, a `mailer` where emails are sent), and
`service` is then built of the overriding ones."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from pathlib import Path

import pytest

from restock_bot.clock import FixedClock
from restock_bot.config import Settings
from restock_bot.restock import RestockService
from restock_bot.retailers import Store
from restock_bot.storage import Database
from tests.fakes.restock import START, STORES, FakeChannel, FakeDistributor, FakeMailer, ScriptedTriage
from tests.helpers import open_database, pg_database


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
def mailer() -> FakeMailer | None:
    """The service's mailer: none (emails wait in the outbox) unless a folder or module gives it one."""
    return None


@pytest.fixture
def stores() -> Mapping[str, Store]:
    return STORES


@pytest.fixture
def settings() -> Settings:
    return Settings()


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'restock.db'}"


@pytest.fixture
async def service(
    db_url: str,
    triage: ScriptedTriage,
    clock: FixedClock,
    stores: Mapping[str, Store],
    settings: Settings,
    distributor: FakeDistributor,
    mailer: FakeMailer | None,
    channel: FakeChannel,
) -> AsyncIterator[RestockService]:
    """The service on a real SQLite file at `db_url`, made of the fixtures above."""
    svc = RestockService(
        await open_database(db_url),
        triage,
        stores=stores,
        clock=clock,
        settings=settings,
        notifier=distributor,
        mailer=mailer,
        senders=[channel],
    )
    yield svc
    await svc.close()


@pytest.fixture
async def pg() -> AsyncIterator[Database]:
    """A Database on the PostgreSQL test server, its tables in a fresh schema dropped afterwards."""
    async with pg_database() as database:
        yield database
