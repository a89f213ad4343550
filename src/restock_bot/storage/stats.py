"""Counts for operators' metrics, read from the database so every process reports the same totals.

Each query stays on an index (state, status) or skips the rows that only grow (done posts and messages)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from restock_bot.storage.queue import WorkStatus
from restock_bot.storage.tables import NotificationRow, PostRow, ReplyRow, TicketRow
from restock_bot.tickets.models import ACTIVE_STATES, TicketState

_ACTIVE = [s.value for s in ACTIVE_STATES]


@dataclass(frozen=True, slots=True)
class Stats:
    """Tickets by state, breaches, and the waiting work of the inbox and the outboxes by status."""

    tickets: dict[str, int] = field(default_factory=dict)
    past_deadline: int = 0  # active tickets whose deadline has passed
    breached: int = 0  # tickets that were ever escalated (their deadline passed unrestocked)
    inbox: dict[str, int] = field(default_factory=dict)  # pending, claimed, failed posts
    outbox: dict[str, dict[str, int]] = field(default_factory=dict)  # notifications/replies: status -> n


WorkRow = type[PostRow] | type[NotificationRow] | type[ReplyRow]


async def _work_counts(session: AsyncSession, model: WorkRow) -> dict[str, int]:
    status = col(model.status)
    statement = select(status, func.count()).where(status != WorkStatus.DONE.value).group_by(status)
    counts = {s.value: 0 for s in WorkStatus if s is not WorkStatus.DONE}
    counts.update({name: n for name, n in (await session.exec(statement)).all()})
    return counts


async def read_stats(session: AsyncSession, now: datetime) -> Stats:
    """The current counts."""
    by_state = (await session.exec(select(TicketRow.state, func.count()).group_by(TicketRow.state))).all()
    past = await session.exec(
        select(func.count()).where(col(TicketRow.state).in_(_ACTIVE), col(TicketRow.deadline) < now)
    )
    breached = await session.exec(select(func.count()).where(col(TicketRow.escalated_at).is_not(None)))
    return Stats(
        tickets={**{s.value: 0 for s in TicketState}, **dict(by_state)},
        past_deadline=past.one(),
        breached=breached.one(),
        inbox=await _work_counts(session, PostRow),
        outbox={
            "notifications": await _work_counts(session, NotificationRow),
            "replies": await _work_counts(session, ReplyRow),
        },
    )
