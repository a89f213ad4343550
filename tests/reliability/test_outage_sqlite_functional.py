"""SQLite locked by another connection (BEGIN EXCLUSIVE) under a running bot: it waits, retries, loses nothing.

A lock shorter than SQLite's busy timeout (10 s) is simply waited out: the webhook answers late, but answers 200.
A longer one makes the webhook answer 503 with Retry-After (the sender sends again) and the workers pause, saying
'database unavailable, retrying in …' and then 'database back'."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import aiohttp

from tests.reliability.running_bot import (
    BotProcess,
    ReportSender,
    assert_each_processed_once,
    report,
    wait_until_processed,
    write_config,
)

SHORT_LOCK_SECONDS = 4.0  # under the busy timeout: waited out
LONG_LOCK_SECONDS = 13.0  # over it: refused, retried


def lock_exclusively(path: Path) -> sqlite3.Connection:
    """Another program's connection holding the database's write lock until it commits."""
    holder = sqlite3.connect(path, isolation_level=None, timeout=30)
    holder.execute("BEGIN EXCLUSIVE")
    return holder


async def test_a_locked_sqlite_database_is_waited_out_and_no_report_is_lost(tmp_path: Path) -> None:
    database = tmp_path / "restock.db"
    url = f"sqlite+aiosqlite:///{database}"
    bot = await BotProcess.start(write_config(tmp_path / "bot.toml", url))
    try:
        async with aiohttp.ClientSession() as http:
            sender = ReportSender(bot.url, http)
            await asyncio.gather(*(sender.send([report(n)]) for n in range(6)))
            await wait_until_processed(url, 6)

            holder = lock_exclusively(database)
            waiting = asyncio.gather(*(sender.send([report(n)]) for n in range(6, 12)))
            await asyncio.sleep(SHORT_LOCK_SECONDS)
            taken_while_locked = len(sender.accepted) - 6
            holder.execute("COMMIT")
            await asyncio.wait_for(waiting, timeout=30)
            answers_after_short_lock = dict(sender.answers)
            await wait_until_processed(url, 12)

            holder.execute("BEGIN EXCLUSIVE")
            refused = asyncio.gather(*(sender.send([report(n)]) for n in range(12, 18)))
            await bot.wait_for_log("post not stored: database unavailable", within=30)
            await bot.wait_for_log("database unavailable, retrying in", within=30)
            await asyncio.sleep(max(0.0, LONG_LOCK_SECONDS - 10.0))
            holder.execute("COMMIT")
            holder.close()
            await asyncio.wait_for(refused, timeout=60)
            seen = await wait_until_processed(url, 18)
            await bot.wait_for_log("database back", within=30)
        await bot.terminate()
    finally:
        await bot.kill()

    assert bot.process.returncode == 0, bot.output()
    sent = [f"r-{n}" for n in range(18)]
    assert taken_while_locked == 0  # nothing was written under the other connection's lock
    assert answers_after_short_lock == {200: 12}  # the short lock was waited out, not refused
    assert sender.answers[503] >= 1  # the long one was refused with Retry-After, then sent again
    assert_each_processed_once(seen, sent)
    assert not bot.logged("job failed") and not bot.logged("post failed")
    print(
        f"\nSQLite locks: 2 ({SHORT_LOCK_SECONDS:g} s waited out, {LONG_LOCK_SECONDS:g} s refused then retried); "
        f"reports sent under a lock: 12 of 18; lost 0, processed twice 0; 503 answers: {sender.answers[503]}; "
        f"'database unavailable' lines: {len(bot.logged('database unavailable'))}"
    )
