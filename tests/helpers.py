"""Helpers shared by the test folders: the PostgreSQL test server, the environment without outside settings,
a database on a file, a fake server on 127.0.0.1, and tickets as a first report opens them. The fixtures
built on them are in tests/conftest.py."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import datetime
from typing import Any

import pytest
from aiohttp import web
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from restock_bot.storage import Database
from restock_bot.tickets import lifecycle
from restock_bot.tickets.lifecycle import Change
from restock_bot.tickets.models import Ticket
from restock_bot.tickets.sla import SlaPolicy
from tests.fakes.restock import START

PG_URL = os.environ.get("RESTOCK_BOT_TEST_PG", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")


@asynccontextmanager
async def pg_database() -> AsyncIterator[Database]:
    """A Database whose tables live in a fresh schema, dropped afterwards (parallel runs never collide);
    skips the test without a server."""
    schema = f"restock_test_{uuid.uuid4().hex[:12]}"
    admin = create_async_engine(PG_URL)
    try:
        async with admin.begin() as conn:
            await conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    except Exception as exc:  # no server: these tests cannot run here
        await admin.dispose()
        pytest.skip(f"PostgreSQL at {PG_URL} unavailable: {exc}")
    database = Database(PG_URL, search_path=schema)
    await database.create_schema()
    try:
        yield database
    finally:
        await database.dispose()
        async with admin.begin() as conn:
            await conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        await admin.dispose()


async def open_database(url: str) -> Database:
    """The Database at `url` with its tables created."""
    database = Database(url)
    await database.create_schema()
    return database


def forget_outside_config(monkeypatch: pytest.MonkeyPatch) -> None:
    """Settings come from the test alone, never from a RESTOCK_BOT_* variable of the machine."""
    for name in list(os.environ):
        if name.startswith("RESTOCK_BOT_"):
            monkeypatch.delenv(name)


def clean_env() -> dict[str, str]:
    """The environment for a `restock-bot` subprocess, without any RESTOCK_BOT_* setting."""
    return {k: v for k, v in os.environ.items() if not k.startswith("RESTOCK_BOT_")}


async def serve_locally(app: web.Application, **runner_options: Any) -> tuple[web.AppRunner, str]:
    """Serve `app` on a free port of 127.0.0.1: its runner (to clean up) and its base URL."""
    runner = web.AppRunner(app, **runner_options)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    host, port = runner.addresses[0][:2]
    return runner, f"http://{host}:{port}"


FIRST_REPORT: dict[str, Any] = {
    "store_id": "S1",
    "distributor_id": "d1",
    "sku": "MUN-50",
    "brand": None,
    "reporter": "x:a",
    "report_ref": "x/1",
}


def opening(*, reported_at: datetime = START, **changes: Any) -> Change:
    """`lifecycle.open_ticket` for a first report of MUN-50 at store S1 (distributor d1) by x:a, recorded
    when it was reported, on the default SLA; `changes` sets any of its keywords."""
    return lifecycle.open_ticket(
        **{**FIRST_REPORT, "reported_at": reported_at, "at": reported_at, "policy": SlaPolicy(), **changes}
    )


def opened_ticket(ticket_id: int | None = None, **changes: Any) -> Ticket:
    """The ticket `opening(**changes)` opens, numbered `ticket_id` as if stored."""
    ticket = opening(**changes).ticket
    return ticket if ticket_id is None else replace(ticket, id=ticket_id)
