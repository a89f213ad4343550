"""Every migration, run on a fresh SQLite file and a fresh PostgreSQL schema, gives exactly the tables of
storage/tables.py: a table change without a migration fails here."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import inspect, text
from sqlmodel import SQLModel

from restock_bot.storage import schema
from restock_bot.storage.database import Database
from tests.helpers import PG_URL
from tests.operations.conftest import pg_schema_named


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
async def fresh(request: pytest.FixtureRequest, db_url: str) -> AsyncIterator[Database]:
    """An empty database of each kind: a new SQLite file, a new PostgreSQL schema."""
    if request.param == "sqlite":
        database = Database(db_url)
        yield database
        await database.dispose()
        return
    async with pg_schema_named() as name:
        database = Database(PG_URL, search_path=name)
        await schema.upgrade(database, "base")  # creates the (empty) schema
        yield database
        await database.dispose()


async def differences(database: Database) -> list[object]:
    async with database.engine.connect() as conn:
        return await conn.run_sync(schema.differences)


async def table_names(database: Database) -> set[str]:
    async with database.engine.connect() as conn:
        return set(await conn.run_sync(lambda c: inspect(c).get_table_names()))


async def test_every_migration_gives_exactly_the_models_tables(fresh: Database) -> None:
    before, after = await schema.upgrade(fresh)

    assert (before, after) == (None, schema.head_revision())
    assert await differences(fresh) == []
    assert await table_names(fresh) == set(SQLModel.metadata.tables) | {"alembic_version"}


async def test_migrations_go_down_to_nothing_and_up_again(fresh: Database) -> None:
    await schema.upgrade(fresh)
    await schema.downgrade(fresh, "base")
    assert await table_names(fresh) <= {"alembic_version"}

    await schema.upgrade(fresh)
    assert await differences(fresh) == []


async def test_a_table_change_without_a_migration_is_found(fresh: Database) -> None:
    await schema.upgrade(fresh)
    async with fresh.engine.begin() as conn:
        await conn.execute(text("DROP INDEX ix_posts_work"))

    assert any("ix_posts_work" in str(d) for d in await differences(fresh))


async def test_start_up_refuses_an_old_schema_when_auto_migrate_is_off(fresh: Database) -> None:
    with pytest.raises(schema.SchemaError, match="restock-bot db upgrade"):
        await schema.prepare(fresh, auto_migrate=False)

    version = await schema.prepare(fresh, auto_migrate=True)
    assert version.at_head
    assert (await schema.prepare(fresh, auto_migrate=False)).at_head


async def test_a_database_made_before_migrations_is_adopted_when_it_matches(fresh: Database) -> None:
    await fresh.create_schema()  # what start-up did before migrations existed

    await schema.prepare(fresh, auto_migrate=True)

    assert (await schema.schema_version(fresh)).at_head
    assert await differences(fresh) == []


async def test_a_database_made_before_migrations_is_refused_when_it_differs(fresh: Database) -> None:
    await fresh.create_schema()
    async with fresh.engine.begin() as conn:
        await conn.execute(text("DROP INDEX ix_posts_work"))

    with pytest.raises(schema.SchemaError, match="differ"):
        await schema.upgrade(fresh)


@pytest.mark.postgres
async def test_processes_starting_together_upgrade_once(pg_schema: str) -> None:
    databases = [Database(PG_URL, search_path=pg_schema) for _ in range(3)]
    try:
        results = await asyncio.gather(*(schema.upgrade(d) for d in databases))
    finally:
        for d in databases:
            await d.dispose()

    head = schema.head_revision()
    assert sorted(results, key=str) == sorted([(None, head), (head, head), (head, head)], key=str)
