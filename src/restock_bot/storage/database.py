"""The database: an async engine from a URL, sessions, schema creation and insert-if-new."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlmodel import SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

from restock_bot.storage import tables  # noqa: F401  (registers every table on SQLModel.metadata)


def _tune_sqlite(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets readers and one writer share the file; busy_timeout waits for the writer instead of failing.
    # The driver's own BEGIN handling is switched off so `_begin_immediate` can take the write lock up front.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _begin_immediate(connection: Connection) -> None:
    # A deferred SQLite transaction that reads, then writes after another writer committed, fails at once
    # (SQLITE_BUSY_SNAPSHOT); taking the write lock at BEGIN makes concurrent workers wait their turn instead.
    connection.exec_driver_sql("BEGIN IMMEDIATE")


class Database:
    """One async engine and its session factory; `search_path` puts PostgreSQL tables in a schema."""

    def __init__(self, url: str, *, search_path: str | None = None, echo: bool = False) -> None:
        connect_args: dict[str, Any] = {}
        if search_path and url.startswith("postgresql"):
            connect_args["server_settings"] = {"search_path": search_path}
        self.url = url
        self.search_path = search_path if url.startswith("postgresql") else None
        # pre-ping: a connection the server dropped (restart, failover) is replaced before use, not failed on
        self.engine: AsyncEngine = create_async_engine(url, echo=echo, connect_args=connect_args, pool_pre_ping=True)
        if self.engine.dialect.name == "sqlite":
            event.listen(self.engine.sync_engine, "connect", _tune_sqlite)
            event.listen(self.engine.sync_engine, "begin", _begin_immediate)
        self._sessions = async_sessionmaker(self.engine, class_=AsyncSession, expire_on_commit=False)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def session(self) -> AsyncSession:
        """A new session; use as `async with db.session() as s, s.begin(): ...`."""
        return self._sessions()

    async def create_schema(self) -> None:
        """Create missing tables straight from the models (tests; start-up runs the migrations instead)."""
        async with self.engine.begin() as conn:
            await conn.run_sync(SQLModel.metadata.create_all)

    async def drop_schema(self) -> None:
        async with self.engine.begin() as conn:
            await conn.run_sync(SQLModel.metadata.drop_all)

    async def dispose(self) -> None:
        await self.engine.dispose()


async def insert_new(
    session: AsyncSession, model: type[SQLModel], values: Mapping[str, Any], unique: list[str]
) -> int | None:
    """Insert a row unless one with the same `unique` columns exists; the new id, or None when it existed."""
    table = model.__table__  # type: ignore[attr-defined]
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(table).values(**values).on_conflict_do_nothing(index_elements=unique)
    result = await session.exec(statement.returning(table.c.id))
    return result.scalar_one_or_none()


async def insert_many_new(
    session: AsyncSession, model: type[SQLModel], rows: Sequence[Mapping[str, Any]], unique: list[str]
) -> None:
    """Insert many rows in one statement, skipping those whose `unique` columns already exist."""
    if not rows:
        return
    table = model.__table__  # type: ignore[attr-defined]
    connection = await session.connection()
    insert = postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert
    await connection.execute(insert(table).on_conflict_do_nothing(index_elements=unique), list(rows))


async def insert_many(session: AsyncSession, model: type[SQLModel], rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert many rows in one statement."""
    if rows:
        table = model.__table__  # type: ignore[attr-defined]
        await (await session.connection()).execute(table.insert(), list(rows))


async def insert_many_ids(
    session: AsyncSession, model: type[SQLModel], rows: Sequence[Mapping[str, Any]], natural_key: Sequence[str]
) -> dict[tuple[Any, ...], int]:
    """Insert many rows in one statement; the new ids by each row's `natural_key` columns (unique among them)."""
    if not rows:
        return {}
    table = model.__table__  # type: ignore[attr-defined]
    statement = table.insert().returning(table.c.id, *(table.c[name] for name in natural_key))
    result = await (await session.connection()).execute(statement, list(rows))
    return {tuple(found[1:]): int(found[0]) for found in result.all()}
