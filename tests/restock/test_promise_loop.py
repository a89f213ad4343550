"""The 48-hour promise on a real SQLite file: cannot supply and new dates, reopened tickets, priority,
notifications that are never lost (webhooks, emails, digests, dead letters) and signed action links."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlmodel import select

from restock_bot.clock import FixedClock
from restock_bot.config import Settings
from restock_bot.restock import RestockService
from restock_bot.storage import Database, RetryPolicy
from restock_bot.storage.tables import NotificationRow
from restock_bot.tickets import IllegalTransition, TicketState
from restock_bot.tickets.links import BadLink, LinkUsed
from tests.fakes.restock import (
    START,
    STORES,
    FakeChannel,
    FakeDistributor,
    FakeMailer,
    ScriptedTriage,
    post,
    ticket_decision,
)

NORTH_DESK = "desk@north.example"
AREA_MANAGER = "am@brand.example"
REGIONAL_HEAD = "rh@brand.example"


def promise_settings(**changes: Any) -> Settings:
    values: dict[str, Any] = {
        "distributors": {
            "dist-north": {"name": "North Foods", "email": NORTH_DESK, "webhook_url": "http://north.example/hook"},
        },
        "policy": {
            "ladder": [
                "distributor",
                {"name": "area_manager", "emails": [AREA_MANAGER]},
                {"name": "regional_head", "emails": [REGIONAL_HEAD]},
                "brand_operations",
            ]
        },
        "email": {"host": "127.0.0.1"},
        "action_links": {"secret": "link-secret"},
        "public_url": "https://bot.example",
    }
    values.update(changes)
    return Settings(**values)


@pytest.fixture
def mailer() -> FakeMailer:
    return FakeMailer()


@pytest.fixture
def settings() -> Settings:
    return promise_settings()


async def report(
    service: RestockService, triage: ScriptedTriage, post_id: str, author: str = "asha", **kw: Any
) -> None:
    triage.will(ticket_decision(post_id, **kw))
    assert await service.accept(post(post_id, author, at=service.clock.now()))
    await service.process_pending()


def events_of(distributor: FakeDistributor, kind: str) -> list[dict[str, Any]]:
    return [e for _, e in distributor.events if e["event"] == kind]


async def test_cannot_supply_waits_for_an_approver_before_the_deadline_moves(
    service: RestockService,
    triage: ScriptedTriage,
    clock: FixedClock,
    distributor: FakeDistributor,
    mailer: FakeMailer,
) -> None:
    await report(service, triage, "p1")
    clock.advance(timedelta(hours=10))
    promised = START + timedelta(days=5)
    ticket = await service.report_cannot_supply(
        1, "north:kiran", "factory strike", promised, distributor_id="dist-north"
    )
    assert (ticket.state, ticket.deadline, ticket.promised_at) == (
        TicketState.CANNOT_SUPPLY,
        START + timedelta(hours=48),
        promised,
    )
    await service.deliver_outboxes()
    [approval] = [body for to, _, body, _ in mailer.sent if to == AREA_MANAGER]
    assert "needs approval" in mailer.to(AREA_MANAGER)[0]
    assert "Approve the new date: https://bot.example/act/" in approval and "factory strike" in approval
    assert "Mark restocked" not in approval  # approvers get the approval link, not the distributor's

    clock.set(START + timedelta(hours=48))
    assert [e.data["tier_name"] for e in await service.sweep_sla()] == ["distributor"]  # the clock never paused

    approved = await service.approve_new_date(1, "Priya (area manager)", "strike confirmed")
    assert (approved.deadline, approved.promise_approved_by) == (promised, "Priya (area manager)")
    with pytest.raises(IllegalTransition, match="no new date waiting for approval"):
        await service.approve_new_date(1, "Priya (area manager)")
    clock.set(START + timedelta(hours=80))
    assert await service.sweep_sla() == []  # rung 2 of the old deadline is off
    clock.set(promised - timedelta(hours=12))
    assert [e.key for e in await service.sweep_sla()] == ["warned@1"]  # warnings start again for the new date
    clock.set(promised)
    assert [e.key for e in await service.sweep_sla()] == ["escalated:1@1"]
    await service.deliver_outboxes()
    assert [e["event"] for e in events_of(distributor, "new_date_approved")] == ["new_date_approved"]
    assert [e["ticket"]["deadline"] for e in events_of(distributor, "new_date_approved")] == [promised.isoformat()]
    history = await service.ticket_history(1)
    assert [e.kind.value for e in history.events] == [
        "opened",
        "cannot_supply",
        "escalated",
        "new_date_approved",
        "warned",
        "escalated",
    ]


async def test_a_report_soon_after_the_restock_reopens_the_ticket_against_the_distributor(
    service: RestockService,
    triage: ScriptedTriage,
    clock: FixedClock,
    channel: FakeChannel,
    distributor: FakeDistributor,
) -> None:
    await report(service, triage, "p1", "asha")
    clock.advance(timedelta(hours=20))
    await service.mark_restocked(1, "north:kiran", "2 cartons")
    clock.advance(timedelta(days=3))
    await report(service, triage, "p2", "ravi")
    await service.deliver_outboxes()
    history = await service.ticket_history(1)
    t = history.ticket
    assert (t.state, t.reopens, t.deadline) == (TicketState.REOPENED, 1, clock.now() + timedelta(hours=48))
    assert t.priority == 2 + 2  # two reporters, one reopening
    assert "ran out again" in channel.sent[-1][1] and channel.sent[-1][0] == "p2"
    [reopened] = events_of(distributor, "reopened")
    assert reopened["ticket"]["reopens"] == 1
    assert (await service.distributor_record("dist-north")).reopens == 1
    assert (await service.board_counts()).open == 1

    await service.mark_restocked(1, "north:kiran", "again")
    await service.deliver_outboxes()
    thanks = [to for to, text in channel.sent if "Good news" in text]
    assert sorted(thanks) == ["p1", "p1", "p2"]  # everyone told again after the second restock
    clock.advance(timedelta(days=8))
    await report(service, triage, "p3", "meera")
    assert (await service.ticket_history(1)).ticket.state is TicketState.RESTOCKED
    [fresh] = await service.distributor_queue("dist-north")
    assert fresh.ticket.id == 2 and fresh.ticket.priority == 1 + 2  # one reporter, one earlier stock-out


async def test_not_a_stockout_sends_reporters_a_polite_note_and_no_gift(
    service: RestockService, triage: ScriptedTriage, channel: FakeChannel
) -> None:
    await report(service, triage, "p1", "asha")
    await report(service, triage, "p2", "ravi")
    await service.mark_not_a_stockout(1, "north:kiran", "shelf full, photo sent")
    await service.deliver_outboxes()
    notes = {to: text for to, text in channel.sent if "found it in stock" in text}
    assert sorted(notes) == ["p1", "p2"]
    assert "@asha Thank you for telling us!" in notes["p1"] and "tell us again" in notes["p1"]
    assert await service.gift_queue() == []


async def test_priority_rises_with_distinct_reporters_and_orders_the_queue(
    service: RestockService, triage: ScriptedTriage, clock: FixedClock
) -> None:
    await report(service, triage, "p1", "asha", sku="MUN-50")
    clock.advance(timedelta(hours=2))
    for n, who in enumerate(("ravi", "meera", "ravi")):
        await report(service, triage, f"q{n}", who, sku="MUN-100")
    queue = await service.distributor_queue("dist-north")
    assert [(i.ticket.sku, i.ticket.priority) for i in queue] == [("MUN-100", 2), ("MUN-50", 1)]


async def test_each_notification_is_queued_once_per_event_and_recipient(
    service: RestockService, triage: ScriptedTriage, clock: FixedClock, distributor: FakeDistributor, mailer: FakeMailer
) -> None:
    await report(service, triage, "p1")
    clock.advance(timedelta(hours=48 + 24))
    await service.sweep_sla()
    await service.sweep_sla()
    assert (await service.deliver_outboxes()).notifications == 6
    assert (await service.deliver_outboxes()).notifications == 0
    assert distributor.kinds() == ["opened", "escalated", "escalated"]
    assert len(mailer.to(NORTH_DESK)) == 2  # opened, and escalated to the distributor rung
    assert mailer.to(AREA_MANAGER) == [
        "Ticket #1 escalated to area_manager: Sharma Kirana, Kothrud, Pune missed the deadline"
    ]
    assert mailer.to(REGIONAL_HEAD) == []
    escalated_to_desk = [body for to, s, body, _ in mailer.sent if to == NORTH_DESK and "escalated" in s]
    assert "Mark restocked: https://bot.example/act/" in escalated_to_desk[0]
    assert len({key for *_, key in mailer.sent}) == len(mailer.sent)


async def test_quiet_hours_hold_notifications_but_not_the_escalation(
    db_url: str, triage: ScriptedTriage, distributor: FakeDistributor, mailer: FakeMailer
) -> None:
    quiet = {"start": "21:00", "end": "08:00", "timezone": "UTC"}
    settings = promise_settings(policy={"ladder": ["distributor"], "quiet_hours": quiet})
    start = datetime(2025, 3, 3, 22, 0, tzinfo=UTC)
    clock = FixedClock(start)
    database = Database(db_url)
    await database.create_schema()
    service = RestockService(
        database, triage, stores=STORES, clock=clock, settings=settings, notifier=distributor, mailer=mailer
    )
    await report(service, triage, "p1")
    assert (await service.deliver_outboxes()).notifications == 0
    clock.set(datetime(2025, 3, 4, 8, 0, tzinfo=UTC))
    assert (await service.deliver_outboxes()).notifications == 2
    clock.set(start + timedelta(hours=48))  # the deadline, in the quiet hours again
    [escalation] = await service.sweep_sla()
    assert escalation.at == start + timedelta(hours=48)
    assert (await service.deliver_outboxes()).notifications == 0
    clock.set(datetime(2025, 3, 6, 8, 0, tzinfo=UTC))
    assert (await service.deliver_outboxes()).notifications == 2
    assert distributor.kinds() == ["opened", "escalated"]
    await service.close()


async def test_failed_notifications_become_dead_letters_operators_can_retry(
    service: RestockService, triage: ScriptedTriage, clock: FixedClock, distributor: FakeDistributor, mailer: FakeMailer
) -> None:
    service.retry = RetryPolicy(first_delay_seconds=60, max_delay_seconds=60, max_attempts=2)
    distributor.down = mailer.down = True
    await report(service, triage, "p1")
    await service.deliver_outboxes()
    clock.advance(timedelta(minutes=1))
    await service.deliver_outboxes()
    letters = await service.dead_letters()
    assert sorted((d.outbox, d.channel, d.recipient, d.attempts) for d in letters) == [
        ("notifications", "email", NORTH_DESK, 2),
        ("notifications", "webhook", "dist-north", 2),
    ]
    email = next(d for d in letters if d.channel == "email")
    assert "ticket #1 email to desk@north.example" in email.error and "SMTP server unavailable" in email.error
    clock.advance(timedelta(hours=1))
    assert (await service.deliver_outboxes()).notifications == 0  # dead letters stay put
    distributor.down = mailer.down = False
    for letter in letters:
        assert await service.retry_dead_letter(letter.outbox, letter.id)
    assert not await service.retry_dead_letter("notifications", letters[0].id)
    assert (await service.deliver_outboxes()).notifications == 2
    assert await service.dead_letters() == []


async def test_a_reply_that_keeps_failing_is_a_dead_letter_too(
    service: RestockService, triage: ScriptedTriage, clock: FixedClock, channel: FakeChannel
) -> None:
    service.retry = RetryPolicy(first_delay_seconds=60, max_delay_seconds=60, max_attempts=1)
    channel.down = True
    await report(service, triage, "p1")
    await service.deliver_outboxes()
    [letter] = await service.dead_letters()
    assert (letter.outbox, letter.kind, letter.channel) == ("replies", "acknowledgement", "x")
    assert "X API unavailable" in letter.error


async def test_each_distributor_gets_one_digest_per_digest_time(
    service: RestockService, triage: ScriptedTriage, clock: FixedClock, distributor: FakeDistributor, mailer: FakeMailer
) -> None:
    await report(service, triage, "p1", sku="MUN-50")
    clock.advance(timedelta(hours=40))
    await report(service, triage, "p2", sku="MUN-100")
    await report(service, triage, "p3", store_id="S3")  # dist-south: not configured, no digest
    clock.advance(timedelta(hours=10))  # MUN-50 is 2 h past its deadline, MUN-100 due in 38 h
    await service.deliver_outboxes()
    distributor.events.clear()
    mailer.sent.clear()
    slot = clock.now().replace(minute=0, second=0)
    assert await service.send_digests(at=slot) == 2
    assert await service.send_digests(at=slot) == 0
    await service.deliver_outboxes()
    [(to, subject, body, key)] = mailer.sent
    assert to == NORTH_DESK and subject == "Restock digest for North Foods: 1 breached, 0 due soon, 1 open"
    assert key == f"digest:dist-north:{slot:%Y-%m-%dT%H:%M}:email:{NORTH_DESK}"
    assert "https://bot.example/distributors/dist-north" in body
    [(distributor_id, digest)] = distributor.events
    assert distributor_id == "dist-north" and digest["event"] == "digest"
    assert [t["sku"] for t in digest["breached"]] == ["MUN-50"] and [t["sku"] for t in digest["open"]] == ["MUN-100"]


async def test_digest_time_defaults_to_the_latest_one_passed(service: RestockService, triage: ScriptedTriage) -> None:
    await report(service, triage, "p1")
    assert await service.send_digests() == 2  # START is 09:00 UTC: the 08:00 digest
    assert await service.send_digests() == 0
    async with service.database.session() as session:
        rows = (await session.exec(select(NotificationRow).where(NotificationRow.kind == "digest"))).all()
    assert sorted(r.key or "" for r in rows) == [
        f"digest:dist-north:2025-03-03T08:00:email:{NORTH_DESK}",
        "digest:dist-north:2025-03-03T08:00:webhook:dist-north",
    ]


async def test_a_signed_link_acts_once(
    service: RestockService, triage: ScriptedTriage, clock: FixedClock, distributor: FakeDistributor
) -> None:
    await report(service, triage, "p1")
    await service.deliver_outboxes()
    [opened] = events_of(distributor, "opened")
    links = opened["links"]
    assert list(links) == ["acknowledge", "restocked", "not-a-stockout", "cannot-supply"]
    token = links["acknowledge"].rsplit("/", 1)[1]
    link, ticket = await service.act_through_link(token, "Kiran", "on my way")
    assert ticket.state is TicketState.ACKNOWLEDGED and link.recipient == "dist-north"
    assert (await service.action_link_use(link)) is not None
    with pytest.raises(LinkUsed, match="already used"):
        await service.act_through_link(token, "Kiran")
    history = await service.ticket_history(1)
    assert history.events[-1].actor == "Kiran (link to dist-north)"
    _, restocked = await service.act_through_link(links["restocked"].rsplit("/", 1)[1], "Kiran", "done")
    assert restocked.state is TicketState.RESTOCKED
    # a link whose action the ticket no longer allows is refused, and stays unused
    late = links["not-a-stockout"].rsplit("/", 1)[1]
    with pytest.raises(IllegalTransition, match="ticket #1 is restocked"):
        await service.act_through_link(late, "Kiran", "was on the shelf")
    assert await service.action_link_use(service.read_action_link(late)) is None
    clock.advance(timedelta(hours=73))
    with pytest.raises(BadLink, match="expired"):
        await service.act_through_link(late, "Kiran", "was on the shelf")


async def test_cannot_supply_through_a_link_needs_a_promised_date(
    service: RestockService, triage: ScriptedTriage, distributor: FakeDistributor
) -> None:
    await report(service, triage, "p1")
    await service.deliver_outboxes()
    token = events_of(distributor, "opened")[0]["links"]["cannot-supply"].rsplit("/", 1)[1]
    with pytest.raises(ValueError, match="promised_date"):
        await service.act_through_link(token, "Kiran", "no stock at the depot")
    promised = START + timedelta(days=4)
    _, ticket = await service.act_through_link(token, "Kiran", "no stock at the depot", promised)
    assert (ticket.state, ticket.promised_at, ticket.deadline) == (
        TicketState.CANNOT_SUPPLY,
        promised,
        START + timedelta(hours=48),
    )


async def test_without_a_link_secret_notifications_carry_no_links(
    db_url: str, triage: ScriptedTriage, clock: FixedClock, distributor: FakeDistributor
) -> None:
    database = Database(db_url)
    await database.create_schema()
    service = RestockService(database, triage, stores=STORES, clock=clock, settings=Settings(), notifier=distributor)
    await report(service, triage, "p1")
    await service.deliver_outboxes()
    assert events_of(distributor, "opened")[0]["links"] == {}
    with pytest.raises(BadLink, match="switched off"):
        service.read_action_link("anything")
    await service.close()


async def test_the_area_manager_approves_the_new_date_from_the_email_link(
    service: RestockService, triage: ScriptedTriage, clock: FixedClock, mailer: FakeMailer
) -> None:
    await report(service, triage, "p1")
    promised = START + timedelta(days=4)
    await service.report_cannot_supply(1, "north:kiran", "no trucks", promised)
    await service.deliver_outboxes()
    [body] = [body for to, _, body, _ in mailer.sent if to == AREA_MANAGER]
    url = next(line.split(": ", 1)[1] for line in body.splitlines() if "Approve the new date" in line)
    link, ticket = await service.act_through_link(url.rsplit("/", 1)[1], "Priya", "fine")
    assert (link.action, link.recipient) == ("approve-new-date", AREA_MANAGER)
    assert (ticket.deadline, ticket.promise_approved_by) == (promised, f"Priya (link to {AREA_MANAGER})")
