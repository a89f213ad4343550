"""Rows waiting for a worker (inbox posts, replies, notifications): claim, finish, fail and retry.

Claims use `FOR UPDATE SKIP LOCKED` on PostgreSQL so several workers never take the same row; SQLite
ignores the clause and serialises writers itself. A claim left behind by a crashed worker is taken
again after `stale_after`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, TypeVar

from sqlalchemy import and_, or_
from sqlmodel import SQLModel, select
from sqlmodel.ext.asyncio.session import AsyncSession

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
    c = model.__table__.c  # type: ignore[attr-defined]
    ready = or_(
        and_(c.status == WorkStatus.PENDING, c.available_at <= now),
        and_(c.status == WorkStatus.CLAIMED, c.claimed_at <= now - stale_after),
    )
    statement = select(model).where(ready, *where).order_by(c.id).limit(limit).with_for_update(skip_locked=True)
    rows = list((await session.exec(statement)).all())
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
