"""Abuse of the gift campaign, through the real service on SQLite with a clock: a flood from one account, a
flood of new tickets at one store, a burst of new accounts on one store, a report far from the reporter's
usual towns. The caps keep tickets and distributor notifications down; the guard holds the gifts."""

from __future__ import annotations

from datetime import timedelta

import pytest

from restock_bot.clock import FixedClock
from restock_bot.config import AbuseSettings
from restock_bot.gifts import GiftState, IllegalGiftTransition
from restock_bot.post import Post
from restock_bot.restock import RestockService, reporters
from restock_bot.storage.tables import HeldReportRow, NotificationRow, ReplyRow, ReportRow, TicketEventRow, TicketRow
from tests.abuse.conftest import (
    DELHI_ORDERS,
    MUMBAI_ORDERS,
    FileReport,
    a_post,
    all_rows,
    count,
    flood_in_one_batch,
    minutes,
    restock_all,
)
from tests.fakes.restock import START, FakeDistributor, FakeMailer, ScriptedTriage

KEY = "x:flooder"


async def notifications(service: RestockService) -> dict[str, int]:
    rows = await all_rows(service, NotificationRow)
    return {channel: sum(1 for r in rows if r.channel == channel) for channel in ("webhook", "email")}


async def test_one_account_posting_50_reports_about_30_stores_in_an_hour_opens_at_most_the_cap(
    service: RestockService,
    file_report: FileReport,
    clock: FixedClock,
    distributor: FakeDistributor,
    mailer: FakeMailer,
) -> None:
    for i in range(50):  # one every 72 seconds, cycling through 30 stores
        await file_report(f"flood-{i}", "flooder", f"M{i % 30:02d}")
        clock.advance(timedelta(seconds=72))

    tickets = await all_rows(service, TicketRow)
    assert len(tickets) == 5  # abuse.tickets_per_reporter_day
    assert sorted(t.store_id for t in tickets) == ["M00", "M01", "M02", "M03", "M04"]
    # their repeat reports on those five stores joined the open tickets; the other 40 were held
    assert await count(service, ReportRow, ReportRow.reporter == "x:flooder") == 10
    held = await all_rows(service, HeldReportRow)
    assert len(held) == 40 and {h.cap for h in held} == {"reporter"}
    assert held[0].reason == (
        "reporter opened 5 new tickets in 24 h (cap 5): held without a new ticket; no distributor told"
    )
    assert {h.store_id for h in held} == {f"M{i:02d}" for i in range(5, 30)}
    # distributors hear of five tickets, once each, by webhook and by email; the flooder gets ten replies
    assert await notifications(service) == {"webhook": 5, "email": 5}
    assert await count(service, ReplyRow) == 10
    await service.deliver_outboxes()
    assert distributor.kinds() == ["opened"] * 5
    assert [to for to, *_ in mailer.sent] == [MUMBAI_ORDERS] * 5

    await restock_all(service)

    gifts = await service.gift_queue()
    assert await service.gift_queue(GiftState.QUEUED) == []  # nothing reaches the queue unreviewed
    [gift] = gifts  # one gift per 30 days, and that one held
    assert gift.state is GiftState.HELD
    assert "40 report(s) held by the ticket caps" in gift.reason and "10 reports on 2025-03-03" in gift.reason
    assert gift.id is not None
    with pytest.raises(IllegalGiftTransition, match="is held: cannot mark shipped"):
        await service.mark_gift_shipped(gift.id, "Lena")
    rules = service.rules
    found = await reporters.histories(service.database, [KEY], rules.stores, rules.store_label, rules.gift_policy)
    assert ("capped", "40 report(s) held by the ticket caps (no ticket)") in [
        (s.kind, s.text) for s in found[KEY].signals
    ]  # what the gift desk shows next to the gift
    await service.approve_gift(gift.id, "Lena", "looked at the held reports")
    assert (await service.mark_gift_shipped(gift.id, "Lena")).state is GiftState.SHIPPED


async def test_a_flood_arriving_in_one_inbox_batch_is_capped_the_same_way(
    service: RestockService, triage: ScriptedTriage, clock: FixedClock
) -> None:
    await flood_in_one_batch(service, triage, clock)

    assert await notifications(service) == {"webhook": 5, "email": 5}


async def test_the_reporter_cap_is_per_reporter_and_lifts_after_a_day(
    service: RestockService, file_report: FileReport, clock: FixedClock
) -> None:
    for i in range(6):
        await file_report(f"a-{i}", "flooder", f"M{i:02d}")
    await file_report("other", "neighbour", "M10")
    assert await count(service, TicketRow) == 6  # five of the flooder's, one of the neighbour's

    clock.advance(timedelta(hours=24, minutes=1))
    await file_report("next-day", "flooder", "M11")

    assert await count(service, TicketRow) == 7
    assert [h.store_id for h in await all_rows(service, HeldReportRow)] == ["M05"]


async def test_many_new_tickets_at_one_store_within_the_window_are_capped(
    service: RestockService, file_report: FileReport, clock: FixedClock
) -> None:
    for i in range(12):  # twelve accounts, twelve products, one store, twelve minutes
        await file_report(f"s-{i}", f"shopper{i}", "M00", sku=f"SKU-{i:02d}")
        clock.advance(minutes(1))

    assert await count(service, TicketRow) == 10  # abuse.tickets_per_store per store_window_hours
    held = await all_rows(service, HeldReportRow)
    assert [(h.cap, h.sku) for h in held] == [("store", "SKU-10"), ("store", "SKU-11")]
    assert held[0].reason.startswith("10 new tickets at Kirana 0")
    assert "within 1 h (cap 10)" in held[0].reason
    assert await notifications(service) == {"webhook": 10, "email": 10}

    clock.advance(timedelta(hours=1))
    await file_report("s-late", "shopper99", "M00", sku="SKU-99")
    assert await count(service, TicketRow) == 11


async def test_forty_new_accounts_on_one_store_make_one_ticket_and_their_gifts_are_held(
    service: RestockService,
    file_report: FileReport,
    clock: FixedClock,
    distributor: FakeDistributor,
    mailer: FakeMailer,
) -> None:
    await service.accept(_chatter("hello", "regular"))  # a long-known account, first seen two months back
    await service.process_pending()
    clock.advance(timedelta(days=60))

    for i in range(40):
        await file_report(f"new-{i}", f"fresh{i:02d}", "D1")
        clock.advance(minutes(1))
        if i == 20:
            await file_report("regular-1", "regular", "D1")

    assert await count(service, TicketRow) == 1
    assert await count(service, ReportRow) == 41
    assert await count(service, TicketEventRow, TicketEventRow.kind == "report_merged") == 40
    assert await notifications(service) == {"webhook": 1, "email": 1}
    await service.deliver_outboxes()
    assert len(distributor.events) == 1 and [to for to, *_ in mailer.sent] == [DELHI_ORDERS]

    await restock_all(service)

    gifts = {g.reporter: g for g in await service.gift_queue()}
    assert len(gifts) == 41
    held = [g for key, g in gifts.items() if key.startswith("x:fresh")]
    assert {g.state for g in held} == {GiftState.HELD}
    assert {g.reason for g in held} == {
        "burst of new accounts: 40 accounts new within 7 days reported this store within 1 h"
    }
    regular = gifts["x:regular"]
    assert (regular.state, regular.reason) == (GiftState.QUEUED, "report led to a restock")


async def test_a_mumbai_reporter_reporting_a_delhi_store_is_far_from_usual_towns(
    service: RestockService, file_report: FileReport, clock: FixedClock
) -> None:
    await service.accept(_chatter("hi-1", "mumbaikar"))
    await service.accept(_chatter("hi-2", "neighbour"))
    await service.process_pending()
    clock.advance(timedelta(days=90))
    for day, store in enumerate(("M01", "M02", "M03")):
        await file_report(f"mum-{day}", "mumbaikar", store)
        await file_report(f"nbr-{day}", "neighbour", f"M1{day}")
        clock.advance(timedelta(days=1))
    await file_report("far", "mumbaikar", "D2")
    await file_report("near", "neighbour", "M20")

    for ticket in await all_rows(service, TicketRow, TicketRow.store_id.in_(["D2", "M20"])):  # type: ignore[attr-defined]
        await service.mark_restocked(ticket.id, who="distributor desk")

    gifts = {g.reporter: g for g in await service.gift_queue()}
    far = gifts["x:mumbaikar"]
    assert far.state is GiftState.HELD
    assert far.reason.startswith("far from usual towns: Delhi is 11")
    assert far.reason.endswith(" km from Mumbai")
    assert (gifts["x:neighbour"].state, gifts["x:neighbour"].reason) == (GiftState.QUEUED, "report led to a restock")


@pytest.mark.parametrize("abuse", [AbuseSettings(tickets_per_reporter_day=2, tickets_per_store=50)])
async def test_caps_come_from_the_settings(service: RestockService, file_report: FileReport) -> None:
    for i in range(4):
        await file_report(f"c-{i}", "flooder", f"M{i:02d}")

    assert await count(service, TicketRow) == 2
    assert [h.reason.split(":")[0] for h in await all_rows(service, HeldReportRow)] == [
        "reporter opened 2 new tickets in 24 h (cap 2)"
    ] * 2


def _chatter(post_id: str, author: str) -> Post:
    """A post triage ignores: the account is seen, nothing is filed."""
    return a_post(post_id, author, at=START, text="good morning")
