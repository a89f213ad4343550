"""What marketing reads about a reporter before a gift goes out: the history, the abuse signals in it and
the leaderboard of the most helpful (pure: plain values in, plain values out)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from restock_bot.gifts import GiftPolicy, hold
from restock_bot.gifts.queue import Gift, GiftState, IllegalGiftTransition
from restock_bot.gifts.reporters import ReportFact, StoreReport, history_of, leaderboard

AT = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
POLICY = GiftPolicy(cooldown_days=30, max_reports_per_day=3)


def fact(ticket: int, text: str = "no Nibbo", *, reporter: str = "x:asha", hours: float = 0, store: str = "S1",
         state: str = "open", town: str = "Pune", language: str = "en", first: bool = True) -> ReportFact:  # fmt: skip
    return ReportFact(
        reporter, "Asha", "x", ticket, store, town, AT + timedelta(hours=hours), text, language, state, first
    )


def test_history_counts_reports_restocks_first_seen_towns_and_languages() -> None:
    history = history_of(
        [
            fact(1, "Nibbo masala gone at DMart Powai", state="restocked", town="Mumbai"),
            fact(2, "koi Nibbo nahin mila Kothrud mein", hours=30, state="restocked", language="hi-Latn", first=False),
            fact(3, "no cheesy Nibbo at the Baner store", hours=50, state="open"),
        ],
        policy=POLICY,
    )

    assert (history.reports, history.tickets, history.restocks, history.first_reports) == (3, 3, 2, 1)
    assert history.first_seen == AT and history.last_seen == AT + timedelta(hours=50)
    assert history.towns == ("Pune", "Mumbai") and history.languages == ("en", "hi-Latn")
    assert history.signals == ()


def test_a_burst_of_reports_in_one_day_is_a_signal() -> None:
    texts = ("masala gone at Powai", "koi cheesy nahin Kothrud", "peri peri khatam Baner", "no tomato flavour at Aundh")
    facts = [fact(i, text, hours=i) for i, text in enumerate(texts)]
    [signal] = history_of(facts, policy=POLICY).signals
    assert (signal.kind, signal.text) == ("burst", "4 reports on 2025-03-03 (more than 3 a day)")


def test_the_same_text_on_different_tickets_is_near_identical() -> None:
    facts = [
        fact(1, "No Nibbo Masala at the store!!", hours=0),
        fact(2, "no nibbo masala at the store!", hours=30),
        fact(3, "Peri peri finished at FreshMart Baner", hours=60),
    ]
    [signal] = history_of(facts, policy=POLICY).signals
    assert (signal.kind, signal.text) == ("near_identical", "2 near-identical reports on different tickets")


def test_many_accounts_reporting_one_store_within_the_hour_is_a_crowd() -> None:
    crowd = [StoreReport("S1", f"x:bot{i}", AT + timedelta(minutes=10 * i)) for i in range(4)]
    history = history_of([fact(1)], policy=POLICY, store_reports=crowd, store_names={"S1": "DMart Powai"})
    assert [s.text for s in history.signals] == ["4 accounts reported DMart Powai within an hour"]
    spread = [StoreReport("S1", f"x:bot{i}", AT + timedelta(hours=2 * i)) for i in range(4)]
    assert history_of([fact(1)], policy=POLICY, store_reports=spread).signals == ()


def test_refused_reports_and_earlier_rejections_are_signals() -> None:
    history = history_of([fact(1, state="not_a_stockout")], policy=POLICY, gifts_rejected=2)
    assert [s.kind for s in history.signals] == ["not_a_stockout", "rejected"]


def test_leaderboard_ranks_restocks_then_first_reports_and_leaves_out_refused_reporters() -> None:
    asha = history_of([fact(1, state="restocked"), fact(2, "b", state="restocked", first=False)], policy=POLICY)
    ravi = history_of(
        [fact(3, reporter="x:ravi", state="restocked"), fact(4, "c", reporter="x:ravi", state="restocked")],
        policy=POLICY,
    )
    meena = history_of(
        [fact(5, reporter="x:meena", state="restocked"), fact(6, "d", reporter="x:meena", state="not_a_stockout")],
        policy=POLICY,
    )
    quiet = history_of([fact(7, reporter="x:quiet")], policy=POLICY)

    assert [h.reporter for h in leaderboard([asha, ravi, meena, quiet])] == ["x:ravi", "x:asha"]


def test_marketing_can_hold_a_queued_or_approved_gift_with_a_note() -> None:
    gift = Gift(1, "x:asha", "Asha", "x", 7, "S1", GiftState.QUEUED, "report led to a restock", AT)
    held = hold(gift, who="Lena", at=AT, note="checking the photo")
    assert (held.state, held.decided_by, held.note) == (GiftState.HELD, "Lena", "checking the photo")
    for bad in (lambda: hold(gift, who="Lena", at=AT, note=" "), lambda: hold(held, who="Lena", at=AT, note="x")):
        try:
            bad()
        except IllegalGiftTransition:
            continue
        raise AssertionError("hold should have been refused")
