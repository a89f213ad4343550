"""The SLA sweep over thousands of open tickets: several sweepers on PostgreSQL, one on SQLite, the clock
fast-forwarded like the scheduler's ticks. Every warning and escalation happens once, none is missed."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

from sqlmodel import col, select

from restock_bot.clock import FixedClock
from restock_bot.config import Settings
from restock_bot.restock import RestockService
from restock_bot.restock.rules import Rules
from restock_bot.storage import Database
from restock_bot.storage.tables import TicketEventRow
from restock_bot.tickets.models import EventKind, TicketEvent
from tests.fakes.restock import START, STORES, FakeDistributor, ScriptedTriage
from tests.fakes.sla import expected_events, new_tickets, store_tickets
from tests.helpers import PG_URL

TICKETS = 2_000  # on PostgreSQL, three sweepers
SQLITE_TICKETS = 1_000  # one sweeper: SQLite writes one transaction at a time, ~9 ms a ticket here
TICK = timedelta(minutes=5)  # shorter than any gap between two SLA items of one ticket
UNTIL = START + timedelta(hours=51)  # the warning and rung 1 of every ticket


def sweeper(database: Database, clock: FixedClock) -> RestockService:
    return RestockService(
        database, ScriptedTriage(), stores=STORES, clock=clock, settings=Settings(), notifier=FakeDistributor()
    )


async def open_tickets(database: Database, count: int) -> dict[tuple[int, str], datetime]:
    """Store `count` open tickets first reported over two hours; the SLA events due by UNTIL."""
    rules = Rules.from_settings(Settings(), STORES)
    made = new_tickets(STORES, rules, count, START, timedelta(hours=2))
    return expected_events(await store_tickets(database, rules, made), rules, UNTIL)


async def tick_until_done(sweepers: list[RestockService], clock: FixedClock) -> list[list[TicketEvent]]:
    """Tick the clock to UNTIL, all sweepers sweeping at each tick at once; what each one recorded."""
    recorded: list[list[TicketEvent]] = [[] for _ in sweepers]
    clock.set(START + timedelta(hours=35))  # nothing is due before the first warning
    while clock.now() < UNTIL:
        clock.advance(TICK)
        swept = await asyncio.gather(*(s.sweep_sla(batch=50) for s in sweepers))
        for mine, events in zip(recorded, swept, strict=True):
            mine.extend(events)
    return recorded


async def assert_each_once_none_missed(
    database: Database, expected: dict[tuple[int, str], datetime], recorded: list[list[TicketEvent]]
) -> None:
    everyone = [(e.ticket_id or 0, e.key) for mine in recorded for e in mine]
    assert [key for key, times in Counter(everyone).items() if times > 1] == []  # no double warning/escalation
    assert set(everyone) == set(expected)  # none missed, none extra
    sla_kinds = [EventKind.WARNED.value, EventKind.ESCALATED.value]
    async with database.session() as session:
        stored = (await session.exec(select(TicketEventRow).where(col(TicketEventRow.kind).in_(sla_kinds)))).all()
    assert sorted((r.ticket_id, r.key) for r in stored) == sorted(expected)
    late = [e for mine in recorded for e in mine if e.at - expected[(e.ticket_id or 0, e.key)] >= TICK]
    assert late == []  # each within one tick of its time


async def test_three_sweepers_on_postgres_warn_and_escalate_each_ticket_once(pg: Database) -> None:
    expected = await open_tickets(pg, TICKETS)
    assert len(expected) == 2 * TICKETS
    clock = FixedClock(START)
    sweepers = [sweeper(Database(PG_URL, search_path=pg.search_path), clock) for _ in range(3)]
    try:
        recorded = await tick_until_done(sweepers, clock)
    finally:
        await asyncio.gather(*(s.close() for s in sweepers))
    assert all(len(mine) > 0 for mine in recorded)  # the work really was shared
    await assert_each_once_none_missed(pg, expected, recorded)


async def test_one_sweeper_on_sqlite_warns_and_escalates_each_ticket_once(tmp_path: Path) -> None:
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'restock.db'}")
    await database.create_schema()
    try:
        expected = await open_tickets(database, SQLITE_TICKETS)
        assert len(expected) == 2 * SQLITE_TICKETS
        clock = FixedClock(START)
        recorded = await tick_until_done([sweeper(database, clock)], clock)
        await assert_each_once_none_missed(database, expected, recorded)
    finally:
        await database.dispose()
