"""PostgreSQL goes away under a running bot and comes back: no report is lost or taken twice.

A private cluster (its own port and data directory) is crashed with `pg_ctl stop -m immediate` while reports keep
arriving through the signed webhook. The webhook answers 503 with Retry-After for what it could not store, so the
sender keeps those reports and sends them again; the workers wait with growing pauses and say so in the log."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import pytest

from tests.reliability.private_postgres import PrivateCluster, missing_reason
from tests.reliability.running_bot import (
    BotProcess,
    ReportSender,
    assert_each_processed_once,
    report,
    wait_until_processed,
    write_config,
)

pytestmark = pytest.mark.skipif(missing_reason() is not None, reason=missing_reason() or "")

OUTAGES = 2
BEFORE, DURING, AFTER = 8, 12, 8  # reports sent before, during and after each outage


@pytest.fixture
def cluster() -> Iterator[PrivateCluster]:
    cluster = PrivateCluster.create()
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.destroy()


async def test_reports_sent_while_postgresql_is_down_are_each_taken_once_it_is_back(
    cluster: PrivateCluster, tmp_path: Path
) -> None:
    config = write_config(tmp_path / "bot.toml", cluster.url)
    bot = await BotProcess.start(config)
    sent: list[str] = []
    try:
        async with aiohttp.ClientSession() as http:
            sender = ReportSender(bot.url, http)
            number = 0
            for _outage in range(OUTAGES):
                for _ in range(BEFORE):
                    await sender.send([report(number)])
                    sent.append(f"r-{number}")
                    number += 1
                await wait_until_processed(cluster.url, len(sent))
                unavailable = len(bot.logged("database unavailable, retrying in"))
                refused = len(bot.logged("post not stored: database unavailable"))

                await asyncio.to_thread(cluster.stop, "immediate")
                bodies = [[report(n), report(n + 1)] for n in range(number, number + DURING, 2)]
                sending = asyncio.gather(*(sender.send(body) for body in bodies))
                sent += [p["id"] for body in bodies for p in body]
                number += DURING
                await bot.wait_for_logs("post not stored: database unavailable", refused + 1)
                await bot.wait_for_logs("database unavailable, retrying in", unavailable + 1)
                await asyncio.to_thread(cluster.start)
                await asyncio.wait_for(sending, timeout=90)

            for _ in range(AFTER):
                await sender.send([report(number)])
                sent.append(f"r-{number}")
                number += 1
            seen = await wait_until_processed(cluster.url, len(sent))
            await bot.wait_for_logs("database back", OUTAGES)
        shutdown_seconds = await bot.terminate()
    finally:
        await bot.kill()

    assert bot.process.returncode == 0, bot.output()
    assert_each_processed_once(seen, sent)
    assert seen.tickets == 16  # the 16 store and product pairs of the reports
    assert sender.answers[503] >= OUTAGES, "the outages were not felt by the sender"
    assert sorted(sender.accepted + sender.duplicates) == sorted(set(sender.accepted + sender.duplicates))
    assert set(sender.accepted) == set(sent)
    waits = bot.logged("database unavailable, retrying in")
    assert {"job", "tries", "retry_in_seconds", "error"} <= set(waits[0])
    back = bot.logged("database back")
    assert len(back) >= OUTAGES and all(b["down_seconds"] >= 0 for b in back)
    refused = bot.logged("post not stored: database unavailable")
    assert all(r["post"].startswith("webhook/r-") for r in refused)
    assert not bot.logged("job failed"), "a lost database must not look like a bug"
    assert not bot.logged("post failed")
    print(
        f"\nPostgreSQL outages: {OUTAGES}; reports sent during outages: {OUTAGES * DURING}; "
        f"of {len(sent)} in all: lost 0, processed twice 0; 503 answers: {sender.answers[503]}, "
        f"connection errors: {sender.connection_errors}, duplicates answered: {len(sender.duplicates)}; "
        f"'database unavailable' lines: {len(waits)}, 'database back' lines: {len(back)}; "
        f"claims handed back: {sum(e['rows'] for e in bot.logged('claims handed back'))}; "
        f"shutdown {shutdown_seconds:.1f} s"
    )
