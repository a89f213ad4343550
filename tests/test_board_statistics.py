"""The board's arithmetic: percentiles, the share kept within the 48-hour promise, per-day series."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from restock_bot.restock.statistics import day_range, per_day, percentile, restock_times

NOW = datetime(2025, 3, 10, 12, 0, tzinfo=UTC)


def test_percentile_interpolates_between_the_nearest_two() -> None:
    assert percentile([], 0.9) is None
    assert percentile([7.0], 0.9) == 7.0
    assert percentile([10.0, 60.0], 0.9) == 55.0
    assert percentile([float(h) for h in range(1, 11)], 0.9) == 9.1


def test_share_within_the_promise_counts_tickets_still_waiting_past_48_hours_as_missed() -> None:
    times = restock_times([12.0, 30.0, 50.0], [NOW - timedelta(hours=60), NOW - timedelta(hours=5)], NOW)
    assert (times.restocked, times.settled) == (3, 4)  # the 5-hour-old ticket is not counted yet
    assert times.within_promise == 0.5 and times.median_hours == 30.0
    assert restock_times([], [], NOW).within_promise is None


def test_per_day_keeps_the_busiest_names_and_sums_the_rest_as_other() -> None:
    days = day_range(date(2025, 3, 1), date(2025, 3, 3))
    events = [("Pune", date(2025, 3, 1)), ("Pune", date(2025, 3, 3)), ("Mumbai", date(2025, 3, 2)),
              ("Nashik", date(2025, 3, 2)), ("Pune", date(2025, 2, 1))]  # fmt: skip

    series = per_day(events, days, top=2)

    assert series.days == ["2025-03-01", "2025-03-02", "2025-03-03"]
    assert series.counts == {"Pune": [1, 0, 1], "Mumbai": [0, 1, 0], "Other": [0, 1, 0]}


def test_day_range_covers_at_most_the_last_thirty_days() -> None:
    days = day_range(date(2024, 1, 1), date(2025, 3, 10))
    assert len(days) == 30 and days[-1] == date(2025, 3, 10)
