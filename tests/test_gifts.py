"""Gifts: one per reporter per 30 days, suspicious reporters held for review, marketing's queue and CSV."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest

from restock_bot.gifts import (
    Gift,
    GiftPolicy,
    GiftState,
    IllegalGiftTransition,
    ReporterRecord,
    approve,
    assess_gift,
    gifts_csv,
    reject,
    ship,
)

NOW = datetime(2025, 3, 10, 12, 0, tzinfo=UTC)
POLICY = GiftPolicy(cooldown_days=30, max_reports_per_day=5)


def record(last_gift_at: datetime | None = None, reports: int = 1, refused: int = 0) -> ReporterRecord:
    return ReporterRecord(
        last_gift_at=last_gift_at,
        report_times=[NOW - timedelta(minutes=i) for i in range(reports)],
        not_a_stockout_reports=refused,
    )


def gift(state: GiftState = GiftState.QUEUED, name: str = "asha") -> Gift:
    return Gift(
        id=3,
        reporter="x:1",
        reporter_name=name,
        channel="x",
        ticket_id=9,
        store_id="S1",
        state=state,
        reason="report led to a restock",
        created_at=NOW,
    )


def test_reporter_whose_report_led_to_a_restock_is_queued() -> None:
    assert assess_gift(record(), NOW, POLICY).state is GiftState.QUEUED


def test_second_gift_within_30_days_is_not_given() -> None:
    verdict = assess_gift(record(last_gift_at=NOW - timedelta(days=29)), NOW, POLICY)
    assert verdict.state is None and "30 days" in verdict.reason
    assert assess_gift(record(last_gift_at=NOW - timedelta(days=31)), NOW, POLICY).state is GiftState.QUEUED


def test_reporter_with_too_many_reports_a_day_is_held_with_a_reason() -> None:
    verdict = assess_gift(record(reports=6), NOW, POLICY)
    assert verdict.state is GiftState.HELD
    assert "6 reports on 2025-03-10" in verdict.reason
    assert assess_gift(record(reports=5), NOW, POLICY).state is GiftState.QUEUED


def test_reporter_with_reports_marked_not_a_stockout_is_held() -> None:
    verdict = assess_gift(record(refused=1), NOW, POLICY)
    assert verdict.state is GiftState.HELD and "not a stock-out" in verdict.reason


def test_marketing_approves_then_ships() -> None:
    approved = approve(gift(GiftState.HELD), who="meera", at=NOW, note="looked fine")
    assert (approved.state, approved.decided_by, approved.note) == (
        GiftState.APPROVED,
        "meera",
        "looked fine",
    )
    shipped = ship(approved, who="meera", at=NOW + timedelta(days=1))
    assert shipped.state is GiftState.SHIPPED and shipped.shipped_at == NOW + timedelta(days=1)


def test_rejection_needs_a_note() -> None:
    with pytest.raises(IllegalGiftTransition, match="needs a note"):
        reject(gift(), who="meera", at=NOW, note="  ")
    assert reject(gift(), who="meera", at=NOW, note="duplicate account").note == "duplicate account"


def test_only_approved_gifts_ship() -> None:
    with pytest.raises(IllegalGiftTransition, match="gift #3 is queued: cannot mark shipped"):
        ship(gift(), who="meera", at=NOW)


def test_csv_export_has_a_header_and_one_row_per_gift() -> None:
    rows = list(csv.DictReader(io.StringIO(gifts_csv([gift(), gift(GiftState.APPROVED, "ravi")]))))
    assert [r["reporter_name"] for r in rows] == ["asha", "ravi"]
    assert rows[0]["state"] == "queued" and rows[0]["created_at"] == NOW.isoformat()


def test_csv_export_keeps_reporter_names_from_running_as_formulas() -> None:
    [row] = list(csv.DictReader(io.StringIO(gifts_csv([gift(name='=HYPERLINK("http://evil")')]))))
    assert row["reporter_name"].startswith("'=")
