"""The caps and the guard's signals as plain values: who may open a ticket, what makes a burst of new
accounts, what is far from a reporter's usual towns, and how the reasons read on a held gift."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from restock_bot.gifts import GiftPolicy, GiftState, ReporterRecord, assess_gift
from restock_bot.gifts.abuse import AbusePolicy, AccountReport, Place, burst_of_new_accounts, far_from_usual_towns
from restock_bot.tickets.caps import ReportCaps, cap_hit

AT = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
CAPS = ReportCaps(tickets_per_reporter_day=5, tickets_per_store=10, store_window_hours=1)
POLICY = AbusePolicy()
MUMBAI = Place("Mumbai", 19.0760, 72.8777)
THANE = Place("Thane", 19.2183, 72.9781)
DELHI = Place("Delhi", 28.6139, 77.2090)


def test_a_reporter_under_both_caps_may_open_a_ticket() -> None:
    assert cap_hit(by_reporter=4, at_store=9, store_label="Kirana 1", caps=CAPS) is None


def test_the_reporter_cap_comes_first_and_says_why() -> None:
    hit = cap_hit(by_reporter=5, at_store=10, store_label="Kirana 1", caps=CAPS)
    assert hit is not None and hit.cap == "reporter"
    assert hit.reason.startswith("reporter opened 5 new tickets in 24 h (cap 5)")


def test_the_store_cap_names_the_store_and_window() -> None:
    hit = cap_hit(by_reporter=0, at_store=10, store_label="Kirana 1, Mumbai", caps=CAPS)
    assert hit is not None and hit.cap == "store"
    assert hit.reason.startswith("10 new tickets at Kirana 1, Mumbai within 1 h (cap 10)")


def accounts(n: int, *, age: timedelta, spread: timedelta) -> list[AccountReport]:
    return [AccountReport(f"x:a{i}", AT + spread * i, AT + spread * i - age) for i in range(n)]


def test_five_new_accounts_on_one_store_within_the_hour_are_a_burst() -> None:
    crowd = accounts(5, age=timedelta(days=1), spread=timedelta(minutes=5))
    reason = burst_of_new_accounts(AT - timedelta(days=1), AT, crowd, POLICY)
    assert reason == "burst of new accounts: 5 accounts new within 7 days reported this store within 1 h"


def test_old_accounts_spread_out_reports_and_an_old_reporter_are_no_burst() -> None:
    old = accounts(8, age=timedelta(days=400), spread=timedelta(minutes=5))
    assert burst_of_new_accounts(AT - timedelta(days=1), AT, old, POLICY) is None
    spread = accounts(8, age=timedelta(days=1), spread=timedelta(hours=3))
    assert burst_of_new_accounts(AT - timedelta(days=1), AT, spread, POLICY) is None
    crowd = accounts(8, age=timedelta(days=1), spread=timedelta(minutes=5))
    assert burst_of_new_accounts(AT - timedelta(days=400), AT, crowd, POLICY) is None  # the regular is not held


def test_a_store_far_from_every_usual_town_is_flagged_with_the_distance() -> None:
    reason = far_from_usual_towns(DELHI, [MUMBAI, MUMBAI, THANE], POLICY)
    assert reason is not None and reason.startswith("far from usual towns: Delhi is 11")
    assert reason.endswith(" km from Mumbai, Thane")


def test_near_stores_and_short_histories_are_not_far() -> None:
    assert far_from_usual_towns(THANE, [MUMBAI, MUMBAI], POLICY) is None
    assert far_from_usual_towns(DELHI, [MUMBAI], POLICY) is None  # one other report is not a habit
    assert far_from_usual_towns(None, [MUMBAI, MUMBAI], POLICY) is None  # store without coordinates


def test_a_held_gift_lists_every_reason() -> None:
    record = ReporterRecord(
        last_gift_at=None,
        report_times=[AT + timedelta(minutes=i) for i in range(7)],
        not_a_stockout_reports=0,
        held_reports=40,
        account_since=AT - timedelta(hours=2),
        reported_at=AT,
        store_reports=accounts(6, age=timedelta(hours=2), spread=timedelta(minutes=1)),
        store_place=DELHI,
        usual_places=[MUMBAI, THANE],
    )
    verdict = assess_gift(record, AT, GiftPolicy())
    assert verdict.state is GiftState.HELD
    assert verdict.reason.split("; ") == [
        "40 report(s) held by the ticket caps",
        "burst of new accounts: 6 accounts new within 7 days reported this store within 1 h",
        verdict.reason.split("; ")[2],
        "7 reports on 2025-03-03 (more than 5 a day)",
    ]
    assert verdict.reason.split("; ")[2].startswith("far from usual towns: Delhi is ")
