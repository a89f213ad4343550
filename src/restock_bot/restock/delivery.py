"""The delivery worker: sends queued replies, distributor webhooks and emails, retrying failures later."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta

import structlog
from sqlmodel import col

from restock_bot.channels.base import ReplySender
from restock_bot.clock import Clock
from restock_bot.notify import Mailer, Notifier, RungNotifier
from restock_bot.post import Post
from restock_bot.restock.notices import RUNG_WEBHOOK
from restock_bot.storage.database import Database
from restock_bot.storage.inbox import get_post_row, post_of
from restock_bot.storage.queue import RetryPolicy, UnfinishedClaims, claim, fail, finish, one_by_one
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
    unfinished: UnfinishedClaims | None = None,
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

    async def send(row: ReplyRow) -> int:
        return await _deliver_reply(database, senders, clock, retry, row, posts)

    return Round(len(rows), await one_by_one(rows, ReplyRow, send, unfinished))


async def _deliver_reply(
    database: Database,
    senders: Mapping[str, ReplySender],
    clock: Clock,
    retry: RetryPolicy,
    row: ReplyRow,
    posts: Mapping[int, Post],
) -> int:
    """Send one reply and record how it went; 1 when it got through."""
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
        session.add(stored)
    return 0 if error else 1


async def _send(row: NotificationRow, notifier: Notifier, mailer: Mailer | None) -> str:
    """Send one notification; the error text, or "" once delivered."""
    payload = dict(row.payload)
    try:
        if row.channel == "email":
            assert mailer is not None
            await mailer.send(payload["to"], payload["subject"], payload["body"], key=row.key or str(row.id))
        elif row.channel == RUNG_WEBHOOK:
            assert isinstance(notifier, RungNotifier)  # such rows are only claimed for a notifier that can
            if not await notifier.notify_rung(row.recipient, row.distributor_id, payload):
                return "the notifier did not deliver it"
        elif not await notifier.notify(row.recipient or row.distributor_id, payload):
            return "the notifier did not deliver it"
    except Exception as exc:  # one recipient's failure must not stop the others
        return f"{type(exc).__name__}: {exc}"
    return ""


async def deliver_notifications(
    database: Database,
    notifier: Notifier,
    clock: Clock,
    retry: RetryPolicy,
    *,
    mailer: Mailer | None = None,
    limit: int = 50,
    stale_after: timedelta = timedelta(minutes=10),
    unfinished: UnfinishedClaims | None = None,
) -> Round:
    """Send due webhooks (the distributors' and the ladder rungs') and emails (waiting while no mailer is
    configured); a failure is tried again
    later, and after the last attempt the notification is a dead letter (`failed`)."""
    channels = ["webhook", "email"] if mailer is not None else ["webhook"]
    if isinstance(notifier, RungNotifier):  # else a rung's own webhook waits for a notifier that can reach it
        channels.append(RUNG_WEBHOOK)
    async with database.session() as session, session.begin():
        rows = await claim(
            session,
            NotificationRow,
            now=clock.now(),
            limit=limit,
            stale_after=stale_after,
            where=(col(NotificationRow.channel).in_(channels),),
        )

    async def send(row: NotificationRow) -> int:
        return await _deliver_notification(database, notifier, clock, retry, mailer, row)

    return Round(len(rows), await one_by_one(rows, NotificationRow, send, unfinished))


async def _deliver_notification(
    database: Database,
    notifier: Notifier,
    clock: Clock,
    retry: RetryPolicy,
    mailer: Mailer | None,
    row: NotificationRow,
) -> int:
    """Send one notification and record how it went; 1 when it got through."""
    error = await _send(row, notifier, mailer)
    async with database.session() as session, session.begin():
        stored = await session.get(NotificationRow, row.id)
        assert stored is not None
        if error:
            what = f"ticket #{row.ticket_id}" if row.ticket_id is not None else row.kind
            message = f"{what} {row.channel} to {row.recipient or row.distributor_id} ({row.key}): {error}"
            log.warning("notification failed", key=row.key, error=message, attempts=stored.attempts)
            fail(stored, message, clock.now(), retry)
        else:
            finish(stored, clock.now())
        session.add(stored)
    return 0 if error else 1
