"""A reporter's own data: everything kept about them as JSON (export), and erasing it (forget).

A reporter is a person on one channel, `channel:author_id` (the key on the gift desk and /reporters).
Forgetting deletes their posts, triage's decisions on them, their reports, the replies sent to them, their
gifts and the shipping details they gave, and renames them in the ticket history; the tickets stay (the
stock-out was real), with one report fewer."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, or_, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from restock_bot.storage.tables import (
    DecisionRow,
    GiftRow,
    GiftShippingRow,
    PostRow,
    ReplyRow,
    ReportRow,
    TicketEventRow,
    TicketRow,
)

FORGOTTEN = "forgotten reporter"


class ReporterNotFound(LookupError):
    """No reporter by that key or handle; the message names what was looked for."""


def split_key(reporter: str) -> tuple[str, str]:
    """`channel:author_id` as its two parts."""
    channel, sep, author_id = reporter.partition(":")
    if not sep or not channel or not author_id:
        raise ValueError(f"reporter {reporter!r}: give channel:author_id (e.g. x:205828600) or @handle")
    return channel, author_id


async def find_reporters(session: AsyncSession, who: str) -> list[str]:
    """The reporter keys `who` names: a key as given (when known), or every key whose handle is `@handle`."""
    if not who.startswith("@"):
        channel, author_id = split_key(who)
        known = await session.exec(
            select(func.count()).where(PostRow.channel == channel, PostRow.author_id == author_id)
        )
        reported = await session.exec(select(func.count()).where(ReportRow.reporter == who))
        return [who] if known.one() or reported.one() else []
    handle = who[1:].lower()
    rows = await session.exec(
        select(PostRow.channel, PostRow.author_id).where(func.lower(PostRow.author_name) == handle).distinct()
    )
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
    return {
        "reporter": reporter,
        "exported_at": now.isoformat(),
        "posts": [_post(p, decisions.get(p.id or 0)) for p in posts],
        "reports": [_report(r, t) for r, t in reports.all()],
        "replies": [_reply(r) for r in replies.all()],
        "gifts": [_gift(g, shipping.get(g.id or 0)) for g in gifts],
        "ticket_events": [_event(e) for e in events.all()],
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


def _event(row: TicketEventRow) -> dict[str, Any]:
    return {"ticket_id": row.ticket_id, "event": row.kind, "at": _iso(row.at), "reason": row.reason}


async def forget_reporter(session: AsyncSession, reporter: str) -> dict[str, int]:
    """Erase `reporter` (see the module's docstring); how many rows of each kind went."""
    posts = await _posts(session, reporter)
    ids = [p.id for p in posts]
    counts: dict[str, int] = {}

    async def run(name: str, statement: Any) -> None:
        result = await session.exec(statement)
        counts[name] = counts.get(name, 0) + (result.rowcount or 0)

    await run("replies", delete(ReplyRow).where(col(ReplyRow.to_post_row_id).in_(ids)))
    await run("decisions", delete(DecisionRow).where(col(DecisionRow.post_row_id).in_(ids)))
    await session.exec(update(DecisionRow).where(col(DecisionRow.parent_row_id).in_(ids)).values(parent_row_id=None))
    await run(
        "reports",
        delete(ReportRow).where(or_(col(ReportRow.post_row_id).in_(ids), col(ReportRow.reporter) == reporter)),
    )
    await session.exec(update(ReportRow).where(col(ReportRow.via_post_row_id).in_(ids)).values(via_post_row_id=None))
    gifts = select(GiftRow.id).where(col(GiftRow.reporter) == reporter)
    await run("gift_shipping", delete(GiftShippingRow).where(col(GiftShippingRow.gift_id).in_(gifts.scalar_subquery())))
    await run("gifts", delete(GiftRow).where(col(GiftRow.reporter) == reporter))
    events = (await session.exec(select(TicketEventRow).where(TicketEventRow.actor == reporter))).all()
    for event in events:
        event.actor = FORGOTTEN
        event.data = {k: v for k, v in (event.data or {}).items() if k != "report"}
        session.add(event)
    counts["ticket_events"] = len(events)
    await run("posts", delete(PostRow).where(col(PostRow.id).in_(ids)))
    return counts
