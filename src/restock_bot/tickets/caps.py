"""Rate caps on new tickets: one reporter, or one store, may not open a flood of tickets (and so a flood of
distributor notifications). A report over a cap still counts: it joins an open ticket when there is one,
else it is held with the reason, without a ticket and without telling a distributor (pure)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

REPORTER_WINDOW = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class ReportCaps:
    tickets_per_reporter_day: int = 5
    tickets_per_store: int = 10
    store_window_hours: float = 1.0

    @property
    def store_window(self) -> timedelta:
        return timedelta(hours=self.store_window_hours)


@dataclass(frozen=True, slots=True)
class CapHit:
    """Which cap a report hit (reporter | store), and why, in words for the operator."""

    cap: str
    reason: str


def cap_hit(*, by_reporter: int, at_store: int, store_label: str, caps: ReportCaps) -> CapHit | None:
    """Whether a report that would open (or reopen) a ticket must be held instead: `by_reporter` tickets
    the reporter opened in the last 24 h, `at_store` tickets opened at the store in the store window."""
    if by_reporter >= caps.tickets_per_reporter_day:
        return CapHit(
            "reporter",
            f"reporter opened {by_reporter} new tickets in 24 h (cap {caps.tickets_per_reporter_day}): "
            "held without a new ticket; no distributor told",
        )
    if at_store >= caps.tickets_per_store:
        return CapHit(
            "store",
            f"{at_store} new tickets at {store_label} within {caps.store_window_hours:g} h "
            f"(cap {caps.tickets_per_store}): held without a new ticket; no distributor told",
        )
    return None
