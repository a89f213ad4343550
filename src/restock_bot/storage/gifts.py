"""Stored gifts and what the abuse guard needs to know about a reporter."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import asdict, replace
from datetime import datetime, timedelta

from sqlmodel import col, func, select, update
from sqlmodel.ext.asyncio.session import AsyncSession

from restock_bot.gifts.abuse import AbusePolicy, AccountReport, Place
from restock_bot.gifts.eligibility import ReporterRecord
from restock_bot.gifts.queue import Gift, GiftState
from restock_bot.retailers import Store, StoreRef
from restock_bot.storage.database import insert_new
from restock_bot.storage.held_reports import held_reports_by
from restock_bot.storage.tables import GiftRow, PostRow, ReportRow, TicketRow
from restock_bot.tickets.models import TicketState


def gift_of(row: GiftRow) -> Gift:
    assert row.id is not None
    return Gift(
        id=row.id,
        reporter=row.reporter,
        reporter_name=row.reporter_name,
        channel=row.channel,
        ticket_id=row.ticket_id,
        store_id=row.store_id,
        state=GiftState(row.state),
        reason=row.reason,
        created_at=row.created_at,
        note=row.note,
        decided_by=row.decided_by,
        decided_at=row.decided_at,
        shipped_at=row.shipped_at,
    )


async def add_gift(session: AsyncSession, gift: Gift) -> Gift | None:
    """Store a gift once per (reporter, ticket); None when it exists."""
    values = asdict(gift)
    values.pop("id")
    values["state"] = gift.state.value
    new_id = await insert_new(session, GiftRow, values, ["reporter", "ticket_id"])
    return None if new_id is None else Gift(**{**asdict(gift), "id": new_id})


async def get_gift(session: AsyncSession, gift_id: int) -> Gift | None:
    row = await session.get(GiftRow, gift_id)
    return gift_of(row) if row else None


async def save_gift(session: AsyncSession, gift: Gift) -> None:
    values = asdict(gift)
    values.pop("id")
    values["state"] = gift.state.value
    await session.exec(update(GiftRow).where(col(GiftRow.id) == gift.id).values(**values))


async def list_gifts(session: AsyncSession, state: GiftState | None = None, limit: int = 500) -> list[Gift]:
    """Gifts, oldest first, optionally only those in one state."""
    statement = select(GiftRow).order_by(col(GiftRow.id)).limit(limit)
    if state is not None:
        statement = statement.where(GiftRow.state == state.value)
    return [gift_of(r) for r in (await session.exec(statement)).all()]


async def reporter_record(
    session: AsyncSession,
    reporter: str,
    now: datetime,
    window: timedelta,
    *,
    ticket_id: int | None = None,
    stores: Mapping[str, Store | StoreRef] | None = None,
    abuse: AbusePolicy | None = None,
) -> ReporterRecord:
    """What the guard needs about a reporter: last gift, recent report times, reports called not a stock-out,
    reports held by the caps; with `ticket_id`, also the accounts that reported its store around their report
    and the other stores they reported (for the burst and far-from-usual-towns signals)."""
    last_gift = (
        await session.exec(
            select(func.max(GiftRow.created_at)).where(
                GiftRow.reporter == reporter, GiftRow.state != GiftState.REJECTED.value
            )
        )
    ).one()
    times = (
        await session.exec(
            select(ReportRow.reported_at).where(
                ReportRow.reporter == reporter, col(ReportRow.reported_at) >= now - window
            )
        )
    ).all()
    refused = (
        await session.exec(
            select(func.count())
            .select_from(ReportRow)
            .join(TicketRow, col(TicketRow.id) == ReportRow.ticket_id)
            .where(ReportRow.reporter == reporter, TicketRow.state == TicketState.NOT_A_STOCKOUT.value)
        )
    ).one()
    record = ReporterRecord(
        last_gift_at=last_gift,
        report_times=list(times),
        not_a_stockout_reports=int(refused),
        held_reports=await held_reports_by(session, reporter, now - window),
    )
    if ticket_id is None:
        return record
    return await _with_places_and_accounts(session, record, reporter, ticket_id, stores or {}, abuse or AbusePolicy())


def _place(store: Store | StoreRef | None) -> Place | None:
    if store is None or store.lat is None or store.lon is None:
        return None
    return Place(store.city, store.lat, store.lon)


async def _with_places_and_accounts(
    session: AsyncSession,
    record: ReporterRecord,
    reporter: str,
    ticket_id: int,
    stores: Mapping[str, Store | StoreRef],
    abuse: AbusePolicy,
) -> ReporterRecord:
    ticket = await session.get(TicketRow, ticket_id)
    reported_at = (
        await session.exec(
            select(func.min(ReportRow.reported_at)).where(
                ReportRow.reporter == reporter, ReportRow.ticket_id == ticket_id
            )
        )
    ).one()
    if ticket is None or reported_at is None:
        return record
    around = (
        await session.exec(
            select(ReportRow.reporter, ReportRow.reported_at)
            .join(TicketRow, col(TicketRow.id) == ReportRow.ticket_id)
            .where(
                TicketRow.store_id == ticket.store_id,
                col(ReportRow.reported_at) >= reported_at - abuse.burst_window,
                col(ReportRow.reported_at) <= reported_at + abuse.burst_window,
            )
        )
    ).all()
    since = await first_seen(session, {r for r, _ in around} | {reporter})
    others = (
        await session.exec(
            select(TicketRow.store_id)
            .join(ReportRow, col(ReportRow.ticket_id) == TicketRow.id)
            .where(ReportRow.reporter == reporter, TicketRow.store_id != ticket.store_id)
            .distinct()
        )
    ).all()
    usual = [p for p in (_place(stores.get(s)) for s in others) if p is not None]
    return replace(
        record,
        account_since=since.get(reporter),
        reported_at=reported_at,
        store_reports=[AccountReport(r, at, since.get(r, at)) for r, at in around],
        store_place=_place(stores.get(ticket.store_id)),
        usual_places=usual,
    )


async def first_seen(session: AsyncSession, reporters: Collection[str]) -> dict[str, datetime]:
    """When each reporter's account was first seen by us: their earliest post received or report made.
    (No channel tells us an account's creation date today; this stands in for the account's age.)"""
    keys = [r for r in reporters if ":" in r]
    if not keys:
        return {}
    seen: dict[str, datetime] = {}
    reported = await session.exec(
        select(ReportRow.reporter, func.min(ReportRow.reported_at))
        .where(col(ReportRow.reporter).in_(keys))
        .group_by(col(ReportRow.reporter))
    )
    for reporter, at in reported.all():
        seen[reporter] = at
    author_ids = {r.partition(":")[2] for r in keys}
    received = await session.exec(
        select(PostRow.channel, PostRow.author_id, func.min(PostRow.received_at))
        .where(col(PostRow.author_id).in_(author_ids))
        .group_by(col(PostRow.channel), col(PostRow.author_id))
    )
    for channel, author_id, at in received.all():
        key = f"{channel}:{author_id}"
        if key in seen or key in keys:
            seen[key] = min(at, seen.get(key, at))
    return seen
