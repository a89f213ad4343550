"""The database schema's version: Alembic migrations shipped in the package (`storage/migrations/`, no
alembic.ini), run by `restock-bot db upgrade` and at start-up.

On PostgreSQL an upgrade holds a transaction-level advisory lock, so several processes starting at once
upgrade the schema once; the others wait and find it at head. A database created before migrations existed
(tables but no version) is adopted when its tables match the models, and refused with the differences
otherwise."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import structlog
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, inspect, text
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.schema import CreateSchema
from sqlmodel import SQLModel

from restock_bot.storage import tables  # noqa: F401  (registers every table on SQLModel.metadata)
from restock_bot.storage.database import Database

log = structlog.get_logger(__name__)

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


class SchemaError(RuntimeError):
    """The schema is not (and cannot be brought) at the code's version; the message says what to do."""


@dataclass(frozen=True, slots=True)
class SchemaVersion:
    """The revision the database is at (None: no migration ran yet) and the newest one the code knows."""

    current: str | None
    head: str

    @property
    def at_head(self) -> bool:
        return self.current == self.head


def alembic_config(connection: Connection | None = None) -> Config:
    """Alembic's config, built in code; `env.py` runs the migrations on `connection`."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("file_template", "%%(rev)s_%%(slug)s")
    config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    """The newest migration shipped with the code."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:
        raise SchemaError(f"no migrations in {MIGRATIONS_DIR / 'versions'}")
    return head


def lock_key(name: str, search_path: str | None) -> int:
    """A PostgreSQL advisory-lock key for `name` within one schema (several schemas may share a database)."""
    digest = hashlib.blake2b(f"restock-bot:{name}:{search_path or ''}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def differences(connection: Connection) -> list[Any]:
    """What separates the database's tables from the models (Alembic's autogenerate diff); [] when none."""
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, SQLModel.metadata))


def _current(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def _upgrade(connection: Connection, revision: str) -> str | None:
    """Run the migrations up to `revision` in the caller's transaction; the revision before."""
    before = _current(connection)
    if before is None and _has_unversioned_tables(connection):
        _adopt(connection)
        before = _current(connection)
    command.upgrade(alembic_config(connection), revision)
    return before


def _has_unversioned_tables(connection: Connection) -> bool:
    """Restock Bot's tables are there although no migration is recorded (made by create_all)."""
    return bool(set(inspect(connection).get_table_names()) & set(SQLModel.metadata.tables))


def _adopt(connection: Connection) -> None:
    """Stamp a database made before migrations at head when its tables match the models, else refuse."""
    found = differences(connection)
    if found:
        listed = "; ".join(str(d) for d in found[:5])
        raise SchemaError(
            f"the database has Restock Bot tables but no schema version, and they differ from this version's "
            f"({len(found)} difference(s): {listed}); migrate it by hand or start from a new database"
        )
    command.stamp(alembic_config(connection), "head")
    log.info("schema_adopted", revision=head_revision())


async def _create_schema_if_missing(database: Database) -> None:
    """CREATE SCHEMA for `database_schema` on PostgreSQL, on a connection of its own (no search_path yet)."""
    if database.dialect != "postgresql" or not database.search_path:
        return
    engine = create_async_engine(database.url)
    try:
        async with engine.begin() as conn:
            await conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": lock_key("schema", None)})
            await conn.execute(CreateSchema(database.search_path, if_not_exists=True))  # quoted by the dialect
    finally:
        await engine.dispose()


async def schema_version(database: Database) -> SchemaVersion:
    """Where the database is, and where the code wants it."""
    async with database.engine.connect() as conn:
        current = await conn.run_sync(_current)
    return SchemaVersion(current, head_revision())


async def upgrade(database: Database, revision: str = "head") -> tuple[str | None, str | None]:
    """Upgrade the schema to `revision` (head: the newest); the revisions (before, after)."""
    await _create_schema_if_missing(database)
    async with database.engine.begin() as conn:
        if database.dialect == "postgresql":  # one upgrader at a time; the others then find nothing to do
            await conn.execute(
                text("SELECT pg_advisory_xact_lock(:key)"), {"key": lock_key("migrate", database.search_path)}
            )
        before = await conn.run_sync(_upgrade, revision)
        after = await conn.run_sync(_current)
    if before != after:
        log.info("schema_upgraded", before=before, after=after)
    return before, after


async def downgrade(database: Database, revision: str) -> None:
    """Undo migrations down to `revision` ("base": none left); for tests and careful operators."""
    async with database.engine.begin() as conn:
        await conn.run_sync(lambda c: command.downgrade(alembic_config(c), revision))


async def prepare(database: Database, *, auto_migrate: bool) -> SchemaVersion:
    """At start-up: upgrade to head when `auto_migrate`, otherwise insist the schema is already there."""
    if auto_migrate:
        await upgrade(database)
    version = await schema_version(database)
    if not version.at_head:
        raise SchemaError(
            f"the database schema is at {version.current or 'nothing (empty)'} but this version needs "
            f"{version.head}: run `restock-bot db upgrade` (auto_migrate is off)"
        )
    return version


async def new_revision(message: str, scratch: Path) -> Path:
    """Write the next migration from the models' difference to head (autogenerate on a scratch SQLite file
    in the directory `scratch`); the new file, to read and adjust before committing it."""
    database = Database(f"sqlite+aiosqlite:///{scratch / 'revision.db'}")
    try:
        await upgrade(database)
        async with database.engine.begin() as conn:
            script = await conn.run_sync(_autogenerate, message)
    finally:
        await database.dispose()
    return Path(script.path)


def _autogenerate(connection: Connection, message: str) -> Any:
    config = alembic_config(connection)
    number = len(list(ScriptDirectory.from_config(config).walk_revisions())) + 1
    script = command.revision(config, message=message, autogenerate=True, rev_id=f"{number:04d}")
    if script is None or isinstance(script, list):
        raise SchemaError("alembic wrote no single revision")
    return script
