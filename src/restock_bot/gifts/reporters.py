"""A reporter as marketing reads them before sending a gift: their history, the abuse signals in it, and
how helpful they have been (pure: the facts are gathered by the caller)."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import combinations

from rapidfuzz import fuzz

from restock_bot.gifts.eligibility import GiftPolicy, busiest_day

NEAR_IDENTICAL = 90.0  # rapidfuzz ratio at or above which two reports read as one text posted twice
CROWD_WINDOW = timedelta(hours=1)
CROWD_ACCOUNTS = 4  # this many accounts reporting one store within the window look coordinated
MAX_COMPARED = 50  # near-identical texts are looked for among a reporter's latest reports only


@dataclass(frozen=True, slots=True)
class ReportFact:
    """One report as the history needs it."""

    reporter: str
    reporter_name: str
    channel: str
    ticket_id: int
    store_id: str
    town: str
    reported_at: datetime
    text: str
    language: str
    ticket_state: str
    first_on_ticket: bool  # this report opened the ticket


@dataclass(frozen=True, slots=True)
class StoreReport:
    """Who reported a store when: enough to see many accounts reporting one store at once."""

    store_id: str
    reporter: str
    reported_at: datetime


@dataclass(frozen=True, slots=True)
class Signal:
    """Something in a reporter's history a person should look at before a gift goes out."""

    kind: str  # not_a_stockout | burst | near_identical | crowd | capped | held | rejected
    text: str


@dataclass(frozen=True, slots=True)
class ReporterHistory:
    reporter: str
    reporter_name: str
    channel: str
    reports: int
    tickets: int
    restocks: int  # distinct tickets they reported that were restocked
    first_reports: int  # restocked tickets their report opened
    not_a_stockout: int  # their reports on tickets called not a stock-out
    first_seen: datetime | None
    last_seen: datetime | None
    towns: tuple[str, ...]  # most reported first
    languages: tuple[str, ...]
    signals: tuple[Signal, ...]

    @property
    def label(self) -> str:
        return self.reporter_name or self.reporter


def _near_identical(facts: Sequence[ReportFact]) -> int:
    """How many of the reports repeat another report's text on a different ticket."""
    latest = sorted(facts, key=lambda f: f.reported_at)[-MAX_COMPARED:]
    texts = [(f.ticket_id, " ".join(f.text.casefold().split())) for f in latest]
    repeated: set[int] = set()
    for (i, (ticket_a, a)), (j, (ticket_b, b)) in combinations(enumerate(texts), 2):
        if ticket_a != ticket_b and a and b and fuzz.ratio(a, b) >= NEAR_IDENTICAL:
            repeated.update((i, j))
    return len(repeated)


def crowded_stores(
    facts: Sequence[ReportFact], store_reports: Iterable[StoreReport], store_names: dict[str, str]
) -> list[str]:
    """The stores this reporter reported while many other accounts reported them within the hour."""
    by_store: dict[str, list[StoreReport]] = defaultdict(list)
    for r in store_reports:
        by_store[r.store_id].append(r)
    crowded: list[str] = []
    for store_id in sorted({f.store_id for f in facts}):
        mine = [f.reported_at for f in facts if f.store_id == store_id]
        others = by_store.get(store_id, [])
        most = max(
            (len({r.reporter for r in others if abs(r.reported_at - at) <= CROWD_WINDOW}) for at in mine),
            default=0,
        )
        if most >= CROWD_ACCOUNTS:
            crowded.append(f"{most} accounts reported {store_names.get(store_id, store_id)} within an hour")
    return crowded


def history_of(
    facts: Sequence[ReportFact],
    *,
    policy: GiftPolicy,
    store_reports: Iterable[StoreReport] = (),
    store_names: dict[str, str] | None = None,
    gifts_held: int = 0,
    gifts_rejected: int = 0,
    reports_capped: int = 0,
) -> ReporterHistory:
    """One reporter's history from their reports (all for the same reporter), with the abuse signals."""
    first = facts[0] if facts else None
    tickets = {f.ticket_id for f in facts}
    restocked = {f.ticket_id for f in facts if f.ticket_state == "restocked"}
    opened_restocked = {f.ticket_id for f in facts if f.ticket_state == "restocked" and f.first_on_ticket}
    refused = sum(1 for f in facts if f.ticket_state == "not_a_stockout")
    times = [f.reported_at for f in facts]
    signals: list[Signal] = []
    if refused:
        signals.append(Signal("not_a_stockout", f"{refused} report(s) marked not a stock-out"))
    day, busiest = busiest_day(times)
    if busiest > policy.max_reports_per_day:
        signals.append(Signal("burst", f"{busiest} reports on {day} (more than {policy.max_reports_per_day} a day)"))
    repeated = _near_identical(facts)
    if repeated:
        signals.append(Signal("near_identical", f"{repeated} near-identical reports on different tickets"))
    for text in crowded_stores(facts, store_reports, store_names or {}):
        signals.append(Signal("crowd", text))
    if reports_capped:
        signals.append(Signal("capped", f"{reports_capped} report(s) held by the ticket caps (no ticket)"))
    if gifts_held:
        signals.append(Signal("held", f"{gifts_held} gift(s) on hold now"))
    if gifts_rejected:
        signals.append(Signal("rejected", f"{gifts_rejected} earlier gift(s) rejected"))
    towns = Counter(f.town for f in facts if f.town)
    languages = Counter(f.language for f in facts if f.language and f.language != "und")
    return ReporterHistory(
        reporter=first.reporter if first else "",
        reporter_name=next((f.reporter_name for f in reversed(facts) if f.reporter_name), ""),
        channel=first.channel if first else "",
        reports=len(facts),
        tickets=len(tickets),
        restocks=len(restocked),
        first_reports=len(opened_restocked),
        not_a_stockout=refused,
        first_seen=min(times) if times else None,
        last_seen=max(times) if times else None,
        towns=tuple(t for t, _ in towns.most_common()),
        languages=tuple(lang for lang, _ in languages.most_common()),
        signals=tuple(signals),
    )


def helpfulness(history: ReporterHistory) -> tuple[int, int, int, int]:
    """Sort key of the leaderboard (higher is more helpful): restocks their reports led to, restocked
    tickets they were first to report, fewer reports called not a stock-out, more reports."""
    return (history.restocks, history.first_reports, -history.not_a_stockout, history.reports)


def leaderboard(histories: Iterable[ReporterHistory], size: int = 10) -> list[ReporterHistory]:
    """The most helpful reporters: at least one restock, and nothing marked not a stock-out."""
    helpful = sorted((h for h in histories if h.restocks and not h.not_a_stockout), key=lambda h: h.reporter)
    return sorted(helpful, key=helpfulness, reverse=True)[:size]  # stable: ties stay in name order
