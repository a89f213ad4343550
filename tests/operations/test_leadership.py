"""One listener polls X and Bluesky: the holder of a PostgreSQL advisory lock; the others take over when it
stops or dies. On SQLite every process is its own leader."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import text

from restock_bot.leadership import Leadership
from restock_bot.storage.database import Database
from tests.helpers import PG_URL


class Listener:
    """A listener's pollers as the leadership sees them: started when elected, stopped when deposed."""

    def __init__(self, database: Database) -> None:
        self.polling = False
        self.leadership = Leadership(database, every=3600, on_elected=self.start, on_deposed=self.stop)

    async def start(self) -> None:
        self.polling = True

    async def stop(self) -> None:
        self.polling = False


@pytest.fixture
async def databases(pg_schema: str) -> AsyncIterator[list[Database]]:
    """Three processes' connections to one schema."""
    found = [Database(PG_URL, search_path=pg_schema) for _ in range(3)]
    yield found
    for database in found:
        await database.dispose()


async def holder_pid(database: Database, key: int) -> int:
    """The backend holding the advisory lock `key` (PostgreSQL splits the 64-bit key in two halves)."""
    unsigned = key & 0xFFFFFFFFFFFFFFFF
    async with database.engine.connect() as conn:
        result = await conn.execute(
            text("SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted AND classid = :hi AND objid = :lo"),
            {"hi": unsigned >> 32, "lo": unsigned & 0xFFFFFFFF},
        )
        return int(result.scalar_one())


@pytest.mark.postgres
async def test_only_one_listener_polls_and_another_takes_over_when_it_stops(databases: list[Database]) -> None:
    listeners = [Listener(d) for d in databases]
    for listener in listeners:
        await listener.leadership.start()
    assert [x.polling for x in listeners] == [True, False, False]

    await listeners[0].leadership.stop()
    for listener in listeners[1:]:
        await listener.leadership.check()

    assert [x.polling for x in listeners] == [False, True, False]
    for listener in listeners[1:]:
        await listener.leadership.stop()


@pytest.mark.postgres
async def test_a_leader_that_loses_its_connection_stops_polling_and_another_takes_over(
    databases: list[Database],
) -> None:
    first, second = Listener(databases[0]), Listener(databases[1])
    await first.leadership.start()
    await second.leadership.start()
    pid = await holder_pid(databases[2], first.leadership.key)

    async with databases[2].engine.begin() as conn:  # what PostgreSQL does when the leader's process dies
        await conn.execute(text("SELECT pg_terminate_backend(:pid, 10000)"), {"pid": pid})  # waits for the end
    await second.leadership.check()
    await first.leadership.check()

    assert (first.polling, second.polling) == (False, True)
    await first.leadership.stop()
    await second.leadership.stop()


@pytest.mark.postgres
async def test_deployments_in_other_schemas_elect_their_own_leader(databases: list[Database], pg_schema: str) -> None:
    other = Database(PG_URL, search_path=f"{pg_schema}_other")
    here, there = Listener(databases[0]), Listener(other)
    try:
        await here.leadership.start()
        await there.leadership.start()
        assert (here.polling, there.polling) == (True, True)
    finally:
        await here.leadership.stop()
        await there.leadership.stop()
        await other.dispose()


async def test_on_sqlite_every_listener_is_its_own_leader(db_url: str) -> None:
    database = Database(db_url)
    listener = Listener(database)
    await listener.leadership.start()
    assert listener.polling and listener.leadership.is_leader
    await listener.leadership.stop()
    assert not listener.polling
    await database.dispose()
