"""The replies and notifications outboxes: queued inside the transaction that decides them, sent later."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from restock_bot.storage.database import insert_new
from restock_bot.storage.queue import WorkStatus
from restock_bot.storage.tables import NotificationRow, ReplyRow


async def queue_reply(
    session: AsyncSession,
    *,
    key: str,
    kind: str,
    channel: str,
    to_post_row_id: int,
    text: str,
    now: datetime,
    ticket_id: int | None = None,
) -> bool:
    """Queue a reply once per `key`; False when it was queued before."""
    values = {
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
    return await insert_new(session, ReplyRow, values, ["key"]) is not None


async def queue_notification(
    session: AsyncSession,
    *,
    ticket_id: int,
    event_id: int,
    distributor_id: str,
    payload: dict[str, Any],
    now: datetime,
) -> bool:
    """Queue a distributor notification once per (ticket, event); False when it was queued before."""
    values = {
        "ticket_id": ticket_id,
        "event_id": event_id,
        "distributor_id": distributor_id,
        "payload": payload,
        "created_at": now,
        "status": WorkStatus.PENDING.value,
        "attempts": 0,
        "available_at": now,
    }
    return await insert_new(session, NotificationRow, values, ["ticket_id", "event_id"]) is not None
