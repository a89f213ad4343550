"""Claims a worker could not finish go back to the queue at once, but never one another worker has taken since."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from restock_bot.post import post_from_dict
from restock_bot.storage import Database
from restock_bot.storage.inbox import add_post
from restock_bot.storage.queue import UnfinishedClaims, WorkStatus, claim
from restock_bot.storage.tables import PostRow
from tests.reliability.running_bot import report

START = datetime(2026, 3, 9, 6, 0, tzinfo=UTC)


async def database_with_posts(tmp_path: Path, count: int) -> Database:
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'claims.db'}")
    await database.create_schema()
    async with database.session() as s, s.begin():
        for n in range(count):
            await add_post(s, post_from_dict(report(n), "webhook"), START)
    return database


async def claim_all(database: Database, at: datetime, stale_after: timedelta) -> list[PostRow]:
    async with database.session() as s, s.begin():
        return await claim(s, PostRow, now=at, limit=10, stale_after=stale_after)


async def rows(database: Database) -> list[PostRow]:
    async with database.session() as s:
        return [r for n in range(1, 4) if (r := await s.get(PostRow, n)) is not None]


async def test_unfinished_claims_go_back_to_pending_with_the_attempt_uncounted(tmp_path: Path) -> None:
    database = await database_with_posts(tmp_path, 3)
    unfinished = UnfinishedClaims()
    claimed = await claim_all(database, START, timedelta(minutes=10))
    unfinished.keep(PostRow, claimed[1:])  # the first was finished, the other two were cut off

    handed = await unfinished.hand_back(database)

    states = [(r.status, r.attempts, r.claimed_at) for r in await rows(database)]
    await database.dispose()
    assert handed == 2 and len(unfinished) == 0
    assert states == [(WorkStatus.CLAIMED, 1, START), (WorkStatus.PENDING, 0, None), (WorkStatus.PENDING, 0, None)]


async def test_a_claim_another_worker_took_since_is_left_alone(tmp_path: Path) -> None:
    database = await database_with_posts(tmp_path, 1)
    unfinished = UnfinishedClaims()
    mine = await claim_all(database, START, timedelta(minutes=10))
    unfinished.keep(PostRow, mine)
    later = START + timedelta(minutes=11)
    theirs = await claim_all(database, later, timedelta(minutes=10))  # my claim went stale; another worker took it

    handed = await unfinished.hand_back(database)

    [row] = await rows(database)
    await database.dispose()
    assert [r.id for r in theirs] == [r.id for r in mine]
    assert handed == 0
    assert (row.status, row.attempts, row.claimed_at) == (WorkStatus.CLAIMED, 2, later)
