"""What became of a set of posts (a replayed file): triage's actions, failures, and the tickets they reached."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from restock_bot.storage.tables import DecisionRow, PostRow, ReportRow

CHUNK = 500  # post ids per query: stays far below every database's parameter limit


@dataclass(slots=True)
class Outcome:
    actions: Counter[str] = field(default_factory=Counter)  # ticket, clarify, ignore
    statuses: Counter[str] = field(default_factory=Counter)  # pending, claimed, done, failed
    tickets: set[int] = field(default_factory=set)


async def outcome_of(session: AsyncSession, channel: str, post_ids: Sequence[str]) -> Outcome:
    """The actions, processing statuses and tickets of the posts `post_ids` of `channel`."""
    outcome = Outcome()
    for start in range(0, len(post_ids), CHUNK):
        chunk = list(post_ids[start : start + CHUNK])
        mine = (col(PostRow.channel) == channel, col(PostRow.post_id).in_(chunk))
        statuses = await session.exec(select(PostRow.status, func.count()).where(*mine).group_by(PostRow.status))
        outcome.statuses.update(dict(statuses.all()))
        actions = await session.exec(
            select(DecisionRow.action, func.count())
            .join(PostRow, col(PostRow.id) == DecisionRow.post_row_id)
            .where(*mine)
            .group_by(DecisionRow.action)
        )
        outcome.actions.update(dict(actions.all()))
        reached = await session.exec(
            select(ReportRow.ticket_id).join(PostRow, col(PostRow.id) == ReportRow.post_row_id).where(*mine)
        )
        outcome.tickets.update(reached.all())
    return outcome
