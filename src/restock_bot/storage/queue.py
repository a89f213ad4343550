"""Rows waiting for a worker (inbox posts, replies, notifications): claim, finish, fail and retry.

Claims use `FOR UPDATE SKIP LOCKED` on PostgreSQL so several workers never take the same row; SQLite
ignores the clause and serialises writers itself. A claim left behind by a crashed worker is taken
again after `stale_after`; a worker that stops half-way (shutdown, lost database) hands its claims back at
once instead (`UnfinishedClaims`)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import and_, bindparam, or_, update
from sqlmodel import SQLModel, select
from sqlmodel.ext.asyncio.session import AsyncSession

if TYPE_CHECKING:
    from restock_bot.storage.database import Database

Row = TypeVar("Row", bound=SQLModel)


class WorkStatus(StrEnum):
    PENDING = "pending"
    CLAIMED = "claimed"
    DONE = "done"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Exponential back-off between attempts, capped; after `max_attempts` the row is failed for good."""

    first_delay_seconds: float = 30.0
    max_delay_seconds: float = 3600.0
    max_attempts: int = 25

    def next_attempt_at(self, attempts: int, now: datetime) -> datetime | None:
        """When to try again after `attempts` failed tries, or None to give up."""
        if attempts >= self.max_attempts:
            return None
        delay = min(self.max_delay_seconds, self.first_delay_seconds * 2 ** max(0, attempts - 1))
        return now + timedelta(seconds=delay)


async def hold(
    session: AsyncSession,
    model: type[Row],
    *,
    now: datetime,
    limit: int,
    stale_after: timedelta,
    where: tuple[Any, ...] = (),
) -> list[Row]:
    """Lock up to `limit` rows that are due (or whose claim went stale), oldest first, for this transaction
    only: nothing is marked, so the work must finish (`finish_all`, `fail_all`) in the same transaction."""
    c = model.__table__.c  # type: ignore[attr-defined]
    ready = or_(
        and_(c.status == WorkStatus.PENDING, c.available_at <= now),
        and_(c.status == WorkStatus.CLAIMED, c.claimed_at <= now - stale_after),
    )
    statement = select(model).where(ready, *where).order_by(c.id).limit(limit).with_for_update(skip_locked=True)
    return list((await session.exec(statement)).all())


async def finish_all(session: AsyncSession, model: type[Row], ids: Collection[int], now: datetime) -> None:
    """Mark held rows done, as one attempt each."""
    if not ids:
        return
    table = model.__table__  # type: ignore[attr-defined]
    statement = (
        update(table)
        .where(table.c.id.in_(list(ids)))
        .values(
            status=WorkStatus.DONE.value,
            claimed_at=now,
            finished_at=now,
            error=None,
            attempts=table.c.attempts + 1,
        )
    )
    await (await session.connection()).execute(statement)


async def fail_all(session: AsyncSession, model: type[Row], errors: Mapping[int, str], now: datetime) -> None:
    """Mark held rows failed for good, each with its error, as one attempt each."""
    if not errors:
        return
    table = model.__table__  # type: ignore[attr-defined]
    statement = (
        update(table)
        .where(table.c.id == bindparam("row_id"))
        .values(
            status=WorkStatus.FAILED.value,
            claimed_at=now,
            finished_at=now,
            error=bindparam("message"),
            attempts=table.c.attempts + 1,
        )
    )
    params = [{"row_id": i, "message": e[:4000]} for i, e in errors.items()]
    await (await session.connection()).execute(statement, params)


async def claim(
    session: AsyncSession,
    model: type[Row],
    *,
    now: datetime,
    limit: int,
    stale_after: timedelta,
    where: tuple[Any, ...] = (),
) -> list[Row]:
    """Take up to `limit` rows that are due (or whose claim went stale), oldest first; the caller commits."""
    rows = await hold(session, model, now=now, limit=limit, stale_after=stale_after, where=where)
    for row in rows:
        work: Any = row
        work.status = WorkStatus.CLAIMED
        work.claimed_at = now
        work.attempts += 1
        session.add(row)
    return rows


def finish(row: Any, now: datetime) -> None:
    """Mark a claimed row done."""
    row.status = WorkStatus.DONE
    row.finished_at = now
    row.error = None


def fail(row: Any, error: str, now: datetime, retry: RetryPolicy | None) -> None:
    """Record the error; with a retry policy the row goes back to pending for a later attempt."""
    row.error = error[:4000]
    later = retry.next_attempt_at(row.attempts, now) if retry else None
    if later is None:
        row.status = WorkStatus.FAILED
        row.finished_at = now
    else:
        row.status = WorkStatus.PENDING
        row.available_at = later


async def hand_back(session: AsyncSession, model: type[SQLModel], row_id: int, claimed_at: datetime) -> bool:
    """Put a row claimed at `claimed_at` but not finished back to pending, its attempt uncounted; False when it
    was finished meanwhile or another worker has claimed it since."""
    table = model.__table__  # type: ignore[attr-defined]
    c = table.c
    statement = (
        update(table)
        .where(c.id == row_id, c.status == WorkStatus.CLAIMED, c.claimed_at == claimed_at)
        .values(status=WorkStatus.PENDING, claimed_at=None, attempts=c.attempts - 1)
    )
    result: Any = await session.exec(statement)
    return bool(result.rowcount)


class UnfinishedClaims:
    """Rows this process claimed and could not finish (it is stopping, or the database went away); handed back
    as soon as the database answers, so they need not wait out `stale_after`."""

    def __init__(self) -> None:
        self._claims: dict[tuple[type[SQLModel], int], datetime] = {}

    def __len__(self) -> int:
        return len(self._claims)

    def keep(self, model: type[SQLModel], rows: Iterable[Any]) -> None:
        """Remember claimed rows that were left unfinished."""
        for row in rows:
            if row.id is not None and row.claimed_at is not None:
                self._claims[(model, row.id)] = row.claimed_at

    async def hand_back(self, database: Database) -> int:
        """Give every remembered claim back to the queue (in one transaction); how many went back."""
        if not self._claims:
            return 0
        claims = dict(self._claims)
        async with database.session() as session, session.begin():
            handed = [await hand_back(session, model, row_id, at) for (model, row_id), at in claims.items()]
        for key in claims:
            self._claims.pop(key, None)
        return sum(handed)


async def one_by_one(
    rows: Sequence[Row],
    model: type[Row],
    work: Callable[[Row], Awaitable[int]],
    unfinished: UnfinishedClaims | None,
) -> int:
    """Run `work` on each claimed row in turn; the sum of what it returned. Interrupted (stopping, or the
    database went away), the rows not yet done are kept in `unfinished`, to go back to the queue."""
    total = 0
    left = list(rows)
    try:
        while left:
            total += await work(left[0])
            left.pop(0)
    except BaseException:
        if unfinished is not None:
            unfinished.keep(model, left)
        raise
    return total
