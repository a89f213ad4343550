"""The post inbox and triage's decisions: store each post first, find the post a reply answers."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from restock_bot.post import Post, post_from_dict
from restock_bot.storage.database import insert_new
from restock_bot.storage.queue import WorkStatus
from restock_bot.storage.tables import DecisionRow, PostRow, ReplyRow
from restock_bot.triage.decision import Action, Decision


def _jsonable(data: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = json.loads(json.dumps(data, default=str))
    return result


def _post_values(post: Post, now: datetime) -> dict[str, Any]:
    return {
        "channel": post.channel,
        "post_id": post.id,
        "author_id": post.author.id,
        "author_name": post.author.username,
        "in_reply_to": post.in_reply_to,
        "payload": post.to_dict(),
        "raw": _jsonable(post.raw),
        "received_at": now,
        "status": WorkStatus.PENDING.value,
        "attempts": 0,
        "available_at": now,
    }


async def add_post(session: AsyncSession, post: Post, now: datetime) -> bool:
    """Store a post as pending; False when (channel, post id) is already in the inbox."""
    return await insert_new(session, PostRow, _post_values(post, now), ["channel", "post_id"]) is not None


async def add_posts(session: AsyncSession, posts: Sequence[Post], now: datetime) -> set[tuple[str, str]]:
    """Store many posts as pending in one statement; the (channel, post id) of those that were new."""
    unique = {(p.channel, p.id): p for p in posts}
    if not unique:
        return set()
    table = PostRow.__table__  # type: ignore[attr-defined]
    connection = await session.connection()
    insert = postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert
    statement = (
        insert(table)
        .on_conflict_do_nothing(index_elements=["channel", "post_id"])
        .returning(table.c.channel, table.c.post_id)
    )
    rows = [_post_values(p, now) for p in unique.values()]
    result = await connection.execute(statement, rows)
    return {(channel, post_id) for channel, post_id in result.all()}


def post_of(row: PostRow) -> Post:
    """The Post stored in an inbox row."""
    return post_from_dict(row.payload, row.channel)


async def get_post_row(session: AsyncSession, row_id: int) -> PostRow | None:
    return await session.get(PostRow, row_id)


async def find_post_row(session: AsyncSession, channel: str, post_id: str) -> PostRow | None:
    statement = select(PostRow).where(PostRow.channel == channel, PostRow.post_id == post_id)
    return (await session.exec(statement)).first()


def decision_values(row: PostRow, decision: Decision, parent: PostRow | None, now: datetime) -> dict[str, Any]:
    """The row keeping triage's answer and its reasons beside the post."""
    assert row.id is not None
    return {
        "post_row_id": row.id,
        "action": decision.action.value,
        "store_id": decision.store_id,
        "sku": decision.sku,
        "brand": decision.brand,
        "resolves": decision.resolves,
        "parent_row_id": parent.id if parent else None,
        "explain": _jsonable(decision.explain()),
        "decided_at": now,
    }


async def add_decision(
    session: AsyncSession, row: PostRow, decision: Decision, parent: PostRow | None, now: datetime
) -> None:
    """Keep triage's answer and its reasons beside the post."""
    session.add(DecisionRow(**decision_values(row, decision, parent, now)))


async def decision_of(session: AsyncSession, row_id: int) -> DecisionRow | None:
    statement = select(DecisionRow).where(DecisionRow.post_row_id == row_id)
    return (await session.exec(statement)).first()


async def _answered_row(session: AsyncSession, row: PostRow) -> PostRow | None:
    """The post a reply answers: a post in the inbox, or the post our own reply was sent to."""
    assert row.in_reply_to is not None
    parent = await find_post_row(session, row.channel, row.in_reply_to)
    if parent is not None:
        return parent
    statement = select(ReplyRow).where(ReplyRow.channel == row.channel, ReplyRow.reply_post_id == row.in_reply_to)
    reply = (await session.exec(statement)).first()
    return await get_post_row(session, reply.to_post_row_id) if reply else None


async def thread_above(session: AsyncSession, row: PostRow, limit: int = 4) -> list[PostRow]:
    """The posts above `row` in its thread, nearest first, as triage linked them (each decision keeps the post
    it read as the parent): under a vague answer ("the big one") the report is further up."""
    above: list[PostRow] = []
    current = row
    while len(above) < limit and current.id is not None:
        decision = await decision_of(session, current.id)
        if decision is None or decision.parent_row_id is None:
            break
        parent = await get_post_row(session, decision.parent_row_id)
        if parent is None or any(parent.id == r.id for r in (row, *above)):
            break
        above.append(parent)
        current = parent
    return above


async def clarified_parent(session: AsyncSession, row: PostRow) -> PostRow | None:
    """The post this one answers when that post was asked 'which store?', else None."""
    if not row.in_reply_to:
        return None
    parent = await _answered_row(session, row)
    if parent is None or parent.id is None or parent.id == row.id:
        return None
    decision = await decision_of(session, parent.id)
    return parent if decision is not None and decision.action == Action.CLARIFY.value else None


async def failed_posts(session: AsyncSession, limit: int = 100) -> list[PostRow]:
    """Posts whose processing failed, newest first, with their errors."""
    statement = (
        select(PostRow).where(PostRow.status == WorkStatus.FAILED.value).order_by(col(PostRow.id).desc()).limit(limit)
    )
    return list((await session.exec(statement)).all())


async def inbox_counts(session: AsyncSession) -> dict[str, int]:
    """How many posts are pending, claimed, done and failed."""
    statement = select(PostRow.status, func.count()).group_by(PostRow.status)
    counts = {status.value: 0 for status in WorkStatus}
    counts.update({status: n for status, n in (await session.exec(statement)).all()})
    return counts
