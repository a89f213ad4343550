"""Three `restock-bot run` processes on one PostgreSQL schema (a listener and two workers): posts arrive
through the webhook while one worker is killed (SIGKILL) and started again, and every post still becomes
exactly the right ticket, once."""

from __future__ import annotations

import asyncio
import json
import re
import signal
import sys
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from sqlmodel import col, func, select

from restock_bot.config import Settings
from restock_bot.post import post_from_dict
from restock_bot.storage.database import Database
from restock_bot.storage.tables import DecisionRow, PostRow, ReportRow, TicketEventRow, TicketRow
from restock_bot.triage.decide import Triage
from tests.helpers import PG_URL, clean_env

pytestmark = pytest.mark.postgres

POSTS_DIR = Path(__file__).parents[1] / "posts"
RUNNING = re.compile(r"Restock Bot is running on (http://\S+)")
BATCH = 5


def labelled_posts() -> tuple[list[dict[str, Any]], dict[str, tuple[str, str | None] | None]]:
    """Our labelled posts (not replies) whose label the bot agrees with in one process, and for each post id
    the (store, sku) of its ticket, or None when it must not become a report."""
    settings = Settings()
    triage = Triage.from_files(settings.stores_csv, settings.products_csv)
    posts: list[dict[str, Any]] = []
    expected: dict[str, tuple[str, str | None] | None] = {}
    for file in sorted(POSTS_DIR.glob("*.jsonl")):
        for line in file.read_text(encoding="utf-8").splitlines():
            raw = json.loads(line)
            if raw.get("in_reply_to"):
                continue
            label = (raw["store_id"], raw["sku"]) if raw["stockout"] and raw["store_id"] else None
            decision = triage.decide(post_from_dict(raw, "webhook"))
            decided = (decision.store_id or "", decision.sku) if decision.action.value == "ticket" else None
            if label == decided:
                keep = ("id", "text", "created_at", "author", "lang", "geo", "place")
                posts.append({k: raw[k] for k in keep if raw.get(k) is not None})
                expected[raw["id"]] = label
    return posts, expected


class Bot:
    """One `restock-bot run` process."""

    def __init__(self, config: Path, role: str) -> None:
        self.config, self.role = config, role
        self.process: asyncio.subprocess.Process | None = None
        self.url = ""
        self.seen: list[str] = []

    async def start(self) -> None:
        self.process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "restock_bot.cli", "run", "--config", str(self.config), "--role", self.role,
            "--port", "0", stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE, env=clean_env(),
        )  # fmt: skip
        assert self.process.stderr is not None
        while line := (await self.process.stderr.readline()).decode():
            self.seen.append(line)
            if found := RUNNING.search(line):
                self.url = found.group(1)
                asyncio.get_running_loop().create_task(self._drain())
                return
        raise AssertionError(f"the {self.role} exited before serving:\n" + "".join(self.seen[-30:]))

    async def _drain(self) -> None:  # keep reading stderr so the process never blocks on a full pipe
        assert self.process is not None and self.process.stderr is not None
        while line := await self.process.stderr.readline():
            self.seen.append(line.decode())

    def triaged(self) -> bool:
        """It has triaged at least one post (its JSON log says so)."""
        return any('"post_triaged"' in line for line in self.seen)

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)

    async def stop(self) -> int:
        assert self.process is not None
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return await asyncio.wait_for(self.process.wait(), timeout=30)
        except TimeoutError:
            self.process.kill()
            return await self.process.wait()


@pytest.fixture
async def database(pg_schema: str) -> AsyncIterator[Database]:
    db = Database(PG_URL, search_path=pg_schema)
    yield db
    await db.dispose()


async def send(http: aiohttp.ClientSession, url: str, posts: list[dict[str, Any]]) -> None:
    async with http.post(f"{url}/hooks/posts", json=posts) as answer:
        body = await answer.json()
        assert answer.status == 200 and not body["errors"], body


async def all_processed(database: Database, count: int, seconds: float = 120.0) -> None:
    """Wait until `count` posts are done or failed, looking every 200 ms, for at most `seconds`."""
    finished = col(PostRow.status).in_(["done", "failed"])
    for _ in range(int(seconds / 0.2)):
        async with database.session() as session:
            if (await session.exec(select(func.count()).where(finished))).one() >= count:
                return
        await asyncio.sleep(0.2)
    raise AssertionError(f"not every post was processed within {seconds} s")


async def test_three_processes_turn_every_post_into_the_right_ticket_while_a_worker_is_killed(
    tmp_path: Path, pg_schema: str, database: Database
) -> None:
    posts, expected = labelled_posts()
    config = tmp_path / "restock-bot.toml"
    config.write_text(
        f'database_url = "{PG_URL}"\ndatabase_schema = "{pg_schema}"\nhost = "127.0.0.1"\n'
        "inbox_seconds = 0.2\ndelivery_seconds = 0.5\nclaim_stale_seconds = 3\nwebhook_rate_per_minute = 100000\n"
    )
    listener, worker, doomed = Bot(config, "listener"), Bot(config, "worker"), Bot(config, "worker")
    bots = [listener, worker, doomed]
    try:
        await asyncio.wait_for(asyncio.gather(*(b.start() for b in bots)), timeout=90)  # they migrate together
        batches = [posts[i : i + BATCH] for i in range(0, len(posts), BATCH)]
        killed = False
        async with aiohttp.ClientSession() as http:
            for n, batch in enumerate(batches):
                if not killed and n >= len(batches) // 3 and doomed.triaged():  # kill it while it works
                    doomed.kill()
                    assert await doomed.process.wait() == -signal.SIGKILL  # type: ignore[union-attr]
                    killed = True
                if killed and n >= 2 * len(batches) // 3 and doomed.process.returncode is not None:  # type: ignore[union-attr]
                    doomed = Bot(config, "worker")
                    bots.append(doomed)
                    await asyncio.wait_for(doomed.start(), timeout=60)
                await send(http, listener.url, batch)
            await all_processed(database, len(posts))
            assert killed, "the worker to kill never triaged a post"
            async with http.get(f"{doomed.url}/readyz") as ready:
                assert ready.status == 200
    finally:
        codes = [await b.stop() for b in bots]
    assert codes[0] == codes[1] == 0 and codes[-1] == 0

    async with database.session() as session:
        statuses = Counter((await session.exec(select(PostRow.status))).all())
        decided = Counter((await session.exec(select(DecisionRow.post_row_id))).all())
        reported = (
            await session.exec(
                select(PostRow.post_id, TicketRow.id, TicketRow.store_id, TicketRow.sku)
                .join(ReportRow, col(ReportRow.post_row_id) == PostRow.id)
                .join(TicketRow, col(TicketRow.id) == ReportRow.ticket_id)
            )
        ).all()
        tickets = (await session.exec(select(TicketRow.store_id, TicketRow.sku))).all()
        opened = Counter(
            (await session.exec(select(TicketEventRow.ticket_id).where(TicketEventRow.kind == "opened"))).all()
        )

    assert statuses == {"done": len(posts)}
    assert len(decided) == len(posts) and set(decided.values()) == {1}  # each post triaged once
    got = {post_id: (store, sku) for post_id, _, store, sku in reported}
    assert len(got) == len(reported)  # no post reported twice
    assert got == {post_id: key for post_id, key in expected.items() if key is not None}
    assert Counter(tickets) == Counter(set(got.values()))  # one ticket per store and product, never two
    assert set(opened.values()) == {1} and len(opened) == len(tickets)
