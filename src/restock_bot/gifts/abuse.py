"""Abuse signals that hold a gift for review (pure): many new accounts reporting one store at once, and a
store far from every town the reporter reported before."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from geopy.distance import geodesic

BURST_OF_NEW_ACCOUNTS = "burst of new accounts"
FAR_FROM_USUAL_TOWNS = "far from usual towns"


@dataclass(frozen=True, slots=True)
class AbusePolicy:
    fresh_account_days: float = 7.0
    burst_accounts: int = 5
    burst_window_hours: float = 1.0
    far_km: float = 300.0
    usual_min_reports: int = 2

    @property
    def burst_window(self) -> timedelta:
        return timedelta(hours=self.burst_window_hours)


@dataclass(frozen=True, slots=True)
class AccountReport:
    """One account's report on a store: when, and since when the account exists (its creation on the
    channel when the channel says so, else when we first saw it)."""

    reporter: str
    reported_at: datetime
    account_since: datetime


@dataclass(frozen=True, slots=True)
class Place:
    """A reported store's town and coordinates."""

    town: str
    lat: float
    lon: float


def is_new_account(account_since: datetime | None, at: datetime, policy: AbusePolicy) -> bool:
    """The account was first seen (or made) at most `fresh_account_days` before `at`."""
    return account_since is not None and at - account_since <= timedelta(days=policy.fresh_account_days)


def new_accounts_around(reports: Sequence[AccountReport], at: datetime, policy: AbusePolicy) -> int:
    """How many distinct new accounts reported the store within the burst window of `at`."""
    return len(
        {
            r.reporter
            for r in reports
            if abs(r.reported_at - at) <= policy.burst_window and is_new_account(r.account_since, r.reported_at, policy)
        }
    )


def burst_of_new_accounts(
    account_since: datetime | None,
    reported_at: datetime | None,
    store_reports: Sequence[AccountReport],
    policy: AbusePolicy,
) -> str | None:
    """The reason to hold a new account's gift when it reported its store among a burst of new accounts."""
    if reported_at is None or not is_new_account(account_since, reported_at, policy):
        return None
    count = new_accounts_around(store_reports, reported_at, policy)
    if count < policy.burst_accounts:
        return None
    return (
        f"{BURST_OF_NEW_ACCOUNTS}: {count} accounts new within {policy.fresh_account_days:g} days reported "
        f"this store within {policy.burst_window_hours:g} h"
    )


def km_between(a: Place, b: Place) -> float:
    return float(geodesic((a.lat, a.lon), (b.lat, b.lon)).km)


def far_from_usual_towns(store: Place | None, usual: Sequence[Place], policy: AbusePolicy) -> str | None:
    """The reason to hold a gift for a store further than `far_km` from every store the reporter reported
    before (once they reported at least `usual_min_reports` other stores with known coordinates)."""
    if store is None or len(usual) < policy.usual_min_reports:
        return None
    nearest = min(km_between(store, p) for p in usual)
    if nearest <= policy.far_km:
        return None
    towns = [town for town, _ in Counter(p.town for p in usual if p.town).most_common(3)]
    where = store.town or "the store"
    return f"{FAR_FROM_USUAL_TOWNS}: {where} is {nearest:.0f} km from {', '.join(towns) or 'their other stores'}"
