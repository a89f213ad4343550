"""Who gets a gift: one per reporter per cooldown, and a guard that holds suspicious reporters for review."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from restock_bot.gifts.queue import GiftState


@dataclass(frozen=True, slots=True)
class GiftPolicy:
    cooldown_days: float = 30.0
    max_reports_per_day: int = 5


@dataclass(frozen=True, slots=True)
class ReporterRecord:
    """What the guard needs to know about a reporter (gathered by the caller)."""

    last_gift_at: datetime | None  # latest gift not rejected
    report_times: Sequence[datetime]  # their reports over the cooldown window
    not_a_stockout_reports: int  # their reports on tickets the distributor marked not a stock-out


@dataclass(frozen=True, slots=True)
class Verdict:
    """QUEUED or HELD with the reason, or no gift (state None) with the reason."""

    state: GiftState | None
    reason: str


def busiest_day(times: Sequence[datetime]) -> tuple[str, int]:
    """The UTC day with the most reports, and how many."""
    if not times:
        return "", 0
    day, count = Counter(t.date().isoformat() for t in times).most_common(1)[0]
    return day, count


def assess_gift(record: ReporterRecord, now: datetime, policy: GiftPolicy) -> Verdict:
    """Decide a restock's gift for one reporter: none inside the cooldown, held when the guard objects."""
    cooldown = timedelta(days=policy.cooldown_days)
    if record.last_gift_at is not None and now - record.last_gift_at < cooldown:
        return Verdict(
            None,
            f"already had a gift on {record.last_gift_at:%Y-%m-%d} (one per {policy.cooldown_days:g} days)",
        )
    if record.not_a_stockout_reports:
        return Verdict(GiftState.HELD, f"{record.not_a_stockout_reports} report(s) marked not a stock-out")
    day, count = busiest_day(record.report_times)
    if count > policy.max_reports_per_day:
        return Verdict(GiftState.HELD, f"{count} reports on {day} (more than {policy.max_reports_per_day} a day)")
    return Verdict(GiftState.QUEUED, "report led to a restock")
