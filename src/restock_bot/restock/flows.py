"""What happens inside one transaction when a post is triaged, a ticket changes or the SLA comes due.

One dispatcher (`_follow`) matches each newly recorded event to its side effects, so notifications,
replies and gifts come from events and happen once per event."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any, Protocol

import structlog
from sqlmodel.ext.asyncio.session import AsyncSession

from restock_bot.gifts.eligibility import assess_gift
from restock_bot.gifts.queue import Gift
from restock_bot.post import Post
from restock_bot.restock.caps import hold_if_capped
from restock_bot.restock.notices import notify_event
from restock_bot.restock.rules import Rules
from restock_bot.retailers import Store, StoreRef
from restock_bot.storage import gifts as stored_gifts
from restock_bot.storage import inbox, tickets
from restock_bot.storage.outbox import queue_reply
from restock_bot.storage.tables import PostRow, ReportRow
from restock_bot.tickets import lifecycle, messages, sla
from restock_bot.tickets.lifecycle import Change, Transition
from restock_bot.tickets.models import EventKind, Ticket, TicketEvent, event_key, reporter_key, ticket_key
from restock_bot.tickets.priority import priority
from restock_bot.triage.decision import Action, Decision

__all__ = ["Rules", "TicketNotFound", "UnknownStore"]

log = structlog.get_logger(__name__)


class UnknownStore(ValueError):
    """Triage named a store that is not in the retailer list."""


class TicketNotFound(LookupError):
    """No such ticket (or not one of this distributor's)."""


# --- posts -----------------------------------------------------------------------------------------


class Decide(Protocol):
    """Triage's answer for a post, read with the post it answers and the thread above that one."""

    def __call__(self, post: Post, parent: Post | None = None, earlier: Sequence[Post] = ()) -> Decision: ...


async def handle_post(
    session: AsyncSession,
    row: PostRow,
    decide: Decide,
    rules: Rules,
    now: datetime,
) -> Decision:
    """Triage one inbox post (with the post it answers, when that was asked 'which store?', and the thread
    above that one) and act on it."""
    post = inbox.post_of(row)
    parent_row = await inbox.clarified_parent(session, row)
    if parent_row is None:
        decision = decide(post, None)
    else:
        earlier = [inbox.post_of(r) for r in await inbox.thread_above(session, parent_row)]
        decision = decide(post, inbox.post_of(parent_row), earlier)
    await act_on_decision(session, row, decision, parent_row, rules, now)
    return decision


async def act_on_decision(
    session: AsyncSession, row: PostRow, decision: Decision, parent_row: PostRow | None, rules: Rules, now: datetime
) -> None:
    """Store triage's decision on a post and do what it calls for: a report on a ticket, or 'which store?'."""
    await inbox.add_decision(session, row, decision, parent_row, now)
    if decision.action is Action.TICKET:
        await _file_report(session, row, decision, rules, now)
    elif decision.action is Action.CLARIFY:
        assert row.id is not None
        await queue_reply(session, **clarify_reply(row, decision, now))


def clarify_reply(row: PostRow, decision: Decision, now: datetime) -> dict[str, Any]:
    """The 'which store?' reply to a post triage could not place."""
    assert row.id is not None
    text = messages.clarification([c.label for c in decision.candidates], row.author_name)
    return {
        "key": f"clarify:{row.id}",
        "kind": "clarify",
        "channel": row.channel,
        "to_post_row_id": row.id,
        "text": text,
        "now": now,
    }


async def _credited_row(session: AsyncSession, row: PostRow, decision: Decision) -> PostRow:
    """The post a report is credited to: the original asked 'which store?' when this reply resolves it."""
    if not decision.resolves or decision.resolves == row.post_id:
        return row
    original = await inbox.find_post_row(session, row.channel, decision.resolves)
    if original is None or original.id is None:
        return row
    asked = await inbox.decision_of(session, original.id)
    already = await tickets.report_of_post(session, original.id)
    return original if asked and asked.action == Action.CLARIFY.value and already is None else row


async def _file_report(session: AsyncSession, row: PostRow, decision: Decision, rules: Rules, now: datetime) -> None:
    """Open a ticket or join the open one, credit the reporter and queue the acknowledgement."""
    store = rules.stores.get(decision.store_id or "")
    if store is None:
        raise UnknownStore(f"store_id {decision.store_id!r} is not in the retailer list")
    credited = await _credited_row(session, row, decision)
    assert credited.id is not None and row.id is not None
    report = ReportRow(
        post_row_id=credited.id,
        ticket_id=0,
        reporter=reporter_key(credited.channel, credited.author_id),
        reporter_name=credited.author_name,
        channel=credited.channel,
        reported_at=min(inbox.post_of(credited).created_at, credited.received_at),
        via_post_row_id=row.id if credited is not row else None,
    )
    if await hold_if_capped(session, store, decision, report, rules, now):
        return  # over a ticket cap: recorded with the reason; no ticket, no reply, no distributor told
    ticket, change = await _open_or_join(
        session, store, decision, report, f"{credited.channel}/{credited.post_id}", rules, now
    )
    assert ticket.id is not None
    report.ticket_id = ticket.id
    await tickets.add_report(session, report)
    ticket = await _refresh_priority(session, ticket, rules, now)
    await record_events(session, ticket, change.events, rules, now)
    await refresh_timer(session, ticket, rules, now)
    text = acknowledgement_text(ticket, store, row.author_name, change.events[0].kind, now)
    await queue_reply(
        session,
        key=f"ack:{row.id}",
        kind="acknowledgement",
        channel=row.channel,
        to_post_row_id=row.id,
        ticket_id=ticket.id,
        text=text,
        now=now,
    )


def acknowledgement_text(
    ticket: Ticket, store: Store | StoreRef, author_name: str, first: EventKind, now: datetime
) -> str:
    """The reply to a report: a new ticket, a joined one, or one reopened."""
    if first is EventKind.REOPENED:
        return messages.reopened(ticket, store.label, author_name, now)
    return messages.acknowledgement(ticket, store.label, author_name, first is EventKind.OPENED, now)


async def _refresh_priority(session: AsyncSession, ticket: Ticket, rules: Rules, now: datetime) -> Ticket:
    """Store the ticket's priority from its distinct reporters and the store's repeat stock-outs of it."""
    assert ticket.id is not None
    since = now - timedelta(days=rules.priority.repeat_window_days)
    reporters = await tickets.distinct_reporters(session, ticket.id)
    repeats = await tickets.earlier_stockouts(session, ticket, since) + ticket.reopens
    value = priority(reporters, repeats, rules.priority)
    if value != ticket.priority:
        await tickets.set_priority(session, ticket.id, value)
    return replace(ticket, priority=value)


async def _open_or_join(
    session: AsyncSession,
    store: Store | StoreRef,
    decision: Decision,
    report: ReportRow,
    report_ref: str,
    rules: Rules,
    now: datetime,
) -> tuple[Ticket, Change]:
    """The open ticket for this store and product, opened by this report when there is none."""
    key = ticket_key(store.store_id, decision.sku, decision.brand)
    existing = await tickets.find_open_ticket(session, key)
    if existing is None:
        policy = rules.policy_at(store)
        restocked = await tickets.last_restocked(session, key)
        if restocked is not None and lifecycle.reopens(restocked, now, policy.reopen_days):
            change = lifecycle.reopen(
                restocked,
                reporter=report.reporter,
                report_ref=report_ref,
                reported_at=report.reported_at,
                at=now,
                policy=policy.sla,
            )
            await tickets.update_ticket(session, restocked, change.ticket)  # StaleTicket: another worker did
            return change.ticket, change
        change = lifecycle.open_ticket(
            store_id=store.store_id,
            distributor_id=store.distributor_id,
            sku=decision.sku,
            brand=decision.brand,
            reporter=report.reporter,
            report_ref=report_ref,
            reported_at=report.reported_at,
            at=now,
            policy=policy.sla,
        )
        opened = await tickets.insert_ticket(session, change.ticket)
        if opened is not None:
            return opened, change
        existing = await tickets.find_open_ticket(session, key)  # another worker opened it meanwhile
        if existing is None:
            raise tickets.StaleTicket(f"ticket for {key} closed while the report was filed; try again")
    return existing, lifecycle.merge_report(existing, reporter=report.reporter, report_ref=report_ref, at=now)


# --- ticket changes --------------------------------------------------------------------------------


async def apply_change(
    session: AsyncSession,
    before: Ticket,
    change: Change,
    rules: Rules,
    now: datetime,
    recorded: list[TicketEvent] | None = None,
) -> Ticket:
    """Store a transition of an existing ticket, record its events (added to `recorded`), follow them."""
    if change.ticket != before:
        await tickets.update_ticket(session, before, change.ticket)
    new_events = await record_events(session, change.ticket, change.events, rules, now)
    if recorded is not None:
        recorded.extend(new_events)
    return change.ticket


async def record_events(
    session: AsyncSession, ticket: Ticket, events: tuple[TicketEvent, ...], rules: Rules, now: datetime
) -> list[TicketEvent]:
    """Record each event once; only newly recorded ones get their side effects."""
    assert ticket.id is not None
    recorded: list[TicketEvent] = []
    for event in events:
        stored = await tickets.add_event(session, ticket.id, event)
        if stored is not None:
            recorded.append(stored)
            log.info("ticket_event", ticket=ticket.id, kind=stored.kind.value, actor=stored.actor, tier=stored.tier)
            await _follow(session, ticket, stored, rules, now)
    return recorded


async def refresh_timer(session: AsyncSession, ticket: Ticket, rules: Rules, now: datetime) -> None:
    """Store when the SLA sweep must next look at the ticket: the timer lives in the row, not in memory."""
    assert ticket.id is not None
    events = await tickets.events_of(session, ticket.id)
    policy = rules.policy_for(ticket)
    when = sla.next_due_at(ticket, events, now, policy.ladder_names, policy.sla)
    await tickets.set_sla_due_at(session, ticket.id, when)


async def _follow(session: AsyncSession, ticket: Ticket, event: TicketEvent, rules: Rules, now: datetime) -> None:
    """The side effects of one new event."""
    assert ticket.id is not None and event.id is not None
    await notify_event(session, ticket, event, rules, now)
    if event.kind is EventKind.RESTOCKED:
        await _thank_reporters(session, ticket, rules, now)
    elif event.kind is EventKind.NOT_A_STOCKOUT:
        await _tell_reporters_it_was_in_stock(session, ticket, rules, now)


async def _first_reports(session: AsyncSession, ticket_id: int) -> dict[str, ReportRow]:
    """Each reporter's first report on the ticket (one reply per reporter)."""
    first: dict[str, ReportRow] = {}
    for report in await tickets.reports_of(session, ticket_id):
        first.setdefault(report.reporter, report)
    return first


async def _reply_to_reporter(
    session: AsyncSession, ticket: Ticket, reporter: str, report: ReportRow, kind: str, text: str, now: datetime
) -> None:
    """Queue one reply to one reporter of a ticket, once per (kind, ticket, reporter, deadline round)."""
    assert ticket.id is not None
    await queue_reply(
        session,
        key=event_key(f"{kind}:{ticket.id}:{reporter}", ticket.deadline_round),
        kind=kind,
        channel=report.channel,
        to_post_row_id=report.post_row_id,
        ticket_id=ticket.id,
        text=text,
        now=now,
    )


async def _tell_reporters_it_was_in_stock(session: AsyncSession, ticket: Ticket, rules: Rules, now: datetime) -> None:
    """A polite note to every reporter: the distributor found it on the shelf (no gift)."""
    assert ticket.id is not None
    label = rules.store_label(ticket.store_id)
    for reporter, report in (await _first_reports(session, ticket.id)).items():
        text = messages.not_a_stockout(ticket, label, report.reporter_name)
        await _reply_to_reporter(session, ticket, reporter, report, "not_a_stockout", text, now)


async def _thank_reporters(session: AsyncSession, ticket: Ticket, rules: Rules, now: datetime) -> None:
    """Tell every reporter their store is restocked and queue (or hold) their gift."""
    assert ticket.id is not None
    label = rules.store_label(ticket.store_id)
    window = timedelta(days=rules.gift_policy.cooldown_days)
    for reporter, report in (await _first_reports(session, ticket.id)).items():
        text = messages.restocked(ticket, label, report.reporter_name)
        await _reply_to_reporter(session, ticket, reporter, report, "restocked", text, now)
        record = await stored_gifts.reporter_record(
            session, reporter, now, window, ticket_id=ticket.id, stores=rules.stores, abuse=rules.gift_policy.abuse
        )
        verdict = assess_gift(record, now, rules.gift_policy)
        if verdict.state is not None:
            await stored_gifts.add_gift(
                session,
                Gift(
                    id=None,
                    reporter=reporter,
                    reporter_name=report.reporter_name,
                    channel=report.channel,
                    ticket_id=ticket.id,
                    store_id=ticket.store_id,
                    state=verdict.state,
                    reason=verdict.reason,
                    created_at=now,
                ),
            )


# --- SLA -------------------------------------------------------------------------------------------


async def sweep_ticket(
    session: AsyncSession, ticket: Ticket, events: list[TicketEvent], rules: Rules, now: datetime
) -> list[TicketEvent]:
    """Send the warning and escalations now due for one ticket (each once), then reset its timer.

    `ticket` and its `events` were read in this transaction with the ticket's row held (claim_due_tickets)."""
    assert ticket.id is not None
    ticket_id = ticket.id
    if not ticket.is_active:  # closed with a timer left over: clear it, or every sweep would read it again
        await tickets.set_sla_due_at(session, ticket_id, None)
        return []
    policy = rules.policy_for(ticket)
    recorded: list[TicketEvent] = []
    for item in sla.due(ticket, events, now, policy.ladder_names, policy.sla):
        if item.tier is None:
            left = (ticket.deadline - now).total_seconds() / 3600
            reason = (
                f"deadline {ticket.deadline:%Y-%m-%d %H:%M} UTC is {left:.0f} h away and the store is not restocked"
            )
            change = lifecycle.warn(ticket, at=now, reason=reason, number=item.warning or 1)
        else:
            reason = f"deadline {ticket.deadline:%Y-%m-%d %H:%M} UTC passed; telling {item.tier_name}"
            change = lifecycle.escalate(ticket, tier=item.tier, tier_name=item.tier_name or "", at=now, reason=reason)
        ticket = await apply_change(session, ticket, change, rules, now, recorded)
    # the events are known here: the timer needs no second read of them
    when = sla.next_due_at(ticket, [*events, *recorded], now, policy.ladder_names, policy.sla)
    await tickets.set_sla_due_at(session, ticket_id, when)
    return recorded


# --- portal ----------------------------------------------------------------------------------------


async def change_ticket(
    session: AsyncSession,
    ticket_id: int,
    transition: Transition,
    *,
    who: str,
    why: str,
    rules: Rules,
    now: datetime,
    distributor_id: str | None = None,
) -> Ticket:
    """A person's change to a ticket (acknowledge, restocked, not a stock-out, cannot supply, a new date
    approved), recorded with who and why."""
    if not who.strip():
        raise ValueError("who: say who is making the change")
    ticket = await tickets.get_ticket(session, ticket_id, lock=True)
    if ticket is None or (distributor_id is not None and ticket.distributor_id != distributor_id):
        raise TicketNotFound(f"ticket #{ticket_id} not found" + (f" for {distributor_id}" if distributor_id else ""))
    after = await apply_change(session, ticket, transition(ticket, who=who, why=why, at=now), rules, now)
    await refresh_timer(session, after, rules, now)
    return after
