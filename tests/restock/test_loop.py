"""The restock loop as reporters, distributors and marketing live it, on a real SQLite file."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from restock_bot.clock import FixedClock
from restock_bot.config import DistributorSettings, EscalationTier, Settings
from restock_bot.gifts import GiftState
from restock_bot.restock import RestockService, TicketNotFound
from restock_bot.storage import Database
from restock_bot.tickets import IllegalTransition, TicketState
from tests.fakes.restock import (
    START,
    STORES,
    FakeChannel,
    FakeDistributor,
    ScriptedTriage,
    clarify_decision,
    post,
    ticket_decision,
)


async def report(
    service: RestockService, triage: ScriptedTriage, post_id: str, author: str = "asha", **decision: object
) -> None:
    """A consumer posts a stock-out that triage reads as a ticket, and the bot processes it."""
    triage.will(ticket_decision(post_id, **decision))  # type: ignore[arg-type]
    assert await service.accept(post(post_id, author, at=service.clock.now()))
    await service.process_pending()


async def test_report_opens_ticket_acknowledges_reporter_and_tells_distributor(
    service: RestockService, triage: ScriptedTriage, channel: FakeChannel, distributor: FakeDistributor
) -> None:
    await report(service, triage, "p1")
    delivered = await service.deliver_outboxes()
    assert (delivered.replies, delivered.notifications) == (1, 1)
    [(to, text)] = channel.sent
    assert to == "p1" and "ticket #1" in text and "restock within 48 h" in text and "Sharma Kirana" in text
    [(distributor_id, event)] = distributor.events
    assert distributor_id == "dist-north" and event["event"] == "opened"
    assert event["ticket"]["deadline"] == (START + timedelta(hours=48)).isoformat()
    assert event["ticket"]["reports"] == 1


async def test_the_same_post_twice_is_processed_once(
    service: RestockService, triage: ScriptedTriage, channel: FakeChannel
) -> None:
    triage.will(ticket_decision("p1"))
    assert await service.accept(post("p1"))
    assert not await service.accept(post("p1"))
    assert (await service.process_pending()).processed == 1
    await service.deliver_outboxes()
    await service.deliver_outboxes()
    assert len(channel.sent) == 1


async def test_repeat_report_joins_open_ticket(
    service: RestockService,
    triage: ScriptedTriage,
    channel: FakeChannel,
    distributor: FakeDistributor,
    clock: FixedClock,
) -> None:
    await report(service, triage, "p1", "asha")
    clock.advance(timedelta(hours=10))
    await report(service, triage, "p2", "ravi")
    await service.deliver_outboxes()
    history = await service.ticket_history(1)
    assert [r.reporter for r in history.reports] == ["x:asha", "x:ravi"]
    assert [e.kind.value for e in history.events] == ["opened", "report_merged"]
    assert history.ticket.deadline == START + timedelta(hours=48)  # first report + 48 h
    assert "Added to ticket #1" in channel.sent[1][1] and "restock within 38 h" in channel.sent[1][1]
    assert distributor.kinds() == ["opened"]


async def test_same_store_other_product_gets_its_own_ticket(service: RestockService, triage: ScriptedTriage) -> None:
    await report(service, triage, "p1", sku="MUN-50")
    await report(service, triage, "p2", sku="MUN-100")
    await report(service, triage, "p3", sku=None)
    await report(service, triage, "p4", sku=None)  # brand-only reports share a store+brand ticket
    assert (await service.board_counts()).open == 3


async def test_unclear_store_asks_which_store_listing_candidates(
    service: RestockService, triage: ScriptedTriage, channel: FakeChannel
) -> None:
    triage.will(clarify_decision("p1"))
    await service.accept(post("p1"))
    await service.process_pending()
    await service.deliver_outboxes()
    [(to, text)] = channel.sent
    assert to == "p1" and "1) FreshMart, Baner, Pune" in text and "2) FreshMart, Aundh, Pune" in text
    assert (await service.board_counts()).open == 0


@pytest.mark.parametrize("answered", ["p1", "bot-1"], ids=["reply-to-report", "reply-to-our-question"])
async def test_reply_naming_the_store_credits_the_original_reporter(
    service: RestockService, triage: ScriptedTriage, channel: FakeChannel, answered: str
) -> None:
    triage.will(clarify_decision("p1"))
    await service.accept(post("p1", "asha", "no Munchu at FreshMart"))
    await service.process_pending()
    await service.deliver_outboxes()  # our question goes out as reply bot-1
    triage.will(ticket_decision("p2", store_id="S2", resolves="p1"))
    await service.accept(post("p2", "asha", "the one in Baner", in_reply_to=answered))
    await service.process_pending()
    assert triage.parents["p2"] == "p1"
    history = await service.ticket_history(1)
    [credited] = history.reports
    assert credited.reporter == "x:asha" and history.ticket.store_id == "S2"
    await service.deliver_outboxes()
    assert channel.sent[-1][0] == "p2" and "ticket #1" in channel.sent[-1][1]


async def test_reply_from_someone_else_is_a_report_of_its_own(service: RestockService, triage: ScriptedTriage) -> None:
    triage.will(clarify_decision("p1"))
    await service.accept(post("p1", "asha"))
    triage.will(ticket_decision("p2", store_id="S2"))  # "same at FreshMart Baner": resolves nothing
    await service.accept(post("p2", "ravi", in_reply_to="p1"))
    await service.process_pending()
    [credited] = (await service.ticket_history(1)).reports
    assert credited.reporter == "x:ravi"


async def test_bad_posts_are_recorded_as_failed_and_the_rest_go_on(
    service: RestockService, triage: ScriptedTriage
) -> None:
    triage.will(ticket_decision("unknown-store", store_id="S404"))
    triage.will(ticket_decision("good"))
    for post_id in ("explode", "unknown-store", "good"):
        await service.accept(post(post_id))
    run = await service.process_pending()
    assert (run.processed, run.failed) == (1, 2)
    errors = {row.post_id: row.error or "" for row in await service.failed_posts()}
    assert "post x/explode" in errors["explode"] and "triage could not read" in errors["explode"]
    assert "'S404' is not in the retailer list" in errors["unknown-store"]
    assert (await service.inbox_counts())["done"] == 1
    assert (await service.board_counts()).open == 1


async def test_warning_then_escalations_each_exactly_once(
    service: RestockService, triage: ScriptedTriage, clock: FixedClock, distributor: FakeDistributor
) -> None:
    await report(service, triage, "p1")
    clock.advance(timedelta(hours=35))
    assert await service.sweep_sla() == []
    clock.advance(timedelta(hours=1))
    assert [e.kind.value for e in await service.sweep_sla()] == ["warned"]
    assert await service.sweep_sla() == []
    clock.advance(timedelta(hours=12))
    [escalation] = await service.sweep_sla()
    assert (escalation.tier, escalation.data["tier_name"]) == (1, "distributor")
    clock.advance(timedelta(hours=24))
    assert [e.data["tier_name"] for e in await service.sweep_sla()] == ["area_manager"]
    await service.deliver_outboxes()
    assert distributor.kinds() == ["opened", "warned", "escalated", "escalated"]
    assert [e["tier_name"] for _, e in distributor.events[2:]] == ["distributor", "area_manager"]
    assert (await service.board_counts()).escalated == 1


async def test_restart_in_the_middle_of_a_ticket_loses_no_timer(
    db_url: str, triage: ScriptedTriage, channel: FakeChannel, distributor: FakeDistributor
) -> None:
    clock = FixedClock(START)
    database = Database(db_url)
    await database.create_schema()
    first = RestockService(database, triage, stores=STORES, clock=clock, notifier=distributor, senders=[channel])
    await report(first, triage, "p1")
    await first.close()  # the process stops

    clock.set(START + timedelta(hours=49))
    database = Database(db_url)
    await database.create_schema()
    again = RestockService(database, triage, stores=STORES, clock=clock, notifier=distributor, senders=[channel])
    [escalation] = await again.sweep_sla()
    assert escalation.kind.value == "escalated" and escalation.tier == 1
    assert await again.sweep_sla() == []
    await again.deliver_outboxes()
    assert distributor.kinds() == ["opened", "escalated"]
    await again.close()


async def test_distributor_with_its_own_ladder(
    db_url: str, triage: ScriptedTriage, clock: FixedClock, distributor: FakeDistributor
) -> None:
    settings = Settings(distributors={"dist-north": DistributorSettings(ladder=[EscalationTier(name="owner")])})
    database = Database(db_url)
    await database.create_schema()
    service = RestockService(database, triage, stores=STORES, clock=clock, settings=settings, notifier=distributor)
    await report(service, triage, "p1")
    clock.advance(timedelta(days=10))
    assert [e.data["tier_name"] for e in await service.sweep_sla()] == ["owner"]
    await service.close()


async def test_refused_notification_is_retried_later(
    service: RestockService, triage: ScriptedTriage, clock: FixedClock, distributor: FakeDistributor
) -> None:
    distributor.down = True
    await report(service, triage, "p1")
    assert (await service.deliver_outboxes()).notifications == 0
    distributor.down = False
    assert (await service.deliver_outboxes()).notifications == 0  # not due again yet
    clock.advance(timedelta(minutes=1))
    assert (await service.deliver_outboxes()).notifications == 1
    assert (await service.deliver_outboxes()).notifications == 0
    assert distributor.kinds() == ["opened"]


async def test_reply_waits_out_a_channel_outage(
    service: RestockService, triage: ScriptedTriage, clock: FixedClock, channel: FakeChannel
) -> None:
    channel.down = True
    await report(service, triage, "p1")
    assert (await service.deliver_outboxes()).replies == 0
    channel.down = False
    clock.advance(timedelta(minutes=1))
    assert (await service.deliver_outboxes()).replies == 1
    assert len(channel.sent) == 1


async def test_reply_for_a_channel_without_sender_waits_for_one(
    service: RestockService, triage: ScriptedTriage
) -> None:
    triage.will(ticket_decision("w1"))
    await service.accept(post("w1", channel="webhook"))
    await service.process_pending()
    assert (await service.deliver_outboxes()).replies == 0
    webhook = FakeChannel("webhook")
    service.add_sender(webhook)
    assert (await service.deliver_outboxes()).replies == 1
    assert webhook.sent[0][0] == "w1"


async def test_restock_tells_every_reporter_and_queues_their_gifts(
    service: RestockService, triage: ScriptedTriage, clock: FixedClock, channel: FakeChannel
) -> None:
    await report(service, triage, "p1", "asha")
    await report(service, triage, "p2", "ravi")
    await report(service, triage, "p3", "asha")  # asha again: one reply, one gift
    clock.advance(timedelta(hours=20))
    ticket = await service.mark_restocked(1, who="dist-north:kiran", why="delivered 2 cartons")
    assert ticket.state is TicketState.RESTOCKED
    await service.deliver_outboxes()
    told = [to for to, text in channel.sent if "restocked" in text]
    assert sorted(told) == ["p1", "p2"]
    gifts = await service.gift_queue()
    assert sorted(g.reporter for g in gifts) == ["x:asha", "x:ravi"]
    assert all(g.state is GiftState.QUEUED for g in gifts)
    [restock] = await service.recent_restocks()
    assert restock.hours_to_restock == 20 and restock.reports == 3
    assert await service.median_hours_to_restock() == 20
    counts = await service.board_counts()
    assert (counts.open, counts.restocked) == (0, 1)
    assert await service.sweep_sla() == []


async def test_one_gift_per_reporter_per_30_days(
    service: RestockService, triage: ScriptedTriage, clock: FixedClock
) -> None:
    await report(service, triage, "p1", "asha", sku="MUN-50")
    await report(service, triage, "p2", "asha", sku="MUN-100")
    await service.mark_restocked(1, who="d", why="")
    await service.mark_restocked(2, who="d", why="")
    assert len(await service.gift_queue()) == 1
    clock.advance(timedelta(days=31))
    await report(service, triage, "p3", "asha")
    await service.mark_restocked(3, who="d", why="")
    assert len(await service.gift_queue()) == 2


async def test_reporter_with_a_report_marked_not_a_stockout_is_held_for_review(
    service: RestockService, triage: ScriptedTriage
) -> None:
    await report(service, triage, "p1", "asha", sku="MUN-50")
    await service.mark_not_a_stockout(1, who="dist-north:kiran", why="shelf was full, photo sent")
    await report(service, triage, "p2", "asha", sku="MUN-100")
    await service.mark_restocked(2, who="d", why="")
    [gift] = await service.gift_queue()
    assert gift.state is GiftState.HELD and "not a stock-out" in gift.reason


async def test_reporter_with_too_many_reports_a_day_is_held(service: RestockService, triage: ScriptedTriage) -> None:
    for n in range(6):
        await report(service, triage, f"p{n}", "spammy")
    await service.mark_restocked(1, who="d", why="")
    [gift] = await service.gift_queue(GiftState.HELD)
    assert "6 reports on" in gift.reason


async def test_marketing_works_the_gift_queue(service: RestockService, triage: ScriptedTriage) -> None:
    await report(service, triage, "p1", "asha")
    await report(service, triage, "p2", "ravi")
    await service.mark_restocked(1, who="d", why="")
    asha, ravi = sorted(await service.gift_queue(), key=lambda g: g.reporter)
    await service.approve_gift(asha.id or 0, who="meera")
    shipped = await service.mark_gift_shipped(asha.id or 0, who="meera")
    rejected = await service.reject_gift(ravi.id or 0, who="meera", note="same household as asha")
    assert (shipped.state, rejected.state, rejected.note) == (
        GiftState.SHIPPED,
        GiftState.REJECTED,
        "same household as asha",
    )
    exported = await service.export_gifts_csv()
    assert exported.splitlines()[0].startswith("gift_id,state,reporter")
    assert "shipped" in exported and "same household as asha" in exported
    assert len((await service.export_gifts_csv(GiftState.SHIPPED)).splitlines()) == 2


async def test_portal_changes_record_who_and_why_and_refuse_illegal_ones(
    service: RestockService, triage: ScriptedTriage
) -> None:
    await report(service, triage, "p1")
    await service.acknowledge(1, who="dist-north:kiran", why="van on Tuesday", distributor_id="dist-north")
    with pytest.raises(IllegalTransition, match="ticket #1 is acknowledged: cannot be acknowledged"):
        await service.acknowledge(1, who="dist-north:kiran", why="again")
    with pytest.raises(TicketNotFound, match="ticket #1 not found for dist-south"):
        await service.mark_restocked(1, who="dist-south:x", why="", distributor_id="dist-south")
    with pytest.raises(TicketNotFound):
        await service.mark_restocked(99, who="d", why="")
    with pytest.raises(ValueError, match="who"):
        await service.mark_restocked(1, who=" ", why="")
    [opened, acked] = (await service.ticket_history(1)).events
    assert (acked.kind.value, acked.actor, acked.reason) == (
        "acknowledged",
        "dist-north:kiran",
        "van on Tuesday",
    )
    assert (await service.board_counts()).acknowledged == 1


async def test_distributor_queue_shows_most_urgent_first(
    service: RestockService, triage: ScriptedTriage, clock: FixedClock
) -> None:
    await report(service, triage, "p1", sku="MUN-50")
    clock.advance(timedelta(hours=5))
    await report(service, triage, "p2", sku="MUN-100")
    await report(service, triage, "p3", store_id="S3")  # another distributor
    queue = await service.distributor_queue("dist-north")
    assert [item.ticket.sku for item in queue] == ["MUN-50", "MUN-100"]
    assert queue[0].hours_left == 43 and queue[0].store == "Sharma Kirana, Kothrud, Pune"
    reporters = await service.reporters()
    assert (reporters[0].reporter, reporters[0].reports, reporters[0].tickets) == ("x:asha", 3, 3)


async def test_workers_running_together_on_one_sqlite_file_lose_nothing(
    service: RestockService, triage: ScriptedTriage, channel: FakeChannel, clock: FixedClock
) -> None:
    for n in range(30):
        triage.will(ticket_decision(f"p{n}", sku=f"SKU-{n % 4}"))
        await service.accept(post(f"p{n}", f"user{n}"))
    service.batch_size = 4
    for _ in range(3):
        await asyncio.gather(
            service.process_pending(),
            service.deliver_outboxes(),
            service.sweep_sla(),
            service.process_pending(),
        )
        clock.advance(timedelta(hours=20))
    await service.deliver_outboxes()
    assert await service.failed_posts() == []
    assert (await service.inbox_counts())["done"] == 30
    assert sum(item.reports for item in await service.distributor_queue("dist-north")) == 30
    assert len([to for to, text in channel.sent if "ticket #" in text]) == 30
