"""Stored gifts and what the abuse guard needs to know about a reporter."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime, timedelta

from sqlmodel import col, func, select, update
from sqlmodel.ext.asyncio.session import AsyncSession

from restock_bot.gifts.eligibility import ReporterRecord
from restock_bot.gifts.queue import Gift, GiftState
from restock_bot.storage.database import insert_new
from restock_bot.storage.tables import GiftRow, ReportRow, TicketRow
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


async def reporter_record(session: AsyncSession, reporter: str, now: datetime, window: timedelta) -> ReporterRecord:
    """A reporter's last gift, recent report times and reports the distributor called not a stock-out."""
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
    return ReporterRecord(last_gift_at=last_gift, report_times=list(times), not_a_stockout_reports=int(refused))
