"""Tickets listed for operators: filtered by state, distributor and store, newest first, with report counts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from restock_bot.storage.tables import ReportRow, TicketRow
from restock_bot.storage.tickets import ticket_of
from restock_bot.tickets.models import Ticket


@dataclass(frozen=True, slots=True)
class ListedTicket:
    ticket: Ticket
    reports: int


async def list_tickets(
    session: AsyncSession,
    *,
    states: Sequence[str] = (),
    distributor_id: str | None = None,
    store_id: str | None = None,
    limit: int = 50,
) -> list[ListedTicket]:
    """Up to `limit` tickets matching every filter given, newest first."""
    statement = select(TicketRow).order_by(col(TicketRow.id).desc()).limit(limit)
    if states:
        statement = statement.where(col(TicketRow.state).in_(list(states)))
    if distributor_id:
        statement = statement.where(TicketRow.distributor_id == distributor_id)
    if store_id:
        statement = statement.where(TicketRow.store_id == store_id)
    rows = list((await session.exec(statement)).all())
    ids = [r.id for r in rows]
    ticket_id = col(ReportRow.ticket_id)
    counted = await session.exec(select(ticket_id, func.count()).where(ticket_id.in_(ids)).group_by(ticket_id))
    reports = {ticket_id: n for ticket_id, n in counted.all()}
    return [ListedTicket(ticket_of(r), reports.get(r.id or 0, 0)) for r in rows]
