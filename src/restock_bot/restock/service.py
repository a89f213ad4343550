"""The restock service: the one object channels, the scheduler, the web app and the CLI talk to."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

import structlog

from restock_bot.channels.base import ReplySender
from restock_bot.clock import Clock
from restock_bot.config import Settings, reveal
from restock_bot.gifts.export import gifts_csv
from restock_bot.gifts.queue import Gift, GiftDecision, GiftState, approve, reject, ship
from restock_bot.notify import Mailer, Notifier
from restock_bot.post import Post
from restock_bot.restock import board, delivery, digests, flows, intake
from restock_bot.restock.flows import Rules, TicketNotFound
from restock_bot.retailers import Store, StoreRef, StoreTable, load_stores
from restock_bot.storage import gifts as stored_gifts
from restock_bot.storage import inbox, links, outbox, schema, tickets
from restock_bot.storage.cursors import ChannelCursors
from restock_bot.storage.database import Database
from restock_bot.storage.outage import is_database_unavailable
from restock_bot.storage.outbox import DeadLetter
from restock_bot.storage.queue import (
    RetryPolicy,
    UnfinishedClaims,
    claim,
    fail,
    fail_all,
    finish,
    finish_all,
    hold,
    one_by_one,
)
from restock_bot.storage.tables import ActionLinkUseRow, PostRow
from restock_bot.tickets import lifecycle
from restock_bot.tickets.digest import digest_slot
from restock_bot.tickets.lifecycle import Change, Transition
from restock_bot.tickets.links import APPROVE_NEW_DATE, ActionLink, BadLink, LinkUsed, read_link
from restock_bot.tickets.models import Ticket, TicketEvent
from restock_bot.tickets.reassign import reassign
from restock_bot.triage.decision import Decision

log = structlog.get_logger(__name__)


class Triager(Protocol):
    """What the service needs of triage."""

    def decide(self, post: Post, parent: Post | None = None, earlier: Sequence[Post] = ()) -> Decision: ...


@dataclass(frozen=True, slots=True)
class InboxRun:
    """What one pass over the inbox did."""

    processed: int = 0
    failed: int = 0


@dataclass(frozen=True, slots=True)
class Delivered:
    replies: int = 0
    notifications: int = 0


def _stores_of(triage: Triager, settings: Settings) -> Mapping[str, Store | StoreRef]:
    """The stores by id: shared with triage's index when it exposes them, else read from the CSV."""
    listed = getattr(getattr(triage, "index", None), "stores", None)
    if isinstance(listed, StoreTable):
        return listed.by_id()
    return {s.store_id: s for s in load_stores(settings.stores_csv)[0]}


class RestockService:
    """Stores posts, acts on triage's decisions, keeps deadlines, delivers replies/notifications, runs gifts.

    Every method reads the time from the injected clock; all state lives in the database."""

    def __init__(
        self,
        database: Database,
        triage: Triager,
        *,
        stores: Mapping[str, Store | StoreRef],
        clock: Clock,
        settings: Settings | None = None,
        notifier: Notifier,
        mailer: Mailer | None = None,
        senders: Iterable[ReplySender] = (),
        retry: RetryPolicy | None = None,
        batch_size: int = 50,
        inbox_batch_size: int = 200,
        stale_after: timedelta = timedelta(minutes=10),
    ) -> None:
        self.database = database
        self.triage = triage
        self.clock = clock
        self.settings = settings or Settings()
        self.rules = Rules.from_settings(self.settings, stores)
        self.notifier = notifier
        self.mailer = mailer
        self.senders: dict[str, ReplySender] = {s.channel: s for s in senders}
        o = self.settings.outbox
        self.retry = retry or RetryPolicy(o.first_delay_seconds, o.max_delay_seconds, o.max_attempts)
        self.batch_size = batch_size
        self.inbox_batch_size = inbox_batch_size  # posts acted on in one transaction
        self.stale_after = stale_after
        self.unfinished = UnfinishedClaims()  # claims to hand back after a stop or a lost database
        self.cursors = ChannelCursors(database, clock)

    @classmethod
    async def open(
        cls,
        settings: Settings,
        *,
        clock: Clock,
        notifier: Notifier,
        mailer: Mailer | None = None,
        senders: Iterable[ReplySender] = (),
        triage: Triager | None = None,
    ) -> RestockService:
        """Build the service from settings: database (schema migrated, see storage/schema.py), triage from the CSVs."""
        if triage is None:
            from restock_bot.triage.decide import Triage

            triage = Triage.from_files(settings.stores_csv, settings.products_csv)
        database = Database(settings.database_url, search_path=settings.database_schema)
        try:
            await schema.prepare(database, auto_migrate=settings.auto_migrate)
        except BaseException:
            await database.dispose()
            raise
        return cls(
            database,
            triage,
            stores=_stores_of(triage, settings),
            clock=clock,
            settings=settings,
            notifier=notifier,
            mailer=mailer,
            senders=senders,
        )

    async def close(self) -> None:
        await self.database.dispose()

    def add_sender(self, sender: ReplySender) -> None:
        """Register the reply sender of a channel (replies for it wait in the outbox until then)."""
        self.senders[sender.channel] = sender

    # --- inbox ------------------------------------------------------------------------------------

    async def accept(self, post: Post) -> bool:
        """PostSink: store the post first; True when new, False when (channel, id) was seen before."""
        async with self.database.session() as session, session.begin():
            return await inbox.add_post(session, post, self.clock.now())

    async def accept_many(self, posts: Iterable[Post]) -> set[tuple[str, str]]:
        """Store a page of posts in one transaction; the (channel, post id) of those that were new."""
        async with self.database.session() as session, session.begin():
            return await inbox.add_posts(session, list(posts), self.clock.now())

    async def process_pending(self, limit: int | None = None) -> InboxRun:
        """Triage and act on waiting posts, oldest first, `inbox_batch_size` in one transaction; a failing post
        is marked failed with its reason and the rest of its batch goes on (restock/intake.py)."""
        processed = failed = 0
        while limit is None or processed + failed < limit:
            size = self.inbox_batch_size if limit is None else min(self.inbox_batch_size, limit - processed - failed)
            try:
                run, taken = await self._process_batch(size)
            except Exception as exc:
                if is_database_unavailable(exc):  # nothing was claimed: the posts wait for the database
                    raise
                log.warning("inbox batch rolled back; taking its posts one by one", error=repr(exc))
                run = await self._process_one_by_one(size)
                taken = run.processed + run.failed
            processed, failed = processed + run.processed, failed + run.failed
            if taken < size:
                break
        return InboxRun(processed, failed)

    async def _process_batch(self, size: int) -> tuple[InboxRun, int]:
        """Hold up to `size` waiting posts, act on them and mark them done or failed, in one transaction."""
        async with self.database.session() as session, session.begin():
            now = self.clock.now()
            rows = await hold(session, PostRow, now=now, limit=size, stale_after=self.stale_after)
            if not rows:
                return InboxRun(), 0
            errors = await intake.act_on_posts(session, rows, self.triage.decide, self.rules, now)
            named = {}
            for row in rows:
                if row.id in errors:
                    named[row.id] = f"post {row.channel}/{row.post_id}: {errors[row.id]}"
                    log.warning("post failed", error=named[row.id], retried=False)
            await finish_all(session, PostRow, [r.id for r in rows if r.id is not None and r.id not in errors], now)
            await fail_all(session, PostRow, named, now)
        return InboxRun(len(rows) - len(errors), len(errors)), len(rows)

    async def _process_one_by_one(self, limit: int) -> InboxRun:
        """Up to `limit` waiting posts, each claimed and then processed in its own transaction (the way back
        when a batch cannot be committed as a whole)."""
        processed = failed = 0
        while processed + failed < limit:
            batch = min(self.batch_size, limit - processed - failed)
            async with self.database.session() as session, session.begin():
                rows = await claim(session, PostRow, now=self.clock.now(), limit=batch, stale_after=self.stale_after)
            if not rows:
                break
            done = await one_by_one(rows, PostRow, self._process_row, self.unfinished)
            processed += done
            failed += len(rows) - done
        return InboxRun(processed, failed)

    async def _process_row(self, row: PostRow) -> int:
        """1 when the claimed post was processed, 0 when it failed."""
        assert row.id is not None
        return int(await self._process(row.id))

    async def _process(self, row_id: int) -> bool:
        error = ""
        for _attempt in range(2):  # a second try when another worker changed the same ticket meanwhile
            try:
                async with self.database.session() as session, session.begin():
                    row = await inbox.get_post_row(session, row_id)
                    assert row is not None
                    now = self.clock.now()
                    await flows.handle_post(session, row, self.triage.decide, self.rules, now)
                    finish(row, now)
                    session.add(row)
                return True
            except tickets.StaleTicket as exc:
                error = str(exc)
            except Exception as exc:
                if is_database_unavailable(exc):  # the database's trouble, not the post's: handed back, tried later
                    raise
                error = f"{type(exc).__name__}: {exc}"  # one bad post must not stop the inbox
                break
        await self._record_failure(row_id, error, None)
        return False

    async def _record_failure(self, row_id: int, error: str, retry: RetryPolicy | None) -> None:
        """Mark the post failed with an error naming it (or, with `retry`, pending for a later attempt)."""
        async with self.database.session() as session, session.begin():
            row = await inbox.get_post_row(session, row_id)
            assert row is not None
            message = f"post {row.channel}/{row.post_id}: {error}"
            log.warning("post failed", error=message, retried=retry is not None)
            fail(row, message, self.clock.now(), retry)
            session.add(row)

    # --- SLA and delivery -------------------------------------------------------------------------

    async def sweep_sla(self, batch: int = 200) -> list[TicketEvent]:
        """Record the warnings and escalations due now (each once), from the timers stored in the tickets.

        Reads only the due tickets, `batch` at a time, each batch claimed in its own transaction so several
        sweepers share the work; a ticket that fails is logged and left for the next sweep."""
        recorded: list[TicketEvent] = []
        failed: set[int] = set()
        while True:
            now = self.clock.now()
            async with self.database.session() as session, session.begin():
                due = await tickets.claim_due_tickets(session, now, batch, skip=failed)
                events = await tickets.events_of_tickets(session, [t.id for t in due if t.id is not None])
                for ticket in due:
                    assert ticket.id is not None
                    try:
                        async with session.begin_nested():
                            recorded += await flows.sweep_ticket(
                                session, ticket, events[ticket.id], self.rules, self.clock.now()
                            )
                    except Exception as exc:  # one bad ticket must not stop the sweep
                        failed.add(ticket.id)
                        log.warning("sla sweep failed for a ticket", ticket=ticket.id, error=repr(exc))
            if len(due) < batch:
                return recorded

    async def next_sla_due(self, after: datetime | None = None) -> datetime | None:
        """When the next warning or escalation falls due (the soonest timer stored in any ticket, later than
        `after` when given), if any."""
        async with self.database.session() as session:
            return await tickets.next_sla_due(session, after)

    async def deliver_outboxes(self) -> Delivered:
        """Send every due reply and distributor notification; failures wait for their next attempt."""
        replies = notes = 0
        while True:
            sent = await delivery.deliver_replies(
                self.database,
                self.senders,
                self.clock,
                self.retry,
                limit=self.batch_size,
                stale_after=self.stale_after,
                unfinished=self.unfinished,
            )
            told = await delivery.deliver_notifications(
                self.database,
                self.notifier,
                self.clock,
                self.retry,
                mailer=self.mailer,
                limit=self.batch_size,
                stale_after=self.stale_after,
                unfinished=self.unfinished,
            )
            replies, notes = replies + sent.delivered, notes + told.delivered
            if sent.claimed < self.batch_size and told.claimed < self.batch_size:
                return Delivered(replies, notes)

    # --- distributor portal -----------------------------------------------------------------------

    async def _change(
        self, ticket_id: int, transition: Transition, who: str, why: str, distributor_id: str | None
    ) -> Ticket:
        async with self.database.session() as session, session.begin():
            return await flows.change_ticket(
                session,
                ticket_id,
                transition,
                who=who,
                why=why,
                rules=self.rules,
                now=self.clock.now(),
                distributor_id=distributor_id,
            )

    async def acknowledge(
        self, ticket_id: int, who: str, why: str = "", *, distributor_id: str | None = None
    ) -> Ticket:
        """The distributor has seen the ticket. `distributor_id` limits the change to their own tickets."""
        return await self._change(ticket_id, lifecycle.acknowledge, who, why, distributor_id)

    async def mark_restocked(
        self, ticket_id: int, who: str, why: str = "", *, distributor_id: str | None = None
    ) -> Ticket:
        """The product is back: reporters are told and their gifts queued or held."""
        return await self._change(ticket_id, lifecycle.restock, who, why, distributor_id)

    async def mark_not_a_stockout(
        self, ticket_id: int, who: str, why: str, *, distributor_id: str | None = None
    ) -> Ticket:
        """Nothing was missing: the ticket closes and its reporters' next gifts are held for review."""
        return await self._change(ticket_id, lifecycle.mark_not_a_stockout, who, why, distributor_id)

    async def report_cannot_supply(
        self, ticket_id: int, who: str, why: str, promised_date: datetime, *, distributor_id: str | None = None
    ) -> Ticket:
        """The distributor cannot restock in time and promises `promised_date` (why is required); the
        deadline stays until an approver accepts the date (the rung above the distributor is asked)."""

        def declare(ticket: Ticket, *, who: str, why: str, at: datetime) -> Change:
            return lifecycle.cannot_supply(ticket, who=who, why=why, promised=promised_date, at=at)

        return await self._change(ticket_id, declare, who, why, distributor_id)

    async def approve_new_date(self, ticket_id: int, approver: str, why: str = "") -> Ticket:
        """An approver accepts the promised date: it becomes the deadline, with fresh warnings and ladder."""
        return await self._change(ticket_id, _approve, approver, why, None)

    async def reassign(self, ticket_id: int, to: str, who: str, why: str = "") -> Ticket:
        """An operator moves an active ticket to distributor `to` (which hears of it like a new ticket)."""
        known = set(self.rules.distributors) | {s.distributor_id for s in self.rules.stores.values()}
        if to not in known:
            raise ValueError(f"to: distributor {to!r} is not in the config or the store list")

        def move(ticket: Ticket, *, who: str, why: str, at: datetime) -> Change:
            return reassign(ticket, to=to, who=who, why=why, at=at)

        return await self._change(ticket_id, move, who, why, None)

    # --- signed action links ----------------------------------------------------------------------

    def read_action_link(self, token: str) -> ActionLink:
        """What a link allows; BadLink when it is forged, damaged or expired (or links are switched off)."""
        secret = reveal(self.settings.action_links.secret)
        if not secret:
            raise BadLink("link: action links are switched off (action_links.secret is not set)")
        return read_link(secret, token, self.clock.now())

    async def action_link_use(self, link: ActionLink) -> ActionLinkUseRow | None:
        """When and by whom the link was used, if it was."""
        async with self.database.session() as session:
            return await links.link_use(session, link.nonce)

    async def act_through_link(
        self, token: str, who: str, why: str = "", promised_date: datetime | None = None
    ) -> tuple[ActionLink, Ticket]:
        """Do what a signed link allows, once: the use is recorded in the action's own transaction."""
        link = self.read_action_link(token)
        transition = _link_transition(link.action, promised_date)
        actor = f"{who.strip()} (link to {link.recipient})" if who.strip() else ""
        now = self.clock.now()
        async with self.database.session() as session, session.begin():
            used = await links.use_link(
                session, nonce=link.nonce, ticket_id=link.ticket_id, action=link.action, used_by=actor, at=now
            )
            if not used:
                raise LinkUsed("link: already used (each link works once)")
            ticket = await flows.change_ticket(
                session,
                link.ticket_id,
                transition,
                who=actor,
                why=why,
                rules=self.rules,
                now=now,
                distributor_id=link.distributor_id,
            )
        return link, ticket

    # --- operators --------------------------------------------------------------------------------

    async def dead_letters(self, limit: int = 200) -> list[DeadLetter]:
        """Notifications and replies that failed for good, newest first, with the error naming each."""
        async with self.database.session() as session:
            return await outbox.dead_letters(session, limit)

    async def retry_dead_letter(self, box: str, row_id: int) -> bool:
        """Give a dead letter a fresh round of attempts; False when there is no such dead letter."""
        async with self.database.session() as session, session.begin():
            return await outbox.retry_dead_letter(session, box, row_id, self.clock.now())

    async def send_digests(self, at: datetime | None = None, *, zone: str | None = None) -> int:
        """Queue every distributor's digest (only those whose digests follow time zone `zone`, when given) for
        the digest time `at` (default: each one's latest digest time passed, in its own time zone); each once
        per digest time and recipient. How many notifications were queued."""
        now = self.clock.now()
        times = self.settings.digest.times
        queued = 0
        for distributor_id in self.rules.distributors:
            local = self.rules.digest_timezone(distributor_id)
            if zone is not None and local != zone:
                continue
            slot = at or digest_slot(now, times, local)
            if slot is None:
                continue
            async with self.database.session() as session, session.begin():
                queued += await digests.queue_digest(session, self.rules, distributor_id, slot, now)
        return queued

    async def distributor_record(self, distributor_id: str) -> board.DistributorRecord:
        async with self.database.session() as session:
            return await board.distributor_record(session, distributor_id, self.clock.now())

    # --- gifts ------------------------------------------------------------------------------------

    async def gift_queue(self, state: GiftState | None = None) -> list[Gift]:
        """Gifts for marketing, oldest first, optionally in one state."""
        async with self.database.session() as session:
            return await stored_gifts.list_gifts(session, state)

    async def _decide_gift(self, gift_id: int, decide: GiftDecision) -> Gift:
        async with self.database.session() as session, session.begin():
            gift = await stored_gifts.get_gift(session, gift_id)
            if gift is None:
                raise LookupError(f"gift #{gift_id} not found")
            decided = decide(gift, self.clock.now())
            await stored_gifts.save_gift(session, decided)
            return decided

    async def approve_gift(self, gift_id: int, who: str, note: str = "") -> Gift:
        return await self._decide_gift(gift_id, lambda g, at: approve(g, who=who, at=at, note=note))

    async def reject_gift(self, gift_id: int, who: str, note: str) -> Gift:
        """Reject a gift; the note saying why is required."""
        return await self._decide_gift(gift_id, lambda g, at: reject(g, who=who, at=at, note=note))

    async def mark_gift_shipped(self, gift_id: int, who: str) -> Gift:
        return await self._decide_gift(gift_id, lambda g, at: ship(g, who=who, at=at))

    async def export_gifts_csv(self, state: GiftState | None = None) -> str:
        """The gift queue as CSV text."""
        return gifts_csv(await self.gift_queue(state))

    # --- reads for the web ------------------------------------------------------------------------

    async def board_counts(self) -> board.BoardCounts:
        async with self.database.session() as session:
            return await board.board_counts(session)

    async def recent_restocks(self, limit: int = 20) -> list[board.RestockView]:
        async with self.database.session() as session:
            return await board.recent_restocks(session, self.rules.store_label, limit)

    async def median_hours_to_restock(self) -> float | None:
        async with self.database.session() as session:
            return await board.median_hours_to_restock(session)

    async def distributor_queue(self, distributor_id: str) -> list[board.QueueItem]:
        async with self.database.session() as session:
            return await board.distributor_queue(session, distributor_id, self.clock.now(), self.rules.store_label)

    async def reporters(self, limit: int = 200) -> list[board.ReporterView]:
        async with self.database.session() as session:
            return await board.reporters(session, limit)

    async def ticket_history(self, ticket_id: int) -> board.TicketHistory:
        async with self.database.session() as session:
            history = await board.ticket_history(session, ticket_id, self.rules.store_label)
        if history is None:
            raise TicketNotFound(f"ticket #{ticket_id} not found")
        return history

    async def failed_posts(self, limit: int = 100) -> list[PostRow]:
        """Posts that could not be processed, with the error naming each."""
        async with self.database.session() as session:
            return await inbox.failed_posts(session, limit)

    async def inbox_counts(self) -> dict[str, int]:
        async with self.database.session() as session:
            return await inbox.inbox_counts(session)

    async def get_cursor(self, key: str) -> str | None:
        return await self.cursors.get_cursor(key)

    async def set_cursor(self, key: str, value: str) -> None:
        await self.cursors.set_cursor(key, value)


def _approve(ticket: Ticket, *, who: str, why: str, at: datetime) -> Change:
    return lifecycle.approve_new_date(ticket, approver=who, why=why, at=at)


def _link_transition(action: str, promised_date: datetime | None) -> Transition:
    """The change a link's action makes; cannot supply needs the promised date."""
    simple: dict[str, Transition] = {
        "acknowledge": lifecycle.acknowledge,
        "restocked": lifecycle.restock,
        "not-a-stockout": lifecycle.mark_not_a_stockout,
        APPROVE_NEW_DATE: _approve,
    }
    if action in simple:
        return simple[action]
    if promised_date is None:
        raise ValueError("promised_date: say when the store will be restocked")
    promised = promised_date

    def declare(ticket: Ticket, *, who: str, why: str, at: datetime) -> Change:
        return lifecycle.cannot_supply(ticket, who=who, why=why, promised=promised, at=at)

    return declare
