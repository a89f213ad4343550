"""Who gets a gift: one per reporter per cooldown, and a guard that holds suspicious reporters for review."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from restock_bot.gifts.abuse import AbusePolicy, AccountReport, Place, burst_of_new_accounts, far_from_usual_towns
from restock_bot.gifts.queue import GiftState


@dataclass(frozen=True, slots=True)
class GiftPolicy:
    cooldown_days: float = 30.0
    max_reports_per_day: int = 5
    abuse: AbusePolicy = field(default_factory=AbusePolicy)


@dataclass(frozen=True, slots=True)
class ReporterRecord:
    """What the guard needs to know about a reporter (gathered by the caller)."""

    last_gift_at: datetime | None  # latest gift not rejected
    report_times: Sequence[datetime]  # their reports over the cooldown window
    not_a_stockout_reports: int  # their reports on tickets the distributor marked not a stock-out
    held_reports: int = 0  # their reports the ticket caps held (no ticket) over the cooldown window
    account_since: datetime | None = None  # the account's creation, or when we first saw it
    reported_at: datetime | None = None  # their report on the restocked ticket
    store_reports: Sequence[AccountReport] = ()  # everyone's reports on that store around then
    store_place: Place | None = None  # where that store is
    usual_places: Sequence[Place] = ()  # the other stores they reported (with coordinates)


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


def hold_reasons(record: ReporterRecord, policy: GiftPolicy) -> list[str]:
    """Every reason the guard has to want a person to look before the gift goes out (none: queue it)."""
    reasons: list[str] = []
    if record.not_a_stockout_reports:
        reasons.append(f"{record.not_a_stockout_reports} report(s) marked not a stock-out")
    if record.held_reports:
        reasons.append(f"{record.held_reports} report(s) held by the ticket caps")
    burst = burst_of_new_accounts(record.account_since, record.reported_at, record.store_reports, policy.abuse)
    far = far_from_usual_towns(record.store_place, record.usual_places, policy.abuse)
    reasons.extend(r for r in (burst, far) if r)
    day, count = busiest_day(record.report_times)
    if count > policy.max_reports_per_day:
        reasons.append(f"{count} reports on {day} (more than {policy.max_reports_per_day} a day)")
    return reasons


def assess_gift(record: ReporterRecord, now: datetime, policy: GiftPolicy) -> Verdict:
    """Decide a restock's gift for one reporter: none inside the cooldown, held when the guard objects."""
    cooldown = timedelta(days=policy.cooldown_days)
    if record.last_gift_at is not None and now - record.last_gift_at < cooldown:
        return Verdict(
            None,
            f"already had a gift on {record.last_gift_at:%Y-%m-%d} (one per {policy.cooldown_days:g} days)",
        )
    reasons = hold_reasons(record, policy)
    if reasons:
        return Verdict(GiftState.HELD, "; ".join(reasons))
    return Verdict(GiftState.QUEUED, "report led to a restock")
