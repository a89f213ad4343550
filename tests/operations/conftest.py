"""Fixtures for the operations tests: no outside RESTOCK_BOT_* setting, and PostgreSQL schemas of their own
(127.0.0.1:5432, database `test`) that the bot creates, dropped afterwards. Fresh SQLite files are `db_url`,
in tests/conftest.py."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager

import pytest
import structlog
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from tests.helpers import PG_URL, forget_outside_config


@pytest.fixture(autouse=True)
def no_outside_config(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Settings come from the test alone; `--config` (which sets RESTOCK_BOT_CONFIG) leaves nothing behind."""
    forget_outside_config(monkeypatch)
    yield
    os.environ.pop("RESTOCK_BOT_CONFIG", None)
    structlog.reset_defaults()  # the commands configure logging for the whole process


async def drop_schema(name: str) -> None:
    admin = create_async_engine(PG_URL)
    try:
        async with admin.begin() as conn:
            await conn.execute(text(f'DROP SCHEMA IF EXISTS "{name}" CASCADE'))
    finally:
        await admin.dispose()


@asynccontextmanager
async def pg_schema_named() -> AsyncIterator[str]:
    """The name of a schema nobody else uses (the bot creates it), dropped afterwards; skips without a server."""
    name = f"restock_ops_{uuid.uuid4().hex[:12]}"
    admin = create_async_engine(PG_URL)
    try:
        async with admin.connect() as conn:
            await conn.execute(text("SELECT 1"))
    except Exception as exc:  # no server: these tests cannot run here
        pytest.skip(f"PostgreSQL at {PG_URL} unavailable: {exc}")
    finally:
        await admin.dispose()
    try:
        yield name
    finally:
        await drop_schema(name)


@pytest.fixture
async def pg_schema() -> AsyncIterator[str]:
    async with pg_schema_named() as name:
        yield name
