"""The inbox worker's batch: posts held together and acted on in one transaction, with the rows they call
for written a table at a time.

What one post does is what `flows.act_on_decision` does for it: the decision is kept, a report opens or
joins the open ticket of its store and product, the ticket's events are recorded and their notifications
and the reply to the reporter queued. Here the reads are made once a batch (open tickets, their reporters
and events, restocks of the same keys) and the writes are one statement per table, the batch's later
posts seeing what its earlier ones did (a repeat report joins the ticket opened a few posts before).

- A post that triage or the flow rejects is marked failed with its reason; the others are committed.
- Rarer posts (a reply naming the store a 'which store?' was asked about, a report that reopens a restocked
  ticket) go through `flows.act_on_decision` on their own, in a savepoint, after what comes before them is
  written.
- Everything, the posts' status included, commits at once: a process killed half-way leaves the posts
  pending and nothing else. A batch that fails as a whole (a race with another worker on the same ticket)
  is rolled back for the caller to take post by post.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

import structlog
from sqlmodel.ext.asyncio.session import AsyncSession

from restock_bot.post import Post
from restock_bot.restock import flows
from restock_bot.restock.caps import CapBudget
from restock_bot.restock.notices import event_notifications, notifies
from restock_bot.restock.rules import Rules
from restock_bot.retailers import Store, StoreRef
from restock_bot.storage import inbox, tickets
from restock_bot.storage.database import insert_many, insert_many_ids
from restock_bot.storage.outage import is_database_unavailable
from restock_bot.storage.outbox import queue_many, reply_values
from restock_bot.storage.tables import DecisionRow, PostRow, ReportRow, TicketEventRow, TicketRow
from restock_bot.tickets import lifecycle, sla
from restock_bot.tickets.models import EventKind, Ticket, TicketEvent, reporter_key, ticket_key
from restock_bot.tickets.priority import priority
from restock_bot.triage.decision import Action, Decision

log = structlog.get_logger(__name__)

Decide = flows.Decide


@dataclass(slots=True)
class _Open:
    """An open ticket the batch reports on: as stored, or opened by one of the batch's posts (`id` None)."""

    ticket: Ticket
    events: list[TicketEvent]
    reports: dict[str, int]  # reports per reporter
    repeats: int  # restocked tickets of the same key within the priority window
    stored_due: datetime | None = None
    stored_priority: int | None = None  # None: not stored yet


@dataclass(slots=True)
class _Event:
    """An event waiting to be recorded, with the ticket as it was then and its report count (for notices)."""

    target: _Open
    event: TicketEvent
    ticket: Ticket
    reports: int


@dataclass(frozen=True, slots=True)
class _Ack:
    """The reply to a report, written once its ticket has a number: the ticket as the report left it."""

    target: _Open
    ticket: Ticket
    store: Store | StoreRef
    author_name: str
    first: EventKind

    def values(self, now: datetime) -> dict[str, Any]:
        ticket = replace(self.ticket, id=self.target.ticket.id)
        text = flows.acknowledgement_text(ticket, self.store, self.author_name, self.first, now)
        return {"ticket_id": ticket.id, "text": text}


@dataclass(slots=True)
class _Writes:
    """The rows planned since the last flush, in the order of the posts that call for them."""

    decisions: list[dict[str, Any]] = field(default_factory=list)
    new_tickets: list[_Open] = field(default_factory=list)
    reports: list[tuple[_Open, dict[str, Any]]] = field(default_factory=list)
    events: list[_Event] = field(default_factory=list)
    replies: list[tuple[_Ack | None, dict[str, Any]]] = field(default_factory=list)
    touched: dict[int, _Open] = field(default_factory=dict)  # stored tickets whose timer or priority may move


class NeedsOwnPass(Exception):
    """The post takes the full flow on its own (it reopens a restocked ticket)."""


class Intake:
    """One batch: what was read for it, and the writes its posts call for."""

    def __init__(self, session: AsyncSession, rules: Rules, now: datetime) -> None:
        self.session = session
        self.rules = rules
        self.now = now
        self.writes = _Writes()
        self._open: dict[str, _Open] = {}
        self._restocked: dict[str, Ticket] = {}
        self._repeats: dict[str, int] = {}
        self.loaded: set[str] = set()
        self.posts: dict[int, Post] = {}  # the batch's posts, read once from their rows
        self.budget = CapBudget(rules)  # read by act_on_posts before planning

    # --- reads ------------------------------------------------------------------------------------

    async def load(self, keys: Sequence[str]) -> None:
        """Read what the batch needs about these ticket keys (those not read yet), a statement per kind."""
        keys = sorted(set(keys) - self.loaded)
        if not keys:
            return
        s = self.session
        since = self.now - timedelta(days=self.rules.priority.repeat_window_days)
        stored = await tickets.open_ticket_rows(s, keys)
        self._restocked.update(await tickets.last_restocked_of(s, [k for k in keys if k not in stored]))
        repeats = await tickets.stockouts_since(s, keys, since)
        ids = [r.id for r in stored.values() if r.id is not None]
        events = await tickets.events_of_tickets(s, ids)
        reports = await tickets.reports_by_reporter(s, ids)
        for key, row in stored.items():
            assert row.id is not None
            self._open[key] = _Open(
                ticket=tickets.ticket_of(row),
                events=events[row.id],
                reports=reports[row.id],
                repeats=repeats.get(key, 0),
                stored_due=row.sla_due_at,
                stored_priority=row.priority or 0,
            )
        self._repeats.update(repeats)
        self.loaded.update(keys)

    def forget(self) -> None:
        """Drop what was read (after a post took the full flow, which may have changed any ticket)."""
        self._open.clear()
        self._restocked.clear()
        self._repeats.clear()
        self.loaded.clear()

    # --- planning (no database) -------------------------------------------------------------------

    def plan(self, row: PostRow, decision: Decision, parent: PostRow | None) -> None:
        """Plan what the decision on `row` calls for; raises (planning nothing) when the post cannot be taken,
        NeedsOwnPass when it needs the full flow."""
        kept = inbox.decision_values(row, decision, parent, self.now)
        if decision.action is Action.TICKET:
            self._plan_report(row, decision)
        elif decision.action is Action.CLARIFY:
            self.writes.replies.append((None, reply_values(**flows.clarify_reply(row, decision, self.now))))
        self.writes.decisions.append(kept)

    def _plan_report(self, row: PostRow, decision: Decision) -> None:
        store = self.rules.stores.get(decision.store_id or "")
        if store is None:
            raise flows.UnknownStore(f"store_id {decision.store_id!r} is not in the retailer list")
        assert row.id is not None
        key = ticket_key(store.store_id, decision.sku, decision.brand)
        reporter = reporter_key(row.channel, row.author_id)
        post = self.posts.get(row.id) or inbox.post_of(row)
        reported_at = min(post.created_at, row.received_at)
        report_ref = f"{row.channel}/{row.post_id}"
        target = self._open.get(key)
        if target is None:
            policy = self.rules.policy_at(store)
            restocked = self._restocked.get(key)
            if restocked is not None and lifecycle.reopens(restocked, self.now, policy.reopen_days):
                raise NeedsOwnPass(key)
            if not self.budget.allows(reporter, store):
                raise NeedsOwnPass(key)  # over a ticket cap: the full flow holds the report
            change = lifecycle.open_ticket(
                store_id=store.store_id,
                distributor_id=store.distributor_id,
                sku=decision.sku,
                brand=decision.brand,
                reporter=reporter,
                report_ref=report_ref,
                reported_at=reported_at,
                at=self.now,
                policy=policy.sla,
            )
            target = _Open(change.ticket, [], {}, self._repeats.get(key, 0))
            self._open[key] = target  # nothing above changed the batch: from here on the post is taken
            self.writes.new_tickets.append(target)
            self.budget.opened(reporter, store.store_id)
        else:
            change = lifecycle.merge_report(target.ticket, reporter=reporter, report_ref=report_ref, at=self.now)
            if target.ticket.id is not None:
                self.writes.touched[target.ticket.id] = target
        target.reports[reporter] = target.reports.get(reporter, 0) + 1
        value = priority(len(target.reports), target.repeats + change.ticket.reopens, self.rules.priority)
        ticket = replace(change.ticket, priority=value)
        target.ticket = ticket
        target.events.extend(change.events)
        count = sum(target.reports.values())
        self.writes.events += [_Event(target, e, ticket, count) for e in change.events]
        self.writes.reports.append(
            (
                target,
                {
                    "post_row_id": row.id,
                    "reporter": reporter,
                    "reporter_name": row.author_name,
                    "channel": row.channel,
                    "reported_at": reported_at,
                    "via_post_row_id": None,
                },
            )
        )
        reply = reply_values(
            key=f"ack:{row.id}",
            kind="acknowledgement",
            channel=row.channel,
            to_post_row_id=row.id,
            text="",  # written once the ticket has its number
            now=self.now,
        )
        self.writes.replies.append((_Ack(target, ticket, store, row.author_name, change.events[0].kind), reply))

    # --- writes -----------------------------------------------------------------------------------

    def _due(self, target: _Open) -> datetime | None:
        policy = self.rules.policy_for(target.ticket)
        return sla.next_due_at(target.ticket, target.events, self.now, policy.ladder_names, policy.sla)

    async def flush(self) -> None:
        """Write what was planned: a statement per table (new tickets and events return their ids)."""
        w, s, now = self.writes, self.session, self.now
        self.writes = _Writes()
        await insert_many(s, DecisionRow, w.decisions)
        for target in w.new_tickets:
            target.stored_due, target.stored_priority = self._due(target), target.ticket.priority
        rows = [tickets.ticket_values(t.ticket, t.stored_due) for t in w.new_tickets]
        opened = await insert_many_ids(s, TicketRow, rows, ["open_key"])
        for target in w.new_tickets:
            target.ticket = replace(target.ticket, id=opened[(target.ticket.key,)])
        await insert_many(s, ReportRow, [{**v, "ticket_id": t.ticket.id} for t, v in w.reports])
        rows = [tickets.event_values(_id(e.target), e.event) for e in w.events]
        recorded = await insert_many_ids(s, TicketEventRow, rows, ["ticket_id", "key"])
        notes: list[dict[str, Any]] = []
        for planned in w.events:
            ticket_id, event = _id(planned.target), planned.event
            log.info("ticket_event", ticket=ticket_id, kind=event.kind.value, actor=event.actor, tier=event.tier)
            if notifies(event, self.rules, planned.ticket):
                event = replace(event, ticket_id=ticket_id, id=recorded[(ticket_id, event.key)])
                ticket = replace(planned.ticket, id=ticket_id)
                notes += event_notifications(ticket, event, self.rules, now, planned.reports)
        await queue_many(s, "notifications", notes)
        replies = [v if ack is None else {**v, **ack.values(now)} for ack, v in w.replies]
        await queue_many(s, "replies", replies)
        changed: list[tuple[int, datetime | None, int]] = []
        for ticket_id, target in w.touched.items():
            due = self._due(target)
            if due != target.stored_due or target.ticket.priority != target.stored_priority:
                changed.append((ticket_id, due, target.ticket.priority))
                target.stored_due, target.stored_priority = due, target.ticket.priority
        await tickets.set_timers_and_priorities(s, changed)


def _id(target: _Open) -> int:
    assert target.ticket.id is not None
    return target.ticket.id


# --- the batch ------------------------------------------------------------------------------------


def _error(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


def _on_its_own(row: PostRow, decision: Decision) -> bool:
    """A reply naming the store of a post that was asked 'which store?' is credited to that post."""
    return decision.action is Action.TICKET and bool(decision.resolves) and decision.resolves != row.post_id


async def _clarified_parent(
    session: AsyncSession, row: PostRow, seen: dict[tuple[str, str], tuple[PostRow, Decision]]
) -> PostRow | None:
    """The post `row` answers when that post was asked 'which store?': decided earlier in this batch, or stored."""
    if not row.in_reply_to:
        return None
    earlier = seen.get((row.channel, row.in_reply_to))
    if earlier is None:
        return await inbox.clarified_parent(session, row)
    parent, decision = earlier
    return parent if decision.action is Action.CLARIFY and parent.id != row.id else None


async def _thread_above(session: AsyncSession, parent: PostRow, parent_of: dict[int, PostRow]) -> list[PostRow]:
    """The thread above `parent`, nearest first: through this batch's own links, then the stored ones."""
    above: list[PostRow] = []
    current = parent
    while current.id in parent_of and len(above) < 4:
        current = parent_of[current.id]
        above.append(current)
    if len(above) < 4:
        above += await inbox.thread_above(session, current, 4 - len(above))
    return above


async def _own_pass(
    session: AsyncSession, row: PostRow, decision: Decision, parent: PostRow | None, rules: Rules, now: datetime
) -> str | None:
    """Act on one post through the full flow in a savepoint; its error, or None when it went through."""
    error = ""
    for _attempt in range(2):  # a second try when another worker changed the same ticket meanwhile
        try:
            async with session.begin_nested():
                await flows.act_on_decision(session, row, decision, parent, rules, now)
            return None
        except tickets.StaleTicket as exc:
            error = str(exc)
        except Exception as exc:
            if is_database_unavailable(exc):
                raise
            return _error(exc)
    return error


async def act_on_posts(
    session: AsyncSession, rows: Sequence[PostRow], decide: Decide, rules: Rules, now: datetime
) -> dict[int, str]:
    """Triage the held posts and act on each decision, in order; the error of each post that failed, by row id.

    The caller marks the posts done or failed in the same transaction."""
    errors: dict[int, str] = {}
    decided: list[tuple[PostRow, Decision, PostRow | None]] = []
    seen: dict[tuple[str, str], tuple[PostRow, Decision]] = {}
    parent_of: dict[int, PostRow] = {}  # the parent each post of this batch was read with (not stored yet)
    intake = Intake(session, rules, now)
    for row in rows:
        assert row.id is not None
        parent = await _clarified_parent(session, row, seen)
        try:
            post = intake.posts[row.id] = inbox.post_of(row)
            if parent is None:
                decision = decide(post, None)
            else:
                parent_of[row.id] = parent
                earlier = [inbox.post_of(r) for r in await _thread_above(session, parent, parent_of)]
                decision = decide(post, inbox.post_of(parent), earlier)
        except Exception as exc:  # one bad post must not stop the batch
            errors[row.id] = _error(exc)
            continue
        seen[(row.channel, row.post_id)] = (row, decision)
        decided.append((row, decision, parent))
    keys = [ticket_key(d.store_id or "", d.sku, d.brand) if d.action is Action.TICKET else "" for _, d, _ in decided]
    reporters = {reporter_key(r.channel, r.author_id) for r, d, _ in decided if d.action is Action.TICKET}
    stores = {d.store_id for _, d, _ in decided if d.action is Action.TICKET and d.store_id}
    await intake.budget.read(session, reporters, stores, now)
    for at, (row, decision, parent) in enumerate(decided):
        assert row.id is not None
        if not _on_its_own(row, decision):
            if keys[at] and keys[at] not in intake.loaded:
                await intake.load([k for k in keys[at:] if k])
            try:
                intake.plan(row, decision, parent)
                continue
            except NeedsOwnPass:
                pass
            except Exception as exc:
                errors[row.id] = _error(exc)
                continue
        await intake.flush()  # the full flow reads what the posts before this one did
        error = await _own_pass(session, row, decision, parent, rules, now)
        intake.forget()
        await intake.budget.read(session, reporters, stores, now)
        if error is not None:
            errors[row.id] = error
    await intake.flush()
    return errors
