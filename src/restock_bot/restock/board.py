"""Read-only views for the web: the public board, distributor queues, reporters, a ticket's history."""

from __future__ import annotations

import statistics
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, distinct
from sqlalchemy import select as sa_select
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from restock_bot.gifts.queue import GiftState
from restock_bot.storage import tickets
from restock_bot.storage.tables import GiftRow, ReportRow, TicketRow
from restock_bot.tickets.models import ACTIVE_STATES, Ticket, TicketEvent, TicketState

StoreLabel = Callable[[str], str]


@dataclass(frozen=True, slots=True)
class BoardCounts:
    """Tickets by state; `open` counts open, escalated and reopened tickets ("Let's do it"), `acknowledged`
    those a distributor is on, including the ones waiting for a promised date ("On it")."""

    open: int
    acknowledged: int
    escalated: int
    restocked: int
    not_a_stockout: int
    reopened: int = 0
    cannot_supply: int = 0


@dataclass(frozen=True, slots=True)
class RestockView:
    ticket: Ticket
    store: str
    reports: int
    hours_to_restock: float


@dataclass(frozen=True, slots=True)
class QueueItem:
    """One active ticket in a distributor's queue."""

    ticket: Ticket
    store: str
    reports: int
    hours_left: float  # negative once the deadline has passed


@dataclass(frozen=True, slots=True)
class ReporterView:
    reporter: str
    reporter_name: str
    channel: str
    reports: int
    tickets: int
    restocked: int
    gifts: int


@dataclass(frozen=True, slots=True)
class TicketHistory:
    ticket: Ticket
    store: str
    events: list[TicketEvent]
    reports: list[ReportRow]


def hours_between(start: datetime, end: datetime) -> float:
    return (end - start).total_seconds() / 3600


async def board_counts(session: AsyncSession) -> BoardCounts:
    """How many tickets are in each state."""
    rows = (await session.exec(select(TicketRow.state, func.count()).group_by(TicketRow.state))).all()
    n = {state: count for state, count in rows}
    return BoardCounts(
        open=n.get(TicketState.OPEN, 0) + n.get(TicketState.ESCALATED, 0) + n.get(TicketState.REOPENED, 0),
        acknowledged=n.get(TicketState.ACKNOWLEDGED, 0) + n.get(TicketState.CANNOT_SUPPLY, 0),
        escalated=n.get(TicketState.ESCALATED, 0),
        restocked=n.get(TicketState.RESTOCKED, 0),
        not_a_stockout=n.get(TicketState.NOT_A_STOCKOUT, 0),
        reopened=n.get(TicketState.REOPENED, 0),
        cannot_supply=n.get(TicketState.CANNOT_SUPPLY, 0),
    )


async def _with_counts(session: AsyncSession, rows: list[TicketRow]) -> list[tuple[Ticket, int]]:
    ids = [r.id for r in rows]
    counts_q = (
        select(ReportRow.ticket_id, func.count())
        .where(col(ReportRow.ticket_id).in_(ids))
        .group_by(col(ReportRow.ticket_id))
    )
    counts = {ticket_id: n for ticket_id, n in (await session.exec(counts_q)).all()}
    return [(tickets.ticket_of(r), counts.get(r.id or 0, 0)) for r in rows]


async def recent_restocks(session: AsyncSession, store_label: StoreLabel, limit: int = 20) -> list[RestockView]:
    """The latest restocked tickets with how long each took from first report."""
    statement = (
        select(TicketRow)
        .where(TicketRow.state == TicketState.RESTOCKED.value)
        .order_by(col(TicketRow.restocked_at).desc())
        .limit(limit)
    )
    rows = list((await session.exec(statement)).all())
    return [
        RestockView(t, store_label(t.store_id), n, hours_between(t.opened_at, t.restocked_at or t.opened_at))
        for t, n in await _with_counts(session, rows)
    ]


async def median_hours_to_restock(session: AsyncSession) -> float | None:
    """The median hours from first report to restock over all restocked tickets (None before any)."""
    statement = select(TicketRow.opened_at, TicketRow.restocked_at).where(
        TicketRow.state == TicketState.RESTOCKED.value
    )
    hours = [
        hours_between(opened, restocked)
        for opened, restocked in (await session.exec(statement)).all()
        if restocked is not None
    ]
    return statistics.median(hours) if hours else None


async def distributor_queue(
    session: AsyncSession, distributor_id: str, now: datetime, store_label: StoreLabel
) -> list[QueueItem]:
    """A distributor's active tickets, highest priority first, then most urgent deadline."""
    statement = (
        select(TicketRow)
        .where(
            TicketRow.distributor_id == distributor_id,
            col(TicketRow.state).in_([s.value for s in ACTIVE_STATES]),
        )
        .order_by(col(TicketRow.priority).desc(), col(TicketRow.deadline), col(TicketRow.id))
    )
    rows = list((await session.exec(statement)).all())
    return [
        QueueItem(t, store_label(t.store_id), n, hours_between(now, t.deadline))
        for t, n in await _with_counts(session, rows)
    ]


async def reporters(session: AsyncSession, limit: int = 200) -> list[ReporterView]:
    """Reporters with their reports, tickets, restocks and gifts, most active first."""
    restocked = func.sum(case((col(TicketRow.state) == TicketState.RESTOCKED.value, 1), else_=0))
    statement = (
        sa_select(
            col(ReportRow.reporter),
            func.max(ReportRow.reporter_name),
            func.max(ReportRow.channel),
            func.count(),
            func.count(distinct(col(ReportRow.ticket_id))),
            restocked,
        )
        .join(TicketRow, col(TicketRow.id) == ReportRow.ticket_id)
        .group_by(ReportRow.reporter)
        .order_by(func.count().desc(), ReportRow.reporter)
        .limit(limit)
    )
    rows = (await session.exec(statement)).all()  # type: ignore[call-overload]  # six columns: untyped
    gifts_q = (
        select(GiftRow.reporter, func.count())
        .where(GiftRow.state != GiftState.REJECTED.value)
        .group_by(GiftRow.reporter)
    )
    gifts = {reporter: n for reporter, n in (await session.exec(gifts_q)).all()}
    return [
        ReporterView(reporter, name or "", channel or "", int(n), int(t), int(r or 0), gifts.get(reporter, 0))
        for reporter, name, channel, n, t, r in rows
    ]


async def ticket_history(session: AsyncSession, ticket_id: int, store_label: StoreLabel) -> TicketHistory | None:
    """A ticket with every event and report, for its page."""
    ticket = await tickets.get_ticket(session, ticket_id)
    if ticket is None:
        return None
    return TicketHistory(
        ticket,
        store_label(ticket.store_id),
        await tickets.events_of(session, ticket_id),
        await tickets.reports_of(session, ticket_id),
    )


@dataclass(frozen=True, slots=True)
class DistributorRecord:
    """How a distributor keeps the promise: active tickets, those past the deadline, restocks, and the
    reopenings counted against it."""

    distributor_id: str
    active: int
    past_deadline: int
    restocked: int
    not_a_stockout: int
    reopens: int


async def distributor_record(session: AsyncSession, distributor_id: str, now: datetime) -> DistributorRecord:
    mine = TicketRow.distributor_id == distributor_id
    states = (await session.exec(select(TicketRow.state, func.count()).where(mine).group_by(TicketRow.state))).all()
    n = {state: count for state, count in states}
    active_states = [s.value for s in ACTIVE_STATES]
    late = (
        select(func.count())
        .select_from(TicketRow)
        .where(mine, col(TicketRow.state).in_(active_states), col(TicketRow.deadline) <= now)
    )
    reopens = select(func.coalesce(func.sum(TicketRow.reopens), 0)).where(mine)
    return DistributorRecord(
        distributor_id=distributor_id,
        active=sum(n.get(s, 0) for s in active_states),
        past_deadline=int((await session.exec(late)).one()),
        restocked=n.get(TicketState.RESTOCKED.value, 0),
        not_a_stockout=n.get(TicketState.NOT_A_STOCKOUT.value, 0),
        reopens=int((await session.exec(reopens)).one()),
    )
