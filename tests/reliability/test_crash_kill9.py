"""Crash safety: the bot is killed with SIGKILL at seeded random moments while it ingests a replay, sweeps
SLAs and delivers its outboxes, and started again each time; at the end the database and the distributors'
receiving end show that nothing was lost and nothing happened twice.

One continuous replay per database (SQLite file, PostgreSQL schema): `KILLS` processes killed one after the
other, then a last one that runs until every post is processed, no SLA step is due and both outboxes are
empty, and is stopped with SIGTERM. Simulated time runs `SPEED` times faster than the wall clock while a bot
serves and stands still in between (crash_bot.py), so the 48-hour SLA, warnings and escalations happen
during the run, at times that follow from the serving time alone.

Expected outcomes come from the pure core: triage decides every post in this process, and the tickets are
the distinct (store, product) keys of its "ticket" decisions. The ticket caps are raised out of reach: they
count tickets per window of simulated time, and which posts share a window depends on the machine's speed.

Sizes (RELIABILITY.md): `RESTOCK_CRASH_POSTS` lines in the replay, `RESTOCK_CRASH_RATE` posts per
serving second, `RESTOCK_CRASH_KILLS` (at least 20), `RESTOCK_CRASH_ALIVE` the longest a bot serves before
it is killed, `RESTOCK_CRASH_SEED`.
"""

from __future__ import annotations

import asyncio
import csv
import os
import random
import re
import signal
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
from sqlmodel import SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from restock_bot.config import DATA_DIR, Settings
from restock_bot.post import post_from_dict
from restock_bot.storage.tables import (
    DecisionRow,
    NotificationRow,
    PostRow,
    ReplyRow,
    ReportRow,
    TicketEventRow,
    TicketRow,
)
from restock_bot.tickets.models import ticket_key
from restock_bot.triage.decide import Triage
from tests.helpers import PG_URL, clean_env
from tests.operations.conftest import pg_schema_named
from tests.reliability.crash_bot import CHANNEL, FED, RUNNING
from tests.reliability.crash_distributors import SECRET, Distributors
from tests.reliability.crash_posts import FIRST_POST_AT, Replay, make_replay

POSTS = int(os.environ.get("RESTOCK_CRASH_POSTS", "2000"))
RATE = float(os.environ.get("RESTOCK_CRASH_RATE", "100"))  # posts per second while a bot serves
KILLS = max(20, int(os.environ.get("RESTOCK_CRASH_KILLS", "20")))
ALIVE = float(os.environ.get("RESTOCK_CRASH_ALIVE", "3.0"))  # a bot serves 0.2 s to this long before SIGKILL
SEED = int(os.environ.get("RESTOCK_CRASH_SEED", "20261125"))
SPEED = 4 * 3600.0  # simulated seconds per wall second while a bot serves
SLA = timedelta(hours=48)
WARN_AFTER = timedelta(hours=1)  # the warning 47 h before the deadline
REPEAT = timedelta(hours=6)  # between escalation rungs
LADDER = len(Settings().default_ladder)
STALE = timedelta(seconds=SPEED)  # a killed process's claims are taken again a serving second later
LATE = timedelta(seconds=5 * SPEED)  # a ticket opened this close to its deadline may miss its warning
STARTUP_KILLS = 0.15  # share of the kills aimed at start-up: imports, migrations, the first catch-up
FINISH_SECONDS = 240.0  # the last process must settle everything within this
ORIGIN = FIRST_POST_AT - timedelta(hours=1)
SERVING = re.compile(rf"{RUNNING} since ([0-9.]+)")


def distributor_ids() -> list[str]:
    with (DATA_DIR / "stores.csv").open(encoding="utf-8") as handle:
        return sorted({row["distributor_id"] for row in csv.DictReader(handle)})


def write_config(path: Path, url: str, schema: str | None, receiver: str) -> Path:
    lines = [
        f'database_url = "{url}"',
        *([f'database_schema = "{schema}"'] if schema else []),
        'host = "127.0.0.1"',
        "port = 0",
        "inbox_seconds = 0.2",
        "sla_sweep_seconds = 0.3",
        "delivery_seconds = 0.3",
        f"claim_stale_seconds = {STALE.total_seconds()}",
        f"sla_hours = {SLA / timedelta(hours=1)}",
        f"warn_at_hours = {WARN_AFTER / timedelta(hours=1)}",
        f"escalation_repeat_hours = {REPEAT / timedelta(hours=1)}",
        f'webhook_reply_url = "{receiver}/replies"',
        "[digest]",
        "times = []",  # the digests run on the wall clock's time of day: none during a test
        "[abuse]",
        "tickets_per_reporter_day = 1000000",
        "tickets_per_store = 1000000",
    ]
    for distributor in distributor_ids():
        lines += [
            f'[distributors."{distributor}"]',
            f'webhook_url = "{receiver}/distributors/{distributor}"',
            f'webhook_secret = "{SECRET}"',
        ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@dataclass(frozen=True, slots=True)
class Expected:
    """What the pure core makes of the replay: each unique post's (action, store, sku), and the tickets."""

    decisions: dict[str, tuple[str, str | None, str | None]]
    ticket_keys: set[str]

    @classmethod
    def of(cls, replay: Replay) -> Expected:
        settings = Settings()
        triage = Triage.from_files(settings.stores_csv, settings.products_csv)
        decisions: dict[str, tuple[str, str | None, str | None]] = {}
        keys: set[str] = set()
        for line in replay.lines:
            if line["id"] in decisions:
                continue
            decision = triage.decide(post_from_dict(line, CHANNEL))
            decisions[line["id"]] = (decision.action.value, decision.store_id, decision.sku)
            if decision.action.value == "ticket":
                keys.add(ticket_key(decision.store_id or "", decision.sku, decision.brand))
        return cls(decisions, keys)

    def count(self, action: str) -> int:
        return sum(1 for a, _, _ in self.decisions.values() if a == action)


@dataclass
class Kill:
    """One SIGKILL: how long after its start the process died, and what the database held just after."""

    after: float
    serving: bool  # the bot had started serving (else it died in start-up)
    posts_done: int
    escalations: int
    notifications_waiting: int

    def phase(self, unique_posts: int) -> str:
        if not self.serving:
            return "start-up"
        if self.posts_done < unique_posts:
            return "ingest+sla" if self.escalations else "ingest"
        return "sla+outbox"


@dataclass
class Bot:
    """One bot process; its clock stands at `base` until it serves (`since`, wall clock), then runs."""

    process: asyncio.subprocess.Process
    base: datetime
    spawned: float
    stop_at: datetime | None = None
    since: float | None = None
    reader: asyncio.Task[None] | None = None

    def simulated(self, wall: float) -> datetime:
        if self.since is None:
            return self.base
        now = self.base + timedelta(seconds=max(0.0, wall - self.since) * SPEED)
        return now if self.stop_at is None else min(now, self.stop_at)

    async def stopped(self) -> None:
        if self.reader is not None:
            await self.reader


@dataclass
class Reader:
    """The test's own look at the database: plain reads that never wait for the bot's write lock."""

    url: str
    schema: str | None

    def __post_init__(self) -> None:
        args = {"server_settings": {"search_path": self.schema}} if self.schema else {}
        self.engine = create_async_engine(self.url, connect_args=args)
        self.session = async_sessionmaker(self.engine, class_=AsyncSession, expire_on_commit=False)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name


async def count(session: Any, model: type[SQLModel], *where: Any) -> int:
    return int((await session.exec(select(func.count()).select_from(model).where(*where))).one())


@dataclass
class CrashRun:
    """A replay through a bot that is killed at `KILLS` seeded random moments and started again each time."""

    config: Path
    replay: Path
    database: async_sessionmaker[AsyncSession]
    unique_posts: int
    rng: random.Random
    base: datetime = ORIGIN  # where the next process's clock starts
    kills: list[Kill] = field(default_factory=list)
    log: list[str] = field(default_factory=list)

    async def _spawn(self, stop_at: datetime | None = None) -> Bot:
        spawned = time.time()
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "tests.reliability.crash_bot", str(self.config), str(self.replay),
            self.base.isoformat(), repr(SPEED), *([stop_at.isoformat()] if stop_at else []),
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE, env=clean_env(),
        )  # fmt: skip
        bot = Bot(process, self.base, spawned, stop_at)
        bot.reader = asyncio.create_task(self._read(bot))
        return bot

    async def _read(self, bot: Bot) -> None:
        assert bot.process.stderr is not None
        while line := (await bot.process.stderr.readline()).decode(errors="replace"):
            self.log.append(line)
            if found := SERVING.match(line):
                bot.since = float(found.group(1))

    def _tail(self) -> str:
        return "".join(self.log[-30:])

    async def lives(self) -> None:
        """Every kill of the run: a process is started and killed at a random moment, now and then in start-up,
        else 0.2 to ALIVE seconds after it started serving, and started again where its clock stopped."""
        for _ in range(KILLS):
            bot = await self._spawn()
            if self.rng.random() < STARTUP_KILLS:
                await asyncio.sleep(self.rng.uniform(0.2, 2.0))
            else:
                alive = self.rng.uniform(0.2, ALIVE)
                while bot.since is None:
                    assert bot.process.returncode is None, "the bot exited in start-up:\n" + self._tail()
                    assert time.time() - bot.spawned < 120, "the bot did not start serving within 120 s"
                    await asyncio.sleep(0.02)
                await asyncio.sleep(bot.since + alive - time.time())
            assert bot.process.returncode is None, "the bot exited before it was killed:\n" + self._tail()
            bot.process.send_signal(signal.SIGKILL)
            assert await bot.process.wait() == -signal.SIGKILL
            died = time.time()
            await bot.stopped()
            self.base = bot.simulated(died)
            self.kills.append(await self._snapshot(died - bot.spawned, bot.since is not None))

    async def _snapshot(self, after: float, serving: bool) -> Kill:
        try:
            async with self.database() as session:
                done = await count(session, PostRow, PostRow.status == "done")
                escalated = await count(session, TicketEventRow, TicketEventRow.kind == "escalated")
                waiting = await count(session, NotificationRow, col(NotificationRow.status).in_(["pending", "claimed"]))
        except DBAPIError:  # killed before its first migration: no tables yet
            return Kill(after, serving, 0, 0, 0)
        return Kill(after, serving, done, escalated, waiting)

    async def finish(self, last_post_at: datetime) -> None:
        """A last process, its clock stopping an hour after the last post (and not before the killed process's
        claims are stale), left alone until everything due by then is done, then stopped with SIGTERM."""
        stop_at = max(self.base + STALE + timedelta(hours=2), last_post_at + timedelta(hours=1))
        bot = await self._spawn(stop_at=stop_at)
        try:
            deadline = time.monotonic() + FINISH_SECONDS
            while not await self._settled(bot):
                assert bot.process.returncode is None, "the last bot exited:\n" + self._tail()
                assert time.monotonic() < deadline, f"not settled in {FINISH_SECONDS} s: {await self._state(bot)}"
                await asyncio.sleep(0.5)
        finally:
            if bot.process.returncode is None:
                bot.process.send_signal(signal.SIGTERM)
            code = await asyncio.wait_for(bot.process.wait(), timeout=60)
            await bot.stopped()
        assert code == 0, "the last bot did not stop cleanly:\n" + self._tail()
        self.base = bot.simulated(time.time())

    async def _state(self, bot: Bot) -> dict[str, int]:
        due = bot.simulated(time.time())
        async with self.database() as session:
            return {
                "posts": await count(session, PostRow),
                "posts not done": await count(session, PostRow, PostRow.status != "done"),
                "tickets due": await count(session, TicketRow, col(TicketRow.sla_due_at) <= due),
                "notifications not done": await count(session, NotificationRow, NotificationRow.status != "done"),
                "replies not done": await count(session, ReplyRow, ReplyRow.status != "done"),
            }

    async def _settled(self, bot: Bot) -> bool:
        if bot.since is None or bot.simulated(time.time()) != bot.stop_at:
            return False  # the clock still runs: more may come due
        if not any(line.startswith(FED) for line in self.log):
            return False
        state = await self._state(bot)
        return state["posts"] == self.unique_posts and not any(v for k, v in state.items() if k != "posts")


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
async def database(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Reader]:
    """A fresh database: a SQLite file, or a PostgreSQL schema of its own (dropped afterwards)."""
    if request.param == "sqlite":
        reader = Reader(f"sqlite+aiosqlite:///{tmp_path / 'restock.db'}", None)
        yield reader
        await reader.engine.dispose()
        return
    async with pg_schema_named() as schema:
        reader = Reader(PG_URL, schema)
        yield reader
        await reader.engine.dispose()


@pytest.fixture
async def distributors() -> AsyncIterator[Distributors]:
    receiver = Distributors()
    await receiver.start()
    yield receiver
    await receiver.stop()


async def test_no_post_ticket_escalation_or_notification_is_lost_or_doubled_when_the_bot_is_killed_again_and_again(
    tmp_path: Path, database: Reader, distributors: Distributors
) -> None:
    replay = make_replay(POSTS, SEED, spacing=timedelta(seconds=SPEED / RATE))
    expected = Expected.of(replay)
    run = CrashRun(
        config=write_config(tmp_path / "restock-bot.toml", database.url, database.schema, distributors.url),
        replay=replay.write(tmp_path / "replay.jsonl"),
        database=database.session,
        unique_posts=len(replay.post_ids),
        rng=random.Random(f"{SEED}:{database.dialect}"),
    )
    began = time.monotonic()
    try:
        await run.lives()
        await run.finish(max(post_from_dict(line, CHANNEL).created_at for line in replay.lines))
    finally:
        (tmp_path / "bots.log").write_text("".join(run.log), encoding="utf-8")
    seconds, end = time.monotonic() - began, run.base

    async with database.session() as session:
        posts = (await session.exec(select(PostRow))).all()
        decisions = (await session.exec(select(DecisionRow))).all()
        reports = (await session.exec(select(ReportRow))).all()
        tickets = (await session.exec(select(TicketRow))).all()
        events = (await session.exec(select(TicketEventRow))).all()
        notifications = (await session.exec(select(NotificationRow))).all()
        replies = (await session.exec(select(ReplyRow))).all()

    # every post of the file stored once and processed once, as the pure core decides it
    assert Counter(p.post_id for p in posts) == Counter(replay.post_ids)
    assert {p.status for p in posts} == {"done"} and {p.channel for p in posts} == {CHANNEL}
    post_of_row = {p.id: p.post_id for p in posts}
    assert Counter(d.post_row_id for d in decisions) == Counter(post_of_row.keys())
    assert {post_of_row[d.post_row_id]: (d.action, d.store_id, d.sku) for d in decisions} == expected.decisions

    # one ticket per store and product, each report credited once, each ticket opened once
    assert len(tickets) == len(expected.ticket_keys)
    assert Counter(t.key for t in tickets) == Counter(expected.ticket_keys)
    assert max(Counter(r.post_row_id for r in reports).values()) == 1
    assert len(reports) == expected.count("ticket")
    assert Counter(e.kind for e in events)["report_merged"] == len(reports) - len(tickets)
    steps = Counter((e.ticket_id, e.kind, e.tier) for e in events if e.kind != "report_merged")
    assert max(steps.values()) == 1, [k for k, n in steps.items() if n > 1][:5]  # each SLA step once per ticket
    assert {i for i, kind, _ in steps if kind == "opened"} == {t.id for t in tickets}

    # every escalation due by the end (in serving time) recorded once, none early, none not yet due; the warning
    # when the ticket was opened in time for a sweep to see it before its deadline
    at: dict[tuple[int | None, str, int | None], datetime] = {(e.ticket_id, e.kind, e.tier): e.at for e in events}
    skipped = 0
    for t in tickets:
        assert t.deadline == t.opened_at + SLA
        for tier in range(1, LADDER + 1):
            due = t.deadline + REPEAT * (tier - 1)
            step = at.get((t.id, "escalated", tier))
            assert step is None or step >= due, (t.id, tier, step, due)
            assert (step is not None) == (due <= end), f"ticket {t.id} rung {tier} due {due}, end {end}: {step}"
        warned = at.get((t.id, "warned", None))
        if warned is not None:
            assert t.opened_at + WARN_AFTER <= warned < t.deadline, (t.id, warned)
        else:
            skipped += 1
            assert at[(t.id, "opened", None)] > t.deadline - LATE, f"ticket {t.id} opened in time, never warned"

    # one notification per (ticket, event, recipient), each delivered; a redelivery only for a message that
    # was in flight when its bot was killed (the receiver can drop it: the X-Restock-Event-Id is the same)
    notified = [e for e in events if e.kind in ("opened", "warned", "escalated")]
    assert max(Counter((n.ticket_id, n.event_id, n.recipient) for n in notifications).values()) == 1
    assert Counter(n.event_id for n in notifications) == Counter(e.id for e in notified)
    assert {n.status for n in notifications} == {"done"}
    assert set(distributors.events) == {str(n.event_id) for n in notifications}
    assert distributors.forged == 0
    assert distributors.redeliveries + distributors.reply_redeliveries <= KILLS

    # one reply per post that asked for one (acknowledgement or "which store?"), each delivered
    assert len(replies) == expected.count("ticket") + expected.count("clarify")
    assert {r.status for r in replies} == {"done"}
    assert len(distributors.replies) == len(replies)

    phases = Counter(k.phase(run.unique_posts) for k in run.kills)
    escalations = sum(1 for e in events if e.kind == "escalated")
    print(
        f"\n[{database.dialect}] {POSTS} lines, {run.unique_posts} posts, {RATE:g}/s, seed {SEED}: "
        f"{len(run.kills)} kills {dict(phases)}, every restart recovered; {len(tickets)} tickets, {len(reports)} "
        f"reports, {len(tickets) - skipped} warnings ({skipped} opened too late for one), {escalations} "
        f"escalations, {len(notifications)} notifications ({distributors.redeliveries} redelivered), "
        f"{len(replies)} replies ({distributors.reply_redeliveries} redelivered); posts lost 0, duplicates 0; "
        f"{(end - ORIGIN) / timedelta(hours=1):.0f} simulated hours, {seconds:.0f} s\n"
        "kills (s after spawn/posts done/escalations/notifications waiting): "
        + ", ".join(f"{k.after:.1f}/{k.posts_done}/{k.escalations}/{k.notifications_waiting}" for k in run.kills)
    )
    assert phases["ingest"] + phases["ingest+sla"] >= 1, phases  # killed while posts were coming in
    assert escalations and phases["ingest+sla"] + phases["sla+outbox"] >= 1, phases  # ... and while escalating
