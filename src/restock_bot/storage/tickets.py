"""Tickets, their events and the reports credited to them."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import asdict, fields
from datetime import datetime
from typing import Any

from sqlalchemy import and_, bindparam
from sqlmodel import col, func, select, update
from sqlmodel.ext.asyncio.session import AsyncSession

from restock_bot.storage.database import insert_new
from restock_bot.storage.tables import ReportRow, TicketEventRow, TicketRow, UTCDateTime
from restock_bot.tickets.models import EventKind, Ticket, TicketEvent, TicketState

TICKET_FIELDS = tuple(f for f in fields(Ticket) if f.name != "id")


class StaleTicket(RuntimeError):
    """The ticket changed between reading and writing it; the operation can be tried again."""


def ticket_of(row: TicketRow) -> Ticket:
    return Ticket(
        id=row.id,
        store_id=row.store_id,
        distributor_id=row.distributor_id,
        sku=row.sku,
        brand=row.brand,
        state=TicketState(row.state),
        opened_at=row.opened_at,
        deadline=row.deadline,
        acknowledged_at=row.acknowledged_at,
        escalated_at=row.escalated_at,
        restocked_at=row.restocked_at,
        not_a_stockout_at=row.not_a_stockout_at,
        closed_at=row.closed_at,
        warned_at=row.warned_at,
        escalation_tier=row.escalation_tier,
        cannot_supply_at=row.cannot_supply_at,
        promised_at=row.promised_at,
        promise_approved_by=row.promise_approved_by,
        reopened_at=row.reopened_at,
        reopens=row.reopens or 0,
        deadline_round=row.deadline_round or 0,
        priority=row.priority or 0,
    )


def _values(ticket: Ticket, *, priority: bool = True) -> dict[str, Any]:
    values = {f.name: getattr(ticket, f.name) for f in TICKET_FIELDS}  # every field is a plain value: no deep copy
    if not priority:  # priority has its own writer (set_priority): a transition never overwrites a newer one
        values.pop("priority")
    values["state"] = ticket.state.value
    values["key"] = ticket.key
    values["open_key"] = ticket.key if ticket.is_active else None
    return values


def event_of(row: TicketEventRow) -> TicketEvent:
    return TicketEvent(
        kind=EventKind(row.kind),
        at=row.at,
        actor=row.actor,
        reason=row.reason,
        key=row.key,
        tier=row.tier,
        data=dict(row.data or {}),
        ticket_id=row.ticket_id,
        id=row.id,
    )


async def find_open_ticket(session: AsyncSession, key: str) -> Ticket | None:
    row = (await session.exec(select(TicketRow).where(TicketRow.open_key == key))).first()
    return ticket_of(row) if row else None


async def get_ticket(
    session: AsyncSession, ticket_id: int, *, lock: bool = False, skip_locked: bool = False
) -> Ticket | None:
    """A ticket by number; `lock` holds it for this transaction (PostgreSQL), skipping it if taken."""
    statement = select(TicketRow).where(TicketRow.id == ticket_id)
    if lock:
        statement = statement.with_for_update(skip_locked=skip_locked)
    row = (await session.exec(statement)).first()
    return ticket_of(row) if row else None


async def insert_ticket(session: AsyncSession, ticket: Ticket) -> Ticket | None:
    """Store a new ticket; None when another open ticket with the same key got there first."""
    new_id = await insert_new(session, TicketRow, _values(ticket), ["open_key"])
    return None if new_id is None else Ticket(**{**asdict(ticket), "id": new_id})


async def update_ticket(session: AsyncSession, before: Ticket, after: Ticket) -> None:
    """Write a transition, provided nobody changed the ticket since `before` was read."""
    statement = (
        update(TicketRow)
        .where(
            col(TicketRow.id) == before.id,
            col(TicketRow.state) == before.state.value,
            col(TicketRow.escalation_tier) == before.escalation_tier,
            col(TicketRow.deadline_round) == before.deadline_round,
        )
        .values(**_values(after, priority=False))
    )
    result = await session.exec(statement)
    if result.rowcount != 1:
        raise StaleTicket(f"{before.label} changed meanwhile; try again")


async def last_restocked(session: AsyncSession, key: str) -> Ticket | None:
    """The latest restocked ticket with this key (a new report soon after may reopen it)."""
    statement = (
        select(TicketRow)
        .where(TicketRow.key == key, TicketRow.state == TicketState.RESTOCKED.value)
        .order_by(col(TicketRow.restocked_at).desc())
        .limit(1)
    )
    row = (await session.exec(statement)).first()
    return ticket_of(row) if row else None


async def distinct_reporters(session: AsyncSession, ticket_id: int) -> int:
    statement = select(func.count(func.distinct(ReportRow.reporter))).where(ReportRow.ticket_id == ticket_id)
    return int((await session.exec(statement)).one())


async def earlier_stockouts(session: AsyncSession, ticket: Ticket, since: datetime) -> int:
    """Restocked tickets for the same store and product opened since `since`, other than this one."""
    statement = (
        select(func.count())
        .select_from(TicketRow)
        .where(
            TicketRow.key == ticket.key,
            TicketRow.state == TicketState.RESTOCKED.value,
            col(TicketRow.id) != ticket.id,
            col(TicketRow.opened_at) >= since,
        )
    )
    return int((await session.exec(statement)).one())


async def set_priority(session: AsyncSession, ticket_id: int, priority: int) -> None:
    await session.exec(update(TicketRow).where(col(TicketRow.id) == ticket_id).values(priority=priority))


async def set_sla_due_at(session: AsyncSession, ticket_id: int, when: datetime | None) -> None:
    await session.exec(update(TicketRow).where(col(TicketRow.id) == ticket_id).values(sla_due_at=when))


async def claim_due_tickets(
    session: AsyncSession, now: datetime, limit: int, *, skip: Collection[int] = ()
) -> list[Ticket]:
    """Tickets whose next warning or escalation time has come, soonest first, held for this transaction:
    on PostgreSQL rows another sweeper holds are skipped (FOR UPDATE SKIP LOCKED); SQLite takes the write
    lock at BEGIN. Reads only the due rows (partial index on `sla_due_at`), never every open ticket."""
    statement = (
        select(TicketRow)
        .where(col(TicketRow.sla_due_at).is_not(None), col(TicketRow.sla_due_at) <= now)
        .order_by(col(TicketRow.sla_due_at))
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    if skip:
        statement = statement.where(col(TicketRow.id).not_in(list(skip)))
    return [ticket_of(row) for row in (await session.exec(statement)).all()]


async def add_event(session: AsyncSession, ticket_id: int, event: TicketEvent) -> TicketEvent | None:
    """Record an event once; None when the ticket already has an event with its key."""
    new_id = await insert_new(session, TicketEventRow, event_values(ticket_id, event), ["ticket_id", "key"])
    if new_id is None:
        return None
    return TicketEvent(**{**asdict(event), "ticket_id": ticket_id, "id": new_id})


async def events_of(session: AsyncSession, ticket_id: int) -> list[TicketEvent]:
    statement = (
        select(TicketEventRow)
        .where(TicketEventRow.ticket_id == ticket_id)
        .order_by(col(TicketEventRow.at), col(TicketEventRow.id))
    )
    return [event_of(r) for r in (await session.exec(statement)).all()]


async def events_of_tickets(session: AsyncSession, ticket_ids: Collection[int]) -> dict[int, list[TicketEvent]]:
    """The events of several tickets in one read, each ticket's in order."""
    found: dict[int, list[TicketEvent]] = {i: [] for i in ticket_ids}
    if not found:
        return found
    statement = (
        select(TicketEventRow)
        .where(col(TicketEventRow.ticket_id).in_(list(found)))
        .order_by(col(TicketEventRow.ticket_id), col(TicketEventRow.at), col(TicketEventRow.id))
    )
    for row in (await session.exec(statement)).all():
        found[row.ticket_id].append(event_of(row))
    return found


async def add_report(session: AsyncSession, report: ReportRow) -> ReportRow | None:
    """Credit a post to a ticket once; None when the post is already a report."""
    values = report.model_dump(exclude={"id"})
    new_id = await insert_new(session, ReportRow, values, ["post_row_id"])
    if new_id is None:
        return None
    report.id = new_id
    return report


async def report_of_post(session: AsyncSession, post_row_id: int) -> ReportRow | None:
    return (await session.exec(select(ReportRow).where(ReportRow.post_row_id == post_row_id))).first()


async def reports_of(session: AsyncSession, ticket_id: int) -> list[ReportRow]:
    statement = select(ReportRow).where(ReportRow.ticket_id == ticket_id).order_by(col(ReportRow.reported_at))
    return list((await session.exec(statement)).all())


async def report_count(session: AsyncSession, ticket_id: int) -> int:
    statement = select(func.count()).select_from(ReportRow).where(ReportRow.ticket_id == ticket_id)
    return int((await session.exec(statement)).one())


# --- reads and writes for a batch of posts (restock/intake.py) ------------------------------------


async def open_ticket_rows(session: AsyncSession, keys: Collection[str]) -> dict[str, TicketRow]:
    """The open ticket of each key that has one."""
    if not keys:
        return {}
    statement = select(TicketRow).where(col(TicketRow.open_key).in_(list(keys)))
    return {row.key: row for row in (await session.exec(statement)).all()}


async def last_restocked_of(session: AsyncSession, keys: Collection[str]) -> dict[str, Ticket]:
    """The latest restocked ticket of each key that has one (a report soon after may reopen it)."""
    if not keys:
        return {}
    latest = (
        select(TicketRow.key, func.max(TicketRow.restocked_at).label("at"))
        .where(col(TicketRow.key).in_(list(keys)), TicketRow.state == TicketState.RESTOCKED.value)
        .group_by(col(TicketRow.key))
        .subquery()
    )
    statement = (
        select(TicketRow)
        .join(latest, and_(col(TicketRow.key) == latest.c.key, col(TicketRow.restocked_at) == latest.c.at))
        .where(TicketRow.state == TicketState.RESTOCKED.value)
        .order_by(col(TicketRow.id))
    )
    return {row.key: ticket_of(row) for row in (await session.exec(statement)).all()}


async def stockouts_since(session: AsyncSession, keys: Collection[str], since: datetime) -> dict[str, int]:
    """How many restocked tickets of each key were opened since `since` (repeat stock-outs)."""
    if not keys:
        return {}
    statement = (
        select(TicketRow.key, func.count())
        .where(
            col(TicketRow.key).in_(list(keys)),
            TicketRow.state == TicketState.RESTOCKED.value,
            col(TicketRow.opened_at) >= since,
        )
        .group_by(col(TicketRow.key))
    )
    return {key: int(n) for key, n in (await session.exec(statement)).all()}


async def reports_by_reporter(session: AsyncSession, ticket_ids: Collection[int]) -> dict[int, dict[str, int]]:
    """Each ticket's reports counted per reporter."""
    found: dict[int, dict[str, int]] = {i: {} for i in ticket_ids}
    if not found:
        return found
    statement = (
        select(ReportRow.ticket_id, ReportRow.reporter, func.count())
        .where(col(ReportRow.ticket_id).in_(list(found)))
        .group_by(col(ReportRow.ticket_id), col(ReportRow.reporter))
    )
    for ticket_id, reporter, n in (await session.exec(statement)).all():
        found[ticket_id][reporter] = int(n)
    return found


def ticket_values(ticket: Ticket, sla_due_at: datetime | None) -> dict[str, Any]:
    """The row of a new ticket, its timer included."""
    return {**_values(ticket), "sla_due_at": sla_due_at}


def event_values(ticket_id: int, event: TicketEvent) -> dict[str, Any]:
    """The row of a ticket event."""
    return {
        "ticket_id": ticket_id,
        "kind": event.kind.value,
        "key": event.key,
        "at": event.at,
        "actor": event.actor,
        "reason": event.reason,
        "tier": event.tier,
        "data": dict(event.data),
    }


async def set_timers_and_priorities(session: AsyncSession, changes: list[tuple[int, datetime | None, int]]) -> None:
    """Store (ticket id, next SLA time, priority) for many tickets in one statement."""
    if not changes:
        return
    table = TicketRow.__table__  # type: ignore[attr-defined]
    statement = (
        update(table)
        .where(table.c.id == bindparam("ticket_id"))
        .values(sla_due_at=bindparam("due"), priority=bindparam("value"))
    )
    params = [{"ticket_id": i, "due": due, "value": value} for i, due, value in changes]
    await (await session.connection()).execute(statement, params)


async def next_sla_due(session: AsyncSession, after: datetime | None = None) -> datetime | None:
    """The soonest stored SLA timer of any ticket, later than `after` when given (from the partial index on
    `sla_due_at`)."""
    soonest = func.min(TicketRow.sla_due_at, type_=UTCDateTime())
    statement = select(soonest).where(col(TicketRow.sla_due_at).is_not(None))
    if after is not None:
        statement = statement.where(col(TicketRow.sla_due_at) > after)
    value: datetime | None = (await session.exec(statement)).one()
    return value
