"""SLA sweep at 10k / 100k (/ 1M) open tickets and end-to-end ingest, on SQLite and PostgreSQL, in one run.

SLA, per database and size:
  - N open tickets first reported evenly over the last 48 h (warnings already sent for those past theirs),
    stored in bulk; each database in a fresh file / PostgreSQL schema
  - the scheduler's loop with the clock fast-forwarded: a sweep every --tick simulated seconds; a sweep
    that takes longer than a tick pushes the clock by its real duration (an AcceleratedClock at speed 1
    that jumps over the idle rest of each tick), so lateness includes the sweep's own time
  - with --wake, the scheduler's exact wake-ups besides: after each sweep the next one comes at the soonest
    stored timer (`next_sla_due`) if that is before the next tick
  - sweep time per tick (p50/p99/max), escalation and warning lateness (event time - its due time,
    p50/p99/max), peak RSS of this process, size of the tickets table with its indexes
Ingest, per database: --posts posts handed over in pages of 100 (`accept_many`), then `process_pending`
(post -> decision -> ticket -> report -> event -> reply and notification outboxes, 200 posts a transaction),
beside a batched insert (1,000 rows a statement) of exactly the rows it wrote into a fresh database; and,
apart, the same posts accepted one by one (one transaction each, as a webhook taking one post a request).

    .venv/bin/python bench/sla_bench.py --sizes 10000,100000,1000000
    .venv/bin/python bench/sla_bench.py --sizes 0 --posts 2000          # ingest only
Results: bench/out/sla-results.json and the printed table.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import sys
import time
import uuid
import warnings
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert, text
from sqlalchemy.ext.asyncio import create_async_engine
from sqlmodel import SQLModel, col, select, update

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
OUT = HERE / "out"
sys.path.insert(0, str(ROOT))  # tests.fakes: the stores, triage stand-in and ticket seeding the tests use

from restock_bot.clock import AcceleratedClock, FixedClock  # noqa: E402
from restock_bot.config import Settings  # noqa: E402
from restock_bot.restock import RestockService  # noqa: E402
from restock_bot.restock.rules import Rules  # noqa: E402
from restock_bot.storage import Database  # noqa: E402
from restock_bot.storage.tables import TicketEventRow, TicketRow  # noqa: E402
from restock_bot.storage.tickets import ticket_of  # noqa: E402
from restock_bot.tickets import sla  # noqa: E402
from restock_bot.tickets.models import EventKind, Ticket, TicketEvent  # noqa: E402
from tests.fakes.restock import START, STORES, FakeDistributor, ScriptedTriage, post, ticket_decision  # noqa: E402
from tests.fakes.sla import new_tickets, store_tickets  # noqa: E402

PG_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
T0 = START + timedelta(days=3)  # "now" when the run starts
CHUNK = 10_000


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def remove_sqlite_files(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


@asynccontextmanager
async def fresh_database(kind: str) -> AsyncIterator[Database]:
    """An empty database: a new SQLite file, or a new PostgreSQL schema dropped afterwards."""
    if kind == "sqlite":
        OUT.mkdir(exist_ok=True)
        path = OUT / f"sla-{uuid.uuid4().hex[:8]}.db"
        database = Database(f"sqlite+aiosqlite:///{path}")
        await database.create_schema()
        try:
            yield database
        finally:
            await database.dispose()
            remove_sqlite_files(path)
        return
    schema = f"sla_bench_{uuid.uuid4().hex[:10]}"
    admin = create_async_engine(PG_URL)
    async with admin.begin() as conn:
        await conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    database = Database(PG_URL, search_path=schema)
    await database.create_schema()
    try:
        yield database
    finally:
        await database.dispose()
        async with admin.begin() as conn:
            await conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        await admin.dispose()


# --- SLA ------------------------------------------------------------------------------------------


async def seed(database: Database, rules: Rules, count: int) -> None:
    """`count` open tickets first reported over the 48 h before T0; warnings due before T0 already sent."""
    table = TicketEventRow.__table__  # type: ignore[attr-defined]
    for start in range(0, count, CHUNK):
        numbers = range(start, min(count, start + CHUNK))
        made = new_tickets(STORES, rules, count, T0 - timedelta(hours=48), timedelta(hours=48), numbers=numbers)
        stored = await store_tickets(database, rules, made, chunk=CHUNK)
        warned = [t for t in stored if t.deadline - timedelta(hours=12) < T0]
        if not warned:
            continue
        async with database.session() as session, session.begin():
            await session.execute(
                insert(table),
                [
                    {
                        "ticket_id": t.id,
                        "kind": EventKind.WARNED.value,
                        "key": sla.warning_key(),
                        "at": t.deadline - timedelta(hours=12),
                        "actor": "sla",
                        "reason": "seeded",
                        "tier": None,
                        "data": {},
                    }
                    for t in warned
                ],
            )
            ids = [t.id for t in warned]
            await session.exec(
                update(TicketRow).where(col(TicketRow.id).in_(ids)).values(sla_due_at=TicketRow.deadline)
            )


async def due_times(database: Database, events: list[TicketEvent], rules: Rules) -> list[tuple[str, float]]:
    """(kind, lateness in seconds) of each recorded event, from its ticket's plan."""
    ids = sorted({e.ticket_id for e in events if e.ticket_id is not None})
    tickets: dict[int, Ticket] = {}
    async with database.session() as session:
        for start in range(0, len(ids), 5_000):
            part = ids[start : start + 5_000]
            rows = (await session.exec(select(TicketRow).where(col(TicketRow.id).in_(part)))).all()
            tickets.update({r.id: ticket_of(r) for r in rows if r.id is not None})
    late: list[tuple[str, float]] = []
    for event in events:
        ticket = tickets[event.ticket_id or 0]
        policy = rules.policy_for(ticket)
        plan = {d.key: d.at for d in sla.plan(ticket, policy.ladder_names, policy.sla)}
        late.append((event.kind.value, (event.at - plan[event.key]).total_seconds()))
    return late


async def claim_plan(database: Database) -> str:
    """How PostgreSQL reads the due tickets (the partial index, not every open ticket)."""
    if database.dialect != "postgresql":
        return ""
    async with database.session() as session:
        rows = await session.execute(
            text(
                "EXPLAIN SELECT * FROM tickets WHERE sla_due_at IS NOT NULL AND sla_due_at <= :now "
                "ORDER BY sla_due_at LIMIT 200 FOR UPDATE SKIP LOCKED"
            ),
            {"now": T0},
        )
        return " | ".join(r[0].strip() for r in rows.all()[:3])


async def sla_run(
    kind: str, count: int, tick: float, want_events: int, max_ticks: int, wake: bool = False
) -> dict[str, Any]:
    rules = Rules.from_settings(Settings(), STORES)
    async with fresh_database(kind) as database:
        started = time.perf_counter()
        await seed(database, rules, count)
        seeded = time.perf_counter() - started
        if database.dialect == "postgresql":
            async with database.session() as session:
                await session.execute(text("ANALYZE tickets"))
                await session.execute(text("ANALYZE ticket_events"))
        plan = await claim_plan(database)
        clock = AcceleratedClock(T0, 1.0)
        service = RestockService(
            database, ScriptedTriage(), stores=STORES, clock=clock, settings=Settings(), notifier=FakeDistributor()
        )
        events: list[TicketEvent] = []
        sweeps: list[float] = []
        while len(events) < want_events and len(sweeps) < max_ticks:
            began, run_at = time.perf_counter(), clock.now()
            events += await service.sweep_sla()
            took = time.perf_counter() - began
            sweeps.append(took)
            if wake:  # the scheduler's exact wake-up: the next sweep at the soonest timer, else at the next tick
                due = await service.next_sla_due(after=run_at)  # its real time counts too
                nxt = run_at + timedelta(seconds=tick)
                if due is not None:
                    nxt = min(nxt, due)
                if nxt > clock.now():
                    clock.jump(nxt - clock.now())
            elif took < tick:
                clock.jump(timedelta(seconds=tick - took))  # the scheduler would sleep the rest of the tick
        simulated = (clock.now() - T0).total_seconds()
        late = await due_times(database, events, rules)
        size = await table_size(database)
    escalations = [s for k, s in late if k == EventKind.ESCALATED.value]
    return {
        "db": kind,
        "open_tickets": count,
        "seed_s": round(seeded, 1),
        "ticks": len(sweeps),
        "simulated_s": round(simulated, 1),
        "events": len(events),
        "escalations": len(escalations),
        "sweep_ms_p50": round(pct(sweeps, 0.5) * 1000, 2),
        "sweep_ms_p99": round(pct(sweeps, 0.99) * 1000, 2),
        "sweep_ms_max": round(max(sweeps) * 1000, 2),
        "escalation_late_s_p50": round(pct(escalations, 0.5), 3),
        "escalation_late_s_p99": round(pct(escalations, 0.99), 3),
        "escalation_late_s_max": round(max(escalations, default=float("nan")), 3),
        "all_late_s_p99": round(pct([s for _, s in late], 0.99), 3),
        "peak_rss_mb": round(peak_rss_mb(), 1),
        "tickets_table_mb": size,
        "claim_plan": plan,
    }


async def table_size(database: Database) -> float:
    """Megabytes of the tickets table with its indexes (PostgreSQL) or of the whole file (SQLite)."""
    async with database.session() as session:
        if database.dialect == "postgresql":
            value = (await session.execute(text("SELECT pg_total_relation_size('tickets')"))).scalar_one()
        else:
            pages = (await session.execute(text("PRAGMA page_count"))).scalar_one()
            page = (await session.execute(text("PRAGMA page_size"))).scalar_one()
            value = pages * page
    return round(int(value) / 2**20, 1)


# --- ingest ---------------------------------------------------------------------------------------

INGEST_TABLES = ["posts", "decisions", "tickets", "reports", "ticket_events", "replies", "notifications"]
PAGE = 100  # posts a channel hands over at once (an X search page holds up to 100)
# Each bench post opens a ticket at one of three stores within a minute: lift the abuse caps so they open
# tickets rather than being held (the caps' own path is tested in tests/, not timed here).
UNCAPPED = {"tickets_per_reporter_day": 1_000_000, "tickets_per_store": 1_000_000}


def ingest_posts(count: int) -> tuple[ScriptedTriage, list[Any]]:
    """`count` posts, each opening a ticket (three stores, 300 reporters), and the triage stand-in's answers."""
    triage = ScriptedTriage()
    posts = []
    for n in range(count):
        store = list(STORES)[n % len(STORES)]
        triage.will(ticket_decision(f"p{n}", store_id=store, sku=f"SKU-{n}"))  # each post opens a ticket
        posts.append(post(f"p{n}", author=f"reporter{n % 300}", at=START))
    return triage, posts


async def ingest_run(kind: str, count: int) -> dict[str, Any]:
    """Posts in through the service (pages of PAGE), beside a batched insert of the same rows into an empty
    database; and, apart, the same posts accepted one by one (a webhook taking one post a request)."""
    triage, posts = ingest_posts(count)
    settings = Settings(abuse=UNCAPPED)
    clock = FixedClock(START + timedelta(minutes=1))
    async with fresh_database(kind) as database:
        service = RestockService(
            database, triage, stores=STORES, clock=clock, settings=settings, notifier=FakeDistributor()
        )
        began = time.perf_counter()
        for start in range(0, count, PAGE):
            await service.accept_many(posts[start : start + PAGE])
        accepted = time.perf_counter()
        run = await service.process_pending()
        ended = time.perf_counter()
        assert run.processed == count and run.failed == 0, run
        rows: dict[str, list[dict[str, Any]]] = {}
        async with database.session() as session:
            for name in INGEST_TABLES:
                table = SQLModel.metadata.tables[name]
                result = await session.execute(table.select().order_by(table.c.id))
                rows[name] = [dict(r._mapping) for r in result.all()]
    async with fresh_database(kind) as empty:
        began_raw = time.perf_counter()
        for name in INGEST_TABLES:
            table = SQLModel.metadata.tables[name]
            for start in range(0, len(rows[name]), 1_000):
                async with empty.session() as session, session.begin():
                    await session.execute(insert(table), rows[name][start : start + 1_000])
        raw_s = time.perf_counter() - began_raw
    async with fresh_database(kind) as single:
        service = RestockService(
            single, triage, stores=STORES, clock=clock, settings=settings, notifier=FakeDistributor()
        )
        began_one = time.perf_counter()
        for item in posts:
            await service.accept(item)
        one_s = time.perf_counter() - began_one
    ingest_s = ended - began
    written = sum(len(r) for r in rows.values())
    return {
        "db": kind,
        "posts": count,
        "rows_written": written,
        "rows_by_table": {k: len(v) for k, v in rows.items()},
        "accept_pages_posts_per_s": round(count / (accepted - began), 1),
        "process_posts_per_s": round(count / (ended - accepted), 1),
        "ingest_posts_per_s": round(count / ingest_s, 1),
        "raw_posts_per_s": round(count / raw_s, 1),
        "raw_rows_per_s": round(written / raw_s, 1),
        "ingest_vs_raw": round(raw_s / ingest_s, 4),
        "accept_one_by_one_posts_per_s": round(count / one_s, 1),
    }


# --- run ------------------------------------------------------------------------------------------


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10000,100000", help="open tickets, comma-separated (0: ingest only)")
    parser.add_argument("--dbs", default="sqlite,postgresql")
    parser.add_argument("--tick", type=float, default=0.5, help="simulated seconds between periodic sweeps")
    parser.add_argument("--wake", action="store_true", help="also sweep at the soonest stored timer (exact wake-ups)")
    parser.add_argument("--events", type=int, default=600, help="stop a size after this many SLA events")
    parser.add_argument("--max-ticks", type=int, default=4000)
    parser.add_argument("--posts", type=int, default=2000, help="posts for the ingest run (0: skip)")
    args = parser.parse_args()
    import logging

    import structlog

    warnings.filterwarnings("ignore", category=DeprecationWarning)  # sqlmodel on session.execute
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    results: dict[str, Any] = {"tick_s": args.tick, "wake": args.wake, "sla": [], "ingest": []}
    for kind in args.dbs.split(","):
        for size in (int(s) for s in args.sizes.split(",") if s.strip() and int(s)):
            row = await sla_run(kind, size, args.tick, args.events, args.max_ticks, args.wake)
            results["sla"].append(row)
            print(json.dumps(row), flush=True)
        if args.posts:
            row = await ingest_run(kind, args.posts)
            results["ingest"].append(row)
            print(json.dumps(row), flush=True)
    OUT.mkdir(exist_ok=True)
    (OUT / "sla-results.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    asyncio.run(main())
