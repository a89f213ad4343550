"""Storage on a real SQLite file: the inbox, ticket keys, events once, cursors and retry timing."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from restock_bot.clock import FixedClock
from restock_bot.gifts.queue import Gift, GiftState
from restock_bot.storage import ChannelCursors, RetryPolicy, WorkStatus, inbox, tickets
from restock_bot.storage import gifts as stored_gifts
from restock_bot.storage.queue import claim, fail
from restock_bot.storage.tables import PostRow
from restock_bot.tickets import lifecycle
from tests.fakes.restock import START, post
from tests.helpers import open_database, opened_ticket, opening


async def test_post_is_stored_once_per_channel_and_id(db_url: str) -> None:
    db = await open_database(db_url)
    async with db.session() as s, s.begin():
        assert await inbox.add_post(s, post("1"), START)
        assert not await inbox.add_post(s, post("1"), START)
        assert await inbox.add_post(s, post("1", channel="webhook"), START)
    async with db.session() as s:
        row = await inbox.find_post_row(s, "x", "1")
        assert row is not None
        assert inbox.post_of(row) == post("1")
        assert row.received_at == START  # aware UTC back from SQLite
    await db.dispose()


async def test_claimed_posts_are_not_claimed_again_until_stale(db_url: str) -> None:
    db = await open_database(db_url)
    async with db.session() as s, s.begin():
        for n in range(3):
            await inbox.add_post(s, post(str(n)), START)
    async with db.session() as s, s.begin():
        first = await claim(s, PostRow, now=START, limit=2, stale_after=timedelta(minutes=10))
    async with db.session() as s, s.begin():
        second = await claim(s, PostRow, now=START, limit=5, stale_after=timedelta(minutes=10))
    assert [r.post_id for r in first] == ["0", "1"] and [r.post_id for r in second] == ["2"]
    async with db.session() as s, s.begin():
        reclaimed = await claim(
            s, PostRow, now=START + timedelta(minutes=11), limit=5, stale_after=timedelta(minutes=10)
        )
    assert len(reclaimed) == 3 and all(r.attempts == 2 for r in reclaimed)
    await db.dispose()


async def test_failed_work_waits_then_gives_up() -> None:
    policy = RetryPolicy(first_delay_seconds=30, max_delay_seconds=3600, max_attempts=3)
    row = PostRow(channel="x", post_id="1", author_id="a", received_at=START, available_at=START, attempts=1)
    fail(row, "boom", START, policy)
    assert (row.status, row.available_at) == (WorkStatus.PENDING, START + timedelta(seconds=30))
    row.attempts = 2
    fail(row, "boom", START, policy)
    assert row.available_at == START + timedelta(seconds=60)
    row.attempts = 3
    fail(row, "boom", START, policy)
    assert row.status == WorkStatus.FAILED and row.error == "boom"


async def test_only_one_open_ticket_per_store_and_sku(db_url: str) -> None:
    db = await open_database(db_url)
    opened = opened_ticket(distributor_id="d")
    async with db.session() as s, s.begin():
        first = await tickets.insert_ticket(s, opened)
        assert first is not None and first.id is not None
        assert await tickets.insert_ticket(s, opened) is None
        closed = lifecycle.restock(first, who="d", why="", at=START).ticket
        await tickets.update_ticket(s, first, closed)
        again = await tickets.insert_ticket(s, opened)  # a closed ticket frees its key
    assert again is not None and again.id != first.id
    await db.dispose()


async def test_stale_ticket_write_is_refused(db_url: str) -> None:
    db = await open_database(db_url)
    opened = opened_ticket(distributor_id="d")
    async with db.session() as s, s.begin():
        ticket = await tickets.insert_ticket(s, opened)
        assert ticket is not None
        await tickets.update_ticket(s, ticket, lifecycle.acknowledge(ticket, who="a", why="", at=START).ticket)
        try:
            await tickets.update_ticket(s, ticket, lifecycle.restock(ticket, who="b", why="", at=START).ticket)
        except tickets.StaleTicket as exc:
            assert "changed meanwhile" in str(exc)
        else:
            raise AssertionError("a write over a changed ticket must be refused")
    await db.dispose()


async def test_an_event_is_recorded_once_per_ticket_and_key(db_url: str) -> None:
    db = await open_database(db_url)
    opened = opening(distributor_id="d")
    async with db.session() as s, s.begin():
        ticket = await tickets.insert_ticket(s, opened.ticket)
        assert ticket is not None and ticket.id is not None
        escalation = lifecycle.escalate(ticket, tier=1, tier_name="distributor", at=START, reason="late").events[0]
        assert await tickets.add_event(s, ticket.id, escalation) is not None
        assert await tickets.add_event(s, ticket.id, replace(escalation, reason="again")) is None
        [stored] = await tickets.events_of(s, ticket.id)
    assert (stored.key, stored.reason, stored.data) == ("escalated:1", "late", {"tier_name": "distributor"})
    await db.dispose()


async def test_reporter_record_sees_last_gift_as_utc(db_url: str) -> None:
    db = await open_database(db_url)
    opened = opened_ticket(distributor_id="d")
    async with db.session() as s, s.begin():
        ticket = await tickets.insert_ticket(s, opened)
        assert ticket is not None and ticket.id is not None
        await stored_gifts.add_gift(
            s,
            Gift(
                id=None,
                reporter="x:a",
                reporter_name="a",
                channel="x",
                ticket_id=ticket.id,
                store_id="S1",
                state=GiftState.QUEUED,
                reason="r",
                created_at=START,
            ),
        )
        record = await stored_gifts.reporter_record(s, "x:a", START + timedelta(days=1), timedelta(days=30))
    assert record.last_gift_at == START
    await db.dispose()


async def test_channel_cursor_survives_a_new_engine(db_url: str) -> None:
    db = await open_database(db_url)
    cursors = ChannelCursors(db, FixedClock(START))
    assert await cursors.get_cursor("x:since_id") is None
    await cursors.set_cursor("x:since_id", "100")
    await cursors.set_cursor("x:since_id", "205")
    await db.dispose()
    again = await open_database(db_url)
    assert await ChannelCursors(again, FixedClock(START)).get_cursor("x:since_id") == "205"
    await again.dispose()
