"""The delivery worker: sends queued replies and distributor notifications, retrying failures later."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta

import structlog
from sqlmodel import col

from restock_bot.channels.base import ReplySender
from restock_bot.clock import Clock
from restock_bot.notify import Notifier
from restock_bot.post import Post
from restock_bot.storage.database import Database
from restock_bot.storage.inbox import get_post_row, post_of
from restock_bot.storage.queue import RetryPolicy, claim, fail, finish
from restock_bot.storage.tables import NotificationRow, ReplyRow

log = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True)
class Round:
    """One pass of a delivery worker: rows taken, and how many of them got through."""

    claimed: int = 0
    delivered: int = 0


async def deliver_replies(
    database: Database,
    senders: Mapping[str, ReplySender],
    clock: Clock,
    retry: RetryPolicy,
    *,
    limit: int = 50,
    stale_after: timedelta = timedelta(minutes=10),
) -> Round:
    """Send due replies through their post's channel; replies for channels without a sender wait."""
    if not senders:
        return Round()
    async with database.session() as session, session.begin():
        rows = await claim(
            session,
            ReplyRow,
            now=clock.now(),
            limit=limit,
            stale_after=stale_after,
            where=(col(ReplyRow.channel).in_(list(senders)),),
        )
        posts: dict[int, Post] = {}
        for row in rows:
            post_row = await get_post_row(session, row.to_post_row_id)
            assert row.id is not None and post_row is not None
            posts[row.id] = post_of(post_row)
    sent = 0
    for row in rows:
        assert row.id is not None
        error, reply_id = "", None
        try:
            reply_id = await senders[row.channel].reply(posts[row.id], row.text)
        except Exception as exc:  # the channel's failure must not stop the other replies
            error = f"reply {row.key} via {row.channel}: {type(exc).__name__}: {exc}"
        async with database.session() as session, session.begin():
            stored = await session.get(ReplyRow, row.id)
            assert stored is not None
            if error:
                log.warning("reply failed", reply=row.key, error=error)
                fail(stored, error, clock.now(), retry)
            else:
                finish(stored, clock.now())
                stored.reply_post_id = reply_id
                sent += 1
            session.add(stored)
    return Round(len(rows), sent)


async def deliver_notifications(
    database: Database,
    notifier: Notifier,
    clock: Clock,
    retry: RetryPolicy,
    *,
    limit: int = 50,
    stale_after: timedelta = timedelta(minutes=10),
) -> Round:
    """Notify distributors of due events; a False answer or an error is tried again later."""
    async with database.session() as session, session.begin():
        rows = await claim(session, NotificationRow, now=clock.now(), limit=limit, stale_after=stale_after)
    delivered = 0
    for row in rows:
        error = ""
        try:
            if not await notifier.notify(row.distributor_id, dict(row.payload)):
                error = "the notifier did not deliver it"
        except Exception as exc:  # one distributor's failure must not stop the others
            error = f"{type(exc).__name__}: {exc}"
        async with database.session() as session, session.begin():
            stored = await session.get(NotificationRow, row.id)
            assert stored is not None
            if error:
                log.warning("notification failed", ticket=row.ticket_id, event_id=row.event_id, error=error)
                fail(
                    stored,
                    f"ticket #{row.ticket_id} event {row.event_id} to {row.distributor_id}: {error}",
                    clock.now(),
                    retry,
                )
            else:
                finish(stored, clock.now())
                delivered += 1
            session.add(stored)
    return Round(len(rows), delivered)
