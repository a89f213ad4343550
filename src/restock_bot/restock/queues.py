"""Distributor queues as the portal reads them: the tickets of one distributor (or of all the distributors
under an area manager), filtered by town, store, sku and state, the least time left first; the choices
for those filters; and a ticket's reports with their text, reporter and triage's reasons."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from restock_bot.retailers import Store, StoreRef
from restock_bot.storage import tickets
from restock_bot.storage.database import Database
from restock_bot.storage.tables import DecisionRow, PostRow, ReportRow, TicketRow
from restock_bot.tickets.models import ACTIVE_STATES, Ticket, TicketState

LIMIT = 500


@dataclass(frozen=True, slots=True)
class QueueFilter:
    """What the portal's filters ask for; empty means any. No state means the active ones."""

    town: str = ""
    store_id: str = ""
    sku: str = ""
    state: TicketState | None = None

    @property
    def states(self) -> list[str]:
        return [self.state.value] if self.state else [s.value for s in ACTIVE_STATES]


@dataclass(frozen=True, slots=True)
class QueueTicket:
    """One ticket in a portal queue."""

    ticket: Ticket
    reports: int
    hours_left: float  # negative once the deadline has passed


@dataclass(frozen=True, slots=True)
class FilterChoices:
    """What the filters can choose among (from every ticket of these distributors)."""

    towns: list[str] = field(default_factory=list)
    stores: list[tuple[str, str]] = field(default_factory=list)  # (store_id, label)
    skus: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class ReportView:
    """A report on a ticket as the distributor sees it."""

    reporter: str
    reporter_name: str
    channel: str
    post_id: str
    reported_at: datetime
    text: str
    language: str
    reasons: list[str]


def _in_town(stores: Mapping[str, Store | StoreRef], town: str) -> list[str]:
    wanted = town.casefold()
    return [s.store_id for s in stores.values() if s.city.casefold() == wanted]


def urgency(hours_left: float, state: str) -> str:
    """The colour of a ticket's time left: overdue, today (under 12 h), soon (under 24 h), ok; closed."""
    if state not in {s.value for s in ACTIVE_STATES}:
        return "closed"
    if hours_left < 0:
        return "overdue"
    if hours_left < 12:
        return "today"
    if hours_left < 24:
        return "soon"
    return "ok"


async def portal_queue(
    database: Database,
    distributor_ids: Collection[str],
    wanted: QueueFilter,
    stores: Mapping[str, Store | StoreRef],
    now: datetime,
) -> list[QueueTicket]:
    """The distributors' tickets matching the filter: the least time left first (closed ones: latest first)."""
    statement = select(TicketRow).where(
        col(TicketRow.distributor_id).in_(list(distributor_ids)), col(TicketRow.state).in_(wanted.states)
    )
    if wanted.town:
        statement = statement.where(col(TicketRow.store_id).in_(_in_town(stores, wanted.town)))
    if wanted.store_id:
        statement = statement.where(TicketRow.store_id == wanted.store_id)
    if wanted.sku:
        statement = statement.where(TicketRow.sku == wanted.sku)
    closed = wanted.state is not None and wanted.state not in ACTIVE_STATES
    order = (
        [col(TicketRow.closed_at).desc(), col(TicketRow.id).desc()]
        if closed
        else [col(TicketRow.deadline), col(TicketRow.priority).desc(), col(TicketRow.id)]
    )
    async with database.session() as session:
        rows = list((await session.exec(statement.order_by(*order).limit(LIMIT))).all())
        counts = await report_counts(session, [r.id for r in rows if r.id is not None])
    return [
        QueueTicket(tickets.ticket_of(r), counts.get(r.id or 0, 0), (r.deadline - now).total_seconds() / 3600)
        for r in rows
    ]


async def report_counts(session: AsyncSession, ticket_ids: Sequence[int]) -> dict[int, int]:
    if not ticket_ids:
        return {}
    statement = (
        select(ReportRow.ticket_id, func.count())
        .where(col(ReportRow.ticket_id).in_(list(ticket_ids)))
        .group_by(col(ReportRow.ticket_id))
    )
    return {ticket_id: n for ticket_id, n in (await session.exec(statement)).all()}


async def filter_choices(
    database: Database,
    distributor_ids: Collection[str],
    stores: Mapping[str, Store | StoreRef],
    store_label: Callable[[str], str],
) -> FilterChoices:
    """The towns, stores and skus of every ticket these distributors ever had."""
    statement = (
        select(TicketRow.store_id, TicketRow.sku)
        .where(col(TicketRow.distributor_id).in_(list(distributor_ids)))
        .distinct()
    )
    async with database.session() as session:
        pairs = (await session.exec(statement)).all()
    store_ids = sorted({s for s, _ in pairs})
    towns = sorted({stores[s].city for s in store_ids if s in stores and stores[s].city})
    named = sorted(((s, store_label(s)) for s in store_ids), key=lambda pair: pair[1].casefold())
    return FilterChoices(towns, named, sorted({sku for _, sku in pairs if sku}))


async def ticket_reports(database: Database, ticket_id: int) -> list[ReportView]:
    """Every report on the ticket, oldest first, with the post's text and why triage counted it."""
    decided_post = func.coalesce(ReportRow.via_post_row_id, ReportRow.post_row_id)
    statement = (
        select(ReportRow, PostRow.post_id, PostRow.payload, DecisionRow.explain)
        .join(PostRow, col(PostRow.id) == ReportRow.post_row_id)
        .join(DecisionRow, col(DecisionRow.post_row_id) == decided_post, isouter=True)
        .where(ReportRow.ticket_id == ticket_id)
        .order_by(col(ReportRow.reported_at), col(ReportRow.id))
    )
    async with database.session() as session:
        rows = (await session.exec(statement)).all()
    return [
        ReportView(
            reporter=report.reporter,
            reporter_name=report.reporter_name,
            channel=report.channel,
            post_id=post_id,
            reported_at=report.reported_at,
            text=str((payload or {}).get("text", "")),
            language=str((explain or {}).get("language", "")),
            reasons=[r for r in (explain or {}).get("reasons", []) if isinstance(r, str)],
        )
        for report, post_id, payload, explain in rows
    ]
