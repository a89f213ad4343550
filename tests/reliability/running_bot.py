"""`restock-bot run` as a real process for the reliability tests, and a webhook sender that behaves like a real one
(it signs each body and sends it again after a 503 or a dropped connection, waiting as long as Retry-After asks)."""

from __future__ import annotations

import asyncio
import json
import re
import signal
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp

from restock_bot.signing import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign_timestamped
from tests.helpers import clean_env

SECRET = "reliability-secret"
RUNNING = re.compile(r"Restock Bot is running on (http://\S+)")
STORES = ["DMart Powai", "DMart Malad West", "DMart Borivali West", "DMart Mulund West"]
FLAVOURS = ["Peri Peri", "Cheesy Jalapeno", "Pudina Twist", "Chatpata Masala"]


def report(number: int, prefix: str = "r") -> dict[str, Any]:
    """A clear stock-out report, posted now: one of 16 store and product pairs, each reporter different."""
    store, flavour = STORES[number % len(STORES)], FLAVOURS[(number // len(STORES)) % len(FLAVOURS)]
    return {
        "id": f"{prefix}-{number}",
        "text": f"{store} has had no Nibbo {flavour} for a week now 😤 #NibboKahanHai",
        "created_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),  # deadlines 48 h ahead: no escalations
        "author": {"id": f"{prefix}-author-{number}", "username": f"shopper_{prefix}_{number}"},
        "lang": "en",
    }


def write_config(path: Path, database_url: str, **extra: Any) -> Path:
    """A TOML config for `restock-bot run` with fast jobs and a signed, unthrottled webhook."""
    values: dict[str, Any] = {
        "database_url": database_url,
        "host": "127.0.0.1",
        "webhook_secret": SECRET,
        "webhook_rate_per_minute": 100000.0,
        "inbox_seconds": 0.2,
        "delivery_seconds": 0.3,
        "claim_stale_seconds": 3600.0,  # nothing may rely on stale claims: claims are handed back
        **extra,
    }
    lines = [f"{key} = {json.dumps(value)}" for key, value in values.items() if not isinstance(value, dict)]
    for table, inner in ((k, v) for k, v in values.items() if isinstance(v, dict)):
        lines.append(f"[{table}]")
        lines += [f"{key} = {json.dumps(value)}" for key, value in inner.items()]
    path.write_text("\n".join(lines) + "\n")
    return path


@dataclass
class BotProcess:
    """A running `restock-bot run`; its stderr (structlog JSON lines) is collected as it comes."""

    process: asyncio.subprocess.Process
    url: str = ""
    lines: list[str] = field(default_factory=list)
    _reader: asyncio.Task[None] | None = None

    @classmethod
    async def start(cls, config: Path) -> BotProcess:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "restock_bot.cli", "run", "--config", str(config), "--port", "0",
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE, env=clean_env(),
        )  # fmt: skip
        bot = cls(process)
        served = asyncio.get_running_loop().create_future()
        bot._reader = asyncio.create_task(bot._read(served))
        try:
            bot.url = await asyncio.wait_for(served, timeout=60)
        except BaseException:
            await bot.kill()
            raise
        return bot

    async def _read(self, served: asyncio.Future[str]) -> None:
        assert self.process.stderr is not None
        while line := (await self.process.stderr.readline()).decode(errors="replace"):
            self.lines.append(line)
            if not served.done() and (found := RUNNING.search(line)):
                served.set_result(found.group(1))
        if not served.done():
            served.set_exception(AssertionError("the bot exited before serving:\n" + "".join(self.lines)))

    def events(self) -> list[dict[str, Any]]:
        """The JSON log lines so far."""
        found = []
        for line in self.lines:
            if line.startswith("{"):
                try:
                    found.append(json.loads(line))
                except ValueError:
                    continue
        return found

    def logged(self, start: str) -> list[dict[str, Any]]:
        """Log events whose text starts with `start`."""
        return [e for e in self.events() if str(e.get("event", "")).startswith(start)]

    async def wait_for_log(self, start: str, within: float = 60.0) -> dict[str, Any]:
        """The first log event starting with `start`, waiting for it if need be."""
        return (await self.wait_for_logs(start, 1, within))[0]

    async def wait_for_logs(self, start: str, count: int, within: float = 60.0) -> list[dict[str, Any]]:
        """Log events starting with `start`, once there are at least `count` of them."""
        async with asyncio.timeout(within):
            while True:
                if len(found := self.logged(start)) >= count:
                    return found
                await asyncio.sleep(0.1)

    async def terminate(self, within: float = 60.0) -> float:
        """SIGTERM, then wait for the exit; the seconds it took."""
        began = time.monotonic()
        self.process.send_signal(signal.SIGTERM)
        await asyncio.wait_for(self.process.wait(), timeout=within)
        if self._reader is not None:
            await self._reader
        return time.monotonic() - began

    async def kill(self) -> None:
        if self.process.returncode is None:
            self.process.kill()
            await self.process.wait()
        if self._reader is not None:
            await asyncio.gather(self._reader, return_exceptions=True)

    def output(self) -> str:
        return "".join(self.lines)[-4000:]


@dataclass
class ReportSender:
    """Posts reports to /hooks/posts one body at a time, like a real integration: a 503 or a dropped connection
    means nothing was taken for sure, so it waits (Retry-After, else 1 s) and sends the same body again."""

    url: str
    http: aiohttp.ClientSession
    answers: Counter[int] = field(default_factory=Counter)
    connection_errors: int = 0
    accepted: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    max_wait: float = 5.0

    async def send(self, body_posts: list[dict[str, Any]]) -> None:
        body = json.dumps(body_posts).encode()
        while True:
            stamp = str(int(time.time()))  # each attempt signed anew, as a sender must (a repeat would be a replay)
            headers = {
                "Content-Type": "application/json",
                TIMESTAMP_HEADER: stamp,
                SIGNATURE_HEADER: sign_timestamped(SECRET, stamp, body),
            }
            try:
                async with self.http.post(f"{self.url}/hooks/posts", data=body, headers=headers) as answer:
                    self.answers[answer.status] += 1
                    if answer.status == 200:
                        result = await answer.json()
                        self.accepted += result["accepted"]
                        self.duplicates += result["duplicates"]
                        return
                    assert answer.status == 503, (answer.status, await answer.text())
                    wait = float(answer.headers["Retry-After"])
            except (aiohttp.ClientConnectionError, TimeoutError):
                self.connection_errors += 1
                wait = 1.0
            await asyncio.sleep(min(wait, self.max_wait))


@dataclass(frozen=True)
class Outcome:
    """What the database holds about the posts: how many, in which state, and what was made of each."""

    posts: int
    by_status: dict[str, int]
    post_ids: Counter[str]
    decisions_per_post: Counter[int]
    reports_per_post: Counter[int]
    acknowledgements_per_post: Counter[int]
    tickets: int


async def outcome(database_url: str) -> Outcome:
    """Read the outcome straight from the tables (a separate engine, as an operator's query would)."""
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine

    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as conn:
            posts = (await conn.execute(text("select id, post_id, status from posts"))).all()
            decisions = (await conn.execute(text("select post_row_id from decisions"))).all()
            reports = (await conn.execute(text("select post_row_id from reports"))).all()
            replies = (await conn.execute(text("select to_post_row_id from replies"))).all()
            tickets = (await conn.execute(text("select count(*) from tickets"))).scalar_one()
    finally:
        await engine.dispose()
    return Outcome(
        posts=len(posts),
        by_status=dict(Counter(status for _, _, status in posts)),
        post_ids=Counter(post_id for _, post_id, _ in posts),
        decisions_per_post=Counter(row for (row,) in decisions),
        reports_per_post=Counter(row for (row,) in reports),
        acknowledgements_per_post=Counter(row for (row,) in replies),
        tickets=int(tickets),
    )


async def wait_until_processed(database_url: str, count: int, within: float = 90.0) -> Outcome:
    """Poll the tables until `count` posts are stored and none is waiting or claimed."""
    async with asyncio.timeout(within):
        while True:
            try:
                seen = await outcome(database_url)
            except Exception:  # the database may be starting up
                seen = None
            if seen and seen.posts >= count and not {"pending", "claimed"} & set(seen.by_status):
                return seen
            await asyncio.sleep(0.2)


def assert_each_processed_once(seen: Outcome, sent: list[str]) -> None:
    """Every post sent is stored once, done, decided once, one report and one acknowledgement; nothing else."""
    assert sorted(seen.post_ids) == sorted(sent), "a post is missing or unexpected"
    assert max(seen.post_ids.values()) == 1
    assert seen.by_status == {"done": len(sent)}, seen.by_status
    assert len(seen.decisions_per_post) == len(sent) and max(seen.decisions_per_post.values()) == 1
    assert len(seen.reports_per_post) == len(sent) and max(seen.reports_per_post.values()) == 1
    assert len(seen.acknowledgements_per_post) == len(sent) and max(seen.acknowledgements_per_post.values()) == 1


async def outbox_states(database_url: str) -> dict[str, dict[str, int]]:
    """{outbox: {status: count}} read straight from the tables."""
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine

    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as conn:
            states: dict[str, dict[str, int]] = {}
            for box in ("notifications", "replies"):
                rows = await conn.execute(text(f"select status, count(*) from {box} group by status"))
                states[box] = {status: n for status, n in rows.all()}
            return states
    finally:
        await engine.dispose()


async def settled(database_url: str, status: str, within: float = 90.0) -> dict[str, dict[str, int]]:
    """Wait until every notification and reply is in `status`."""
    async with asyncio.timeout(within):
        while True:
            states = await outbox_states(database_url)
            if all(set(counts) == {status} for counts in states.values()):
                return states
            await asyncio.sleep(0.2)
