"""The public board's numbers: tickets by column with town and store (never a reporter), time to restock
(median, p90), the share restocked within the 48-hour promise, towns covered, and per-day series by town
and by product. The queries read; the arithmetic below them is plain functions of values."""

from __future__ import annotations

import math
import statistics
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlmodel import select

from restock_bot.retailers import Store, StoreRef
from restock_bot.storage.database import Database
from restock_bot.storage.tables import TicketRow
from restock_bot.tickets.models import TicketState

PROMISE_HOURS = 48.0
SERIES_DAYS = 30
SERIES_TOP = 6  # towns or products drawn on their own; the rest are summed as "Other"
OTHER = "Other"

LETS_DO_IT = (TicketState.OPEN, TicketState.ESCALATED, TicketState.REOPENED)
ON_IT = (TicketState.ACKNOWLEDGED, TicketState.CANNOT_SUPPLY)
DONE = (TicketState.RESTOCKED,)

ProductLabel = Callable[[str | None, str | None], str]


@dataclass(frozen=True, slots=True)
class BoardEntry:
    """One ticket as the public sees it: where, what, since when. No reporter."""

    ticket_id: int
    state: str
    store: str
    town: str
    product: str
    opened_at: datetime
    restocked_at: datetime | None
    hours_to_restock: float | None


@dataclass(frozen=True, slots=True)
class RestockTimes:
    median_hours: float | None
    p90_hours: float | None
    within_promise: float | None  # share of settled tickets restocked within PROMISE_HOURS (0..1)
    restocked: int
    settled: int  # restocked, or older than the promise (the denominator of `within_promise`)


@dataclass(frozen=True, slots=True)
class Series:
    """Tickets per day for a few names (towns or products): `counts[name][i]` is for `days[i]`."""

    days: list[str]
    counts: dict[str, list[int]]


@dataclass(frozen=True, slots=True)
class BoardStatistics:
    lets_do_it: list[BoardEntry]
    on_it: list[BoardEntry]
    done: list[BoardEntry]
    times: RestockTimes
    towns_covered: int
    towns: list[str]
    opened_by_town: Series
    restocked_by_town: Series
    opened_by_product: Series
    restocked_by_product: Series


# --- arithmetic ---------------------------------------------------------------------------------------


def hours_between(start: datetime, end: datetime) -> float:
    return (end - start).total_seconds() / 3600


def percentile(values: Sequence[float], share: float) -> float | None:
    """The value below which `share` (0..1) of the values lie, interpolated between the nearest two."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * share
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def restock_times(restocked_hours: Sequence[float], waiting_since: Iterable[datetime], now: datetime) -> RestockTimes:
    """Median and p90 hours to restock; the share restocked within the promise among tickets that are
    restocked or have been waiting longer than it (a ticket still inside its 48 hours is not counted yet)."""
    late_waiting = sum(1 for opened in waiting_since if hours_between(opened, now) > PROMISE_HOURS)
    settled = len(restocked_hours) + late_waiting
    kept = sum(1 for h in restocked_hours if h <= PROMISE_HOURS)
    return RestockTimes(
        median_hours=statistics.median(restocked_hours) if restocked_hours else None,
        p90_hours=percentile(restocked_hours, 0.9),
        within_promise=kept / settled if settled else None,
        restocked=len(restocked_hours),
        settled=settled,
    )


def per_day(events: Iterable[tuple[str, date]], days: Sequence[date], top: int = SERIES_TOP) -> Series:
    """Count (name, day) events per day for the `top` most frequent names; the others summed as Other."""
    wanted = [(name, day) for name, day in events if days and days[0] <= day <= days[-1]]
    totals = Counter(name for name, _ in wanted)
    leaders = [name for name, _ in sorted(totals.items(), key=lambda kv: (-kv[1], kv[0]))[:top]]
    index = {day: i for i, day in enumerate(days)}
    counts: dict[str, list[int]] = defaultdict(lambda: [0] * len(days))
    for name, day in wanted:
        counts[name if name in leaders else OTHER][index[day]] += 1
    ordered = leaders + ([OTHER] if OTHER in counts and OTHER not in leaders else [])
    return Series([d.isoformat() for d in days], {name: counts[name] for name in ordered})


def day_range(first: date, last: date, limit: int = SERIES_DAYS) -> list[date]:
    start = max(first, last - timedelta(days=limit - 1))
    return [start + timedelta(days=i) for i in range((last - start).days + 1)]


# --- queries ------------------------------------------------------------------------------------------


async def board_statistics(
    database: Database,
    stores: Mapping[str, Store | StoreRef],
    store_label: Callable[[str], str],
    product_label: ProductLabel,
    now: datetime,
    *,
    list_size: int = 30,
) -> BoardStatistics:
    """Everything the board shows besides the counts."""
    statement = select(TicketRow).where(TicketRow.state != TicketState.NOT_A_STOCKOUT.value)
    async with database.session() as session:
        rows = list((await session.exec(statement)).all())
    return _statistics(rows, stores, store_label, product_label, now, list_size)


def _town(stores: Mapping[str, Store | StoreRef], store_id: str) -> str:
    store = stores.get(store_id)
    return store.city if store else ""


def _statistics(
    rows: Sequence[TicketRow],
    stores: Mapping[str, Store | StoreRef],
    store_label: Callable[[str], str],
    product_label: ProductLabel,
    now: datetime,
    list_size: int,
) -> BoardStatistics:
    def entry(row: TicketRow) -> BoardEntry:
        restocked = row.restocked_at if row.state == TicketState.RESTOCKED.value else None
        return BoardEntry(
            ticket_id=row.id or 0,
            state=row.state,
            store=store_label(row.store_id),
            town=_town(stores, row.store_id),
            product=product_label(row.sku, row.brand),
            opened_at=row.opened_at,
            restocked_at=restocked,
            hours_to_restock=hours_between(row.opened_at, restocked) if restocked else None,
        )

    def column(states: Sequence[TicketState], newest: Callable[[TicketRow], datetime]) -> list[BoardEntry]:
        wanted = {s.value for s in states}
        chosen = sorted((r for r in rows if r.state in wanted), key=newest, reverse=True)[:list_size]
        return [entry(r) for r in chosen]

    restocked = [r for r in rows if r.state == TicketState.RESTOCKED.value and r.restocked_at]
    active = {s.value for s in (*LETS_DO_IT, *ON_IT)}
    times = restock_times(
        [hours_between(r.opened_at, r.restocked_at) for r in restocked if r.restocked_at],
        [r.opened_at for r in rows if r.state in active],
        now,
    )
    towns = sorted({t for t in (_town(stores, r.store_id) for r in rows) if t})
    days = day_range(min((r.opened_at.date() for r in rows), default=now.date()), now.date())
    opened = [(r, r.opened_at.date()) for r in rows]
    done = [(r, r.restocked_at.date()) for r in restocked if r.restocked_at]
    return BoardStatistics(
        lets_do_it=column(LETS_DO_IT, lambda r: r.opened_at),
        on_it=column(ON_IT, lambda r: r.acknowledged_at or r.cannot_supply_at or r.opened_at),
        done=column(DONE, lambda r: r.restocked_at or r.opened_at),
        times=times,
        towns_covered=len(towns),
        towns=towns,
        opened_by_town=per_day(((_town(stores, r.store_id) or OTHER, d) for r, d in opened), days),
        restocked_by_town=per_day(((_town(stores, r.store_id) or OTHER, d) for r, d in done), days),
        opened_by_product=per_day(((product_label(r.sku, r.brand), d) for r, d in opened), days),
        restocked_by_product=per_day(((product_label(r.sku, r.brand), d) for r, d in done), days),
    )
