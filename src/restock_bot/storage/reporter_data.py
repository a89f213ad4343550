"""A reporter's own data: everything kept about them as JSON (export), and erasing it (forget).

A reporter is a person on one channel, `channel:author_id` (the key on the gift desk and /reporters).
Forgetting deletes the replies sent to them, their gifts and the shipping details they gave (address,
phone), and pseudonymises the rest under a random `channel:forgotten-…` key nothing links back to them: their
posts keep no text, author or post id, triage's explanations go, their reports, held reports and ticket
events name the pseudonym. Tickets and their report counts stay (the stock-out was real)."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, or_, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from restock_bot.storage.tables import (
    DecisionRow,
    GiftRow,
    GiftShippingRow,
    HeldReportRow,
    PostRow,
    ReplyRow,
    ReportRow,
    TicketEventRow,
    TicketRow,
)

FORGOTTEN = "forgotten"  # a forgotten reporter's author id: forgotten-<random>


class ReporterNotFound(LookupError):
    """No reporter by that key or handle; the message names what was looked for."""


def split_key(reporter: str) -> tuple[str, str]:
    """`channel:author_id` as its two parts."""
    channel, sep, author_id = reporter.partition(":")
    if not sep or not channel or not author_id:
        raise ValueError(f"reporter {reporter!r}: give channel:author_id (e.g. x:205828600) or @handle")
    return channel, author_id


async def find_reporters(session: AsyncSession, who: str, channel: str | None = None) -> list[str]:
    """The reporter keys `who` names: a key as given (when known), or every key whose handle is `@handle`
    (on `channel` only, when given; the @ is optional then)."""
    if channel is not None and not who.startswith("@"):
        who = f"@{who}"
    if not who.startswith("@"):
        channel, author_id = split_key(who)
        known = await session.exec(
            select(func.count()).where(PostRow.channel == channel, PostRow.author_id == author_id)
        )
        reported = await session.exec(select(func.count()).where(ReportRow.reporter == who))
        return [who] if known.one() or reported.one() else []
    handle = who[1:].lower()
    statement = select(PostRow.channel, PostRow.author_id).where(func.lower(PostRow.author_name) == handle)
    if channel is not None:
        statement = statement.where(PostRow.channel == channel)
    rows = await session.exec(statement.distinct())
    return sorted(f"{channel}:{author_id}" for channel, author_id in rows.all())


def _iso(at: datetime | None) -> str | None:
    return at.isoformat() if at else None


async def _posts(session: AsyncSession, reporter: str) -> list[PostRow]:
    channel, author_id = split_key(reporter)
    rows = await session.exec(
        select(PostRow).where(PostRow.channel == channel, PostRow.author_id == author_id).order_by(col(PostRow.id))
    )
    return list(rows.all())


async def export_reporter(session: AsyncSession, reporter: str, now: datetime) -> dict[str, Any]:
    """Everything kept about `reporter`, JSON-ready: posts (with triage's answer), reports and their tickets,
    replies sent to them, gifts, and the ticket events they caused."""
    posts = await _posts(session, reporter)
    ids = [p.id for p in posts]
    decisions = {
        d.post_row_id: d
        for d in (await session.exec(select(DecisionRow).where(col(DecisionRow.post_row_id).in_(ids)))).all()
    }
    reports = await session.exec(
        select(ReportRow, TicketRow)
        .join(TicketRow, col(TicketRow.id) == ReportRow.ticket_id)
        .where(ReportRow.reporter == reporter)
        .order_by(col(ReportRow.id))
    )
    replies = await session.exec(
        select(ReplyRow).where(col(ReplyRow.to_post_row_id).in_(ids)).order_by(col(ReplyRow.id))
    )
    mine = select(GiftRow).where(GiftRow.reporter == reporter).order_by(col(GiftRow.id))
    gifts = list((await session.exec(mine)).all())
    shipping = {
        s.gift_id: s
        for s in (
            await session.exec(select(GiftShippingRow).where(col(GiftShippingRow.gift_id).in_([g.id for g in gifts])))
        ).all()
    }
    events = await session.exec(
        select(TicketEventRow).where(TicketEventRow.actor == reporter).order_by(col(TicketEventRow.id))
    )
    held = await session.exec(
        select(HeldReportRow).where(HeldReportRow.reporter == reporter).order_by(col(HeldReportRow.id))
    )
    return {
        "reporter": reporter,
        "exported_at": now.isoformat(),
        "posts": [_post(p, decisions.get(p.id or 0)) for p in posts],
        "reports": [_report(r, t) for r, t in reports.all()],
        "replies": [_reply(r) for r in replies.all()],
        "gifts": [_gift(g, shipping.get(g.id or 0)) for g in gifts],
        "ticket_events": [_event(e) for e in events.all()],
        "held_reports": [_held(h) for h in held.all()],
    }


def _post(row: PostRow, decision: DecisionRow | None) -> dict[str, Any]:
    return {
        "channel": row.channel,
        "post_id": row.post_id,
        "received_at": _iso(row.received_at),
        "status": row.status,
        "post": row.payload,
        "triage": None
        if decision is None
        else {"action": decision.action, "store_id": decision.store_id, "sku": decision.sku},
    }


def _report(row: ReportRow, ticket: TicketRow) -> dict[str, Any]:
    return {
        "ticket_id": row.ticket_id,
        "store_id": ticket.store_id,
        "sku": ticket.sku,
        "ticket_state": ticket.state,
        "reported_at": _iso(row.reported_at),
        "name": row.reporter_name,
    }


def _reply(row: ReplyRow) -> dict[str, Any]:
    return {"kind": row.kind, "text": row.text, "status": row.status, "sent_at": _iso(row.finished_at)}


def _gift(row: GiftRow, shipping: GiftShippingRow | None) -> dict[str, Any]:
    return {
        "ticket_id": row.ticket_id,
        "store_id": row.store_id,
        "state": row.state,
        "name": row.reporter_name,
        "created_at": _iso(row.created_at),
        "shipped_at": _iso(row.shipped_at),
        "shipping": None if shipping is None else shipping.model_dump(mode="json", exclude={"id", "claim_key"}),
    }


def _held(row: HeldReportRow) -> dict[str, Any]:
    return {
        "store_id": row.store_id,
        "sku": row.sku,
        "brand": row.brand,
        "reported_at": _iso(row.reported_at),
        "held_at": _iso(row.held_at),
        "reason": row.reason,
        "name": row.reporter_name,
    }


def _event(row: TicketEventRow) -> dict[str, Any]:
    return {"ticket_id": row.ticket_id, "event": row.kind, "at": _iso(row.at), "reason": row.reason}


def pseudonym(reporter: str) -> str:
    """A fresh key for a forgotten reporter on the same channel: random, so nothing (not even a hash of the
    key) leads back to them."""
    channel, _ = split_key(reporter)
    return f"{channel}:{FORGOTTEN}-{secrets.token_hex(8)}"


async def forget_reporter(session: AsyncSession, reporter: str) -> dict[str, int]:
    """Erase `reporter` (see the module's docstring); how many rows of each kind were deleted or
    pseudonymised. Their reports keep counting on their tickets, under the pseudonym."""
    posts = await _posts(session, reporter)
    ids = [p.id for p in posts]
    alias = pseudonym(reporter)
    counts: dict[str, int] = {}

    async def run(name: str, statement: Any) -> None:
        result = await session.exec(statement)
        counts[name] = counts.get(name, 0) + (result.rowcount or 0)

    await run("replies", delete(ReplyRow).where(col(ReplyRow.to_post_row_id).in_(ids)))
    decided = update(DecisionRow).where(col(DecisionRow.post_row_id).in_(ids))
    await run("decisions", decided.values(explain={}, resolves=None))
    mine = or_(col(ReportRow.post_row_id).in_(ids), col(ReportRow.reporter) == reporter)
    await run("reports", update(ReportRow).where(mine).values(reporter=alias, reporter_name=""))
    held = or_(col(HeldReportRow.post_row_id).in_(ids), col(HeldReportRow.reporter) == reporter)
    await run("held_reports", update(HeldReportRow).where(held).values(reporter=alias, reporter_name=""))
    gifts = select(GiftRow.id).where(col(GiftRow.reporter) == reporter)
    await run("gift_shipping", delete(GiftShippingRow).where(col(GiftShippingRow.gift_id).in_(gifts.scalar_subquery())))
    await run("gifts", delete(GiftRow).where(col(GiftRow.reporter) == reporter))
    events = (await session.exec(select(TicketEventRow).where(TicketEventRow.actor == reporter))).all()
    for event in events:
        event.actor = alias
        event.data = {k: v for k, v in (event.data or {}).items() if k != "report"}
        session.add(event)
    counts["ticket_events"] = len(events)
    _, author_id = split_key(alias)
    for post in posts:  # the row stays (reports point at it); nothing in it names the person any more
        post.author_id, post.author_name = author_id, ""
        post.post_id = f"{author_id}-{post.id}"
        post.payload, post.raw, post.in_reply_to, post.error = {}, {}, None, None
        session.add(post)
    counts["posts"] = len(posts)
    return counts
