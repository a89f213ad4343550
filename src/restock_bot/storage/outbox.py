"""The replies and notifications outboxes: queued inside the transaction that decides them, sent later;
what failed for good waits as a dead letter until an operator retries it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Concatenate, ParamSpec

from sqlmodel import SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from restock_bot.storage.database import insert_many_new, insert_new
from restock_bot.storage.queue import WorkStatus
from restock_bot.storage.tables import NotificationRow, ReplyRow

P = ParamSpec("P")


def reply_values(
    *,
    key: str,
    kind: str,
    channel: str,
    to_post_row_id: int,
    text: str,
    now: datetime,
    ticket_id: int | None = None,
) -> dict[str, Any]:
    """The row of a reply waiting to be sent."""
    return {
        "key": key,
        "kind": kind,
        "channel": channel,
        "to_post_row_id": to_post_row_id,
        "ticket_id": ticket_id,
        "text": text,
        "created_at": now,
        "status": WorkStatus.PENDING.value,
        "attempts": 0,
        "available_at": now,
    }


def notification_values(
    *,
    key: str,
    channel: str,
    recipient: str,
    distributor_id: str,
    payload: dict[str, Any],
    now: datetime,
    send_at: datetime | None = None,
    kind: str = "event",
    ticket_id: int | None = None,
    event_id: int | None = None,
) -> dict[str, Any]:
    """The row of a notification waiting to go out at `send_at` (after quiet hours) or now."""
    return {
        "key": key,
        "kind": kind,
        "channel": channel,
        "recipient": recipient,
        "ticket_id": ticket_id,
        "event_id": event_id,
        "distributor_id": distributor_id,
        "payload": payload,
        "created_at": now,
        "status": WorkStatus.PENDING.value,
        "attempts": 0,
        "available_at": send_at or now,
    }


def _queue_once(
    model: type[SQLModel], values: Callable[P, dict[str, Any]], doc: str
) -> Callable[Concatenate[AsyncSession, P], Awaitable[bool]]:
    """A function that queues the row `values` builds (same keywords) once per `key`; False when it was
    queued before."""

    async def queue(session: AsyncSession, /, *args: P.args, **fields: P.kwargs) -> bool:
        return await insert_new(session, model, values(*args, **fields), ["key"]) is not None

    queue.__doc__ = doc
    return queue


queue_reply = _queue_once(ReplyRow, reply_values, "Queue a reply once per `key`; False when it was queued before.")
queue_notification = _queue_once(
    NotificationRow,
    notification_values,
    """Queue a notification once per `key`, to go out at `send_at` (after quiet hours) or now; False when
    it was queued before.""",
)


async def queue_many(session: AsyncSession, box: str, rows: list[dict[str, Any]]) -> None:
    """Queue many replies or notifications in one statement, each once per `key` (repeats are skipped)."""
    if rows:
        await insert_many_new(session, OUTBOXES[box], rows, ["key"])


@dataclass(frozen=True, slots=True)
class DeadLetter:
    """A notification or reply the worker gave up on after its last attempt."""

    outbox: str  # "notifications" or "replies"
    id: int
    key: str
    kind: str
    channel: str
    recipient: str
    ticket_id: int | None
    attempts: int
    error: str
    created_at: datetime
    failed_at: datetime | None


OUTBOXES: dict[str, type[NotificationRow] | type[ReplyRow]] = {"notifications": NotificationRow, "replies": ReplyRow}


def _dead_notification(row: NotificationRow) -> DeadLetter:
    assert row.id is not None
    return DeadLetter(
        "notifications",
        row.id,
        row.key or "",
        row.kind,
        row.channel,
        row.recipient or row.distributor_id,
        row.ticket_id,
        row.attempts,
        row.error or "",
        row.created_at,
        row.finished_at,
    )


def _dead_reply(row: ReplyRow) -> DeadLetter:
    assert row.id is not None
    return DeadLetter(
        "replies",
        row.id,
        row.key,
        row.kind,
        row.channel,
        f"post row {row.to_post_row_id}",
        row.ticket_id,
        row.attempts,
        row.error or "",
        row.created_at,
        row.finished_at,
    )


async def dead_letters(session: AsyncSession, limit: int = 200) -> list[DeadLetter]:
    """Notifications and replies that failed for good, newest first."""
    failed = WorkStatus.FAILED.value
    notes = await session.exec(
        select(NotificationRow)
        .where(NotificationRow.status == failed)
        .order_by(col(NotificationRow.id).desc())
        .limit(limit)
    )
    replies = await session.exec(
        select(ReplyRow).where(ReplyRow.status == failed).order_by(col(ReplyRow.id).desc()).limit(limit)
    )
    letters = [_dead_notification(r) for r in notes.all()] + [_dead_reply(r) for r in replies.all()]
    letters.sort(key=lambda d: d.failed_at or d.created_at, reverse=True)
    return letters[:limit]


async def retry_dead_letter(session: AsyncSession, outbox: str, row_id: int, now: datetime) -> bool:
    """Put a dead letter back in its outbox for a fresh round of attempts; False when it is not dead."""
    model = OUTBOXES.get(outbox)
    if model is None:
        raise ValueError(f"outbox: {outbox!r} is not one of {', '.join(OUTBOXES)}")
    row: Any = await session.get(model, row_id)
    if row is None or row.status != WorkStatus.FAILED.value:
        return False
    row.status = WorkStatus.PENDING.value
    row.attempts = 0
    row.available_at = now
    row.finished_at = None
    session.add(row)
    return True
