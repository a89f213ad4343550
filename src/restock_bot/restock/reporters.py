"""Reporters as the gift desk reads them: each one's history and abuse signals, and the leaderboard of the
most helpful. Reads only; the signals themselves are decided in gifts/reporters.py."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection, Mapping

from sqlalchemy import distinct, func
from sqlalchemy import select as sa_select
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from restock_bot.gifts.eligibility import GiftPolicy
from restock_bot.gifts.queue import GiftState
from restock_bot.gifts.reporters import (
    CROWD_WINDOW,
    ReporterHistory,
    ReportFact,
    StoreReport,
    history_of,
    leaderboard,
)
from restock_bot.retailers import Store, StoreRef
from restock_bot.storage.database import Database
from restock_bot.storage.tables import DecisionRow, GiftRow, HeldReportRow, PostRow, ReportRow, TicketRow
from restock_bot.tickets.models import TicketState

LEADERBOARD_CANDIDATES = 100  # reporters with the most restocks, from whom the leaderboard is drawn


def town_of(stores: Mapping[str, Store | StoreRef], store_id: str) -> str:
    store = stores.get(store_id)
    return store.city if store else ""


async def _facts(
    session: AsyncSession, reporters: Collection[str], stores: Mapping[str, Store | StoreRef]
) -> dict[str, list[ReportFact]]:
    decided_post = func.coalesce(ReportRow.via_post_row_id, ReportRow.post_row_id)
    statement = (
        sa_select(
            ReportRow, col(PostRow.payload), col(TicketRow.store_id), col(TicketRow.state), col(DecisionRow.explain)
        )
        .join(PostRow, col(PostRow.id) == ReportRow.post_row_id)
        .join(TicketRow, col(TicketRow.id) == ReportRow.ticket_id)
        .join(DecisionRow, col(DecisionRow.post_row_id) == decided_post, isouter=True)
        .where(col(ReportRow.reporter).in_(list(reporters)))
        .order_by(col(ReportRow.reported_at), col(ReportRow.id))
    )
    rows = (await session.exec(statement)).all()  # type: ignore[call-overload]  # five columns: untyped
    first_ids = await _first_reports(session, {r.ticket_id for r, *_ in rows})
    facts: dict[str, list[ReportFact]] = defaultdict(list)
    for report, payload, store_id, state, explain in rows:
        facts[report.reporter].append(
            ReportFact(
                reporter=report.reporter,
                reporter_name=report.reporter_name,
                channel=report.channel,
                ticket_id=report.ticket_id,
                store_id=store_id,
                town=town_of(stores, store_id),
                reported_at=report.reported_at,
                text=str((payload or {}).get("text", "")),
                language=str((explain or {}).get("language", "")),
                ticket_state=state,
                first_on_ticket=report.id in first_ids,
            )
        )
    return facts


async def _first_reports(session: AsyncSession, ticket_ids: Collection[int]) -> set[int]:
    """The report that opened each ticket (its earliest)."""
    if not ticket_ids:
        return set()
    statement = (
        select(func.min(ReportRow.id))
        .where(col(ReportRow.ticket_id).in_(list(ticket_ids)))
        .group_by(col(ReportRow.ticket_id))
    )
    return {i for i in (await session.exec(statement)).all() if i is not None}


async def _store_reports(session: AsyncSession, facts: Mapping[str, list[ReportFact]]) -> list[StoreReport]:
    """Everyone's reports on the stores these reporters reported, around the times they did."""
    all_facts = [f for listed in facts.values() for f in listed]
    if not all_facts:
        return []
    earliest = min(f.reported_at for f in all_facts) - CROWD_WINDOW
    latest = max(f.reported_at for f in all_facts) + CROWD_WINDOW
    statement = (
        select(TicketRow.store_id, ReportRow.reporter, ReportRow.reported_at)
        .join(TicketRow, col(TicketRow.id) == ReportRow.ticket_id)
        .where(
            col(TicketRow.store_id).in_(sorted({f.store_id for f in all_facts})),
            col(ReportRow.reported_at) >= earliest,
            col(ReportRow.reported_at) <= latest,
        )
    )
    return [StoreReport(s, r, at) for s, r, at in (await session.exec(statement)).all()]


async def _gift_counts(session: AsyncSession, reporters: Collection[str]) -> dict[tuple[str, str], int]:
    statement = (
        select(GiftRow.reporter, GiftRow.state, func.count())
        .where(col(GiftRow.reporter).in_(list(reporters)))
        .group_by(col(GiftRow.reporter), col(GiftRow.state))
    )
    return {(reporter, state): n for reporter, state, n in (await session.exec(statement)).all()}


async def _capped_counts(session: AsyncSession, reporters: Collection[str]) -> dict[str, int]:
    """Each reporter's reports held by the ticket caps."""
    statement = (
        select(HeldReportRow.reporter, func.count())
        .where(col(HeldReportRow.reporter).in_(list(reporters)))
        .group_by(col(HeldReportRow.reporter))
    )
    return {reporter: int(n) for reporter, n in (await session.exec(statement)).all()}


async def histories(
    database: Database,
    reporters: Collection[str],
    stores: Mapping[str, Store | StoreRef],
    store_label: Callable[[str], str],
    policy: GiftPolicy,
) -> dict[str, ReporterHistory]:
    """Each reporter's history and abuse signals, by reporter key."""
    if not reporters:
        return {}
    async with database.session() as session:
        facts = await _facts(session, reporters, stores)
        store_reports = await _store_reports(session, facts)
        gifts = await _gift_counts(session, reporters)
        capped = await _capped_counts(session, reporters)
    names = {f.store_id: store_label(f.store_id) for listed in facts.values() for f in listed}
    return {
        reporter: history_of(
            listed,
            policy=policy,
            store_reports=store_reports,
            store_names=names,
            gifts_held=gifts.get((reporter, GiftState.HELD.value), 0),
            gifts_rejected=gifts.get((reporter, GiftState.REJECTED.value), 0),
            reports_capped=capped.get(reporter, 0),
        )
        for reporter, listed in facts.items()
    }


async def most_helpful(
    database: Database,
    stores: Mapping[str, Store | StoreRef],
    store_label: Callable[[str], str],
    policy: GiftPolicy,
    size: int = 10,
) -> list[ReporterHistory]:
    """The leaderboard: reporters whose reports led to the most restocks, nothing marked not a stock-out."""
    restocks = func.count(distinct(col(ReportRow.ticket_id)))
    statement = (
        select(ReportRow.reporter, restocks)
        .join(TicketRow, col(TicketRow.id) == ReportRow.ticket_id)
        .where(TicketRow.state == TicketState.RESTOCKED.value)
        .group_by(col(ReportRow.reporter))
        .order_by(restocks.desc(), col(ReportRow.reporter))
        .limit(LEADERBOARD_CANDIDATES)
    )
    async with database.session() as session:
        candidates = [reporter for reporter, _ in (await session.exec(statement)).all()]
    found = await histories(database, candidates, stores, store_label, policy)
    return leaderboard(found.values(), size)
