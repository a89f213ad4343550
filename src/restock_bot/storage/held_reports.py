"""Reports the rate caps held, and the counts the caps are checked against (new tickets by a reporter, at a
store): a "new ticket" is an opened or reopened event, the two that notify a distributor."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from restock_bot.storage.database import insert_new
from restock_bot.storage.tables import HeldReportRow, TicketEventRow, TicketRow
from restock_bot.tickets.models import EventKind

NEW_TICKET_EVENTS = (EventKind.OPENED.value, EventKind.REOPENED.value)


async def new_tickets_by(session: AsyncSession, reporter: str, since: datetime) -> int:
    """Tickets the reporter's reports opened or reopened since `since`."""
    statement = select(func.count()).where(
        col(TicketEventRow.kind).in_(NEW_TICKET_EVENTS),
        TicketEventRow.actor == reporter,
        col(TicketEventRow.at) >= since,
    )
    return int((await session.exec(statement)).one())


async def new_tickets_at(session: AsyncSession, store_id: str, since: datetime) -> int:
    """Tickets opened or reopened at the store since `since`."""
    statement = (
        select(func.count())
        .select_from(TicketEventRow)
        .join(TicketRow, col(TicketRow.id) == TicketEventRow.ticket_id)
        .where(
            col(TicketEventRow.kind).in_(NEW_TICKET_EVENTS),
            TicketRow.store_id == store_id,
            col(TicketEventRow.at) >= since,
        )
    )
    return int((await session.exec(statement)).one())


async def hold_report(session: AsyncSession, row: HeldReportRow) -> bool:
    """Record a held report once per post; False when it was recorded before."""
    values = row.model_dump(exclude={"id"})
    return await insert_new(session, HeldReportRow, values, ["post_row_id"]) is not None


async def held_reports_by(session: AsyncSession, reporter: str, since: datetime) -> int:
    statement = select(func.count()).where(HeldReportRow.reporter == reporter, col(HeldReportRow.held_at) >= since)
    return int((await session.exec(statement)).one())


async def held_reports(session: AsyncSession, limit: int = 200) -> list[HeldReportRow]:
    """The latest held reports, newest first."""
    statement = select(HeldReportRow).order_by(col(HeldReportRow.id).desc()).limit(limit)
    return list((await session.exec(statement)).all())


async def new_tickets_by_each(session: AsyncSession, reporters: Collection[str], since: datetime) -> dict[str, int]:
    """`new_tickets_by` for several reporters in one statement."""
    if not reporters:
        return {}
    statement = (
        select(TicketEventRow.actor, func.count())
        .where(
            col(TicketEventRow.kind).in_(NEW_TICKET_EVENTS),
            col(TicketEventRow.actor).in_(list(reporters)),
            col(TicketEventRow.at) >= since,
        )
        .group_by(col(TicketEventRow.actor))
    )
    return {actor: int(n) for actor, n in (await session.exec(statement)).all()}


async def new_tickets_at_each(session: AsyncSession, store_ids: Collection[str], since: datetime) -> dict[str, int]:
    """`new_tickets_at` for several stores in one statement."""
    if not store_ids:
        return {}
    statement = (
        select(TicketRow.store_id, func.count())
        .select_from(TicketEventRow)
        .join(TicketRow, col(TicketRow.id) == TicketEventRow.ticket_id)
        .where(
            col(TicketEventRow.kind).in_(NEW_TICKET_EVENTS),
            col(TicketRow.store_id).in_(list(store_ids)),
            col(TicketEventRow.at) >= since,
        )
        .group_by(col(TicketRow.store_id))
    )
    return {store_id: int(n) for store_id, n in (await session.exec(statement)).all()}
