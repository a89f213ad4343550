"""Who hears of a ticket event, and how: the distributor's webhook and emails to the ladder's contacts,
queued in the outbox inside the event's own transaction, held until quiet hours end.

- opened, warned, reopened, new date approved, reassigned: the (new) distributor (webhook, and email to the first rung)
- escalated to rung N: the distributor's webhook, and email to rung N's contacts
- cannot supply: email to the second rung's contacts, who approve (or not) the new date
The distributor's notifications carry signed action links; the approvers' carry the approval link."""

from __future__ import annotations

from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from restock_bot.restock.rules import Rules
from restock_bot.storage import tickets
from restock_bot.storage.outbox import queue_notification
from restock_bot.tickets import lifecycle, messages
from restock_bot.tickets.links import APPROVE_NEW_DATE
from restock_bot.tickets.models import EventKind, Ticket, TicketEvent
from restock_bot.tickets.policy import TicketPolicy

WEBHOOK_EVENTS = frozenset(
    {
        EventKind.OPENED,
        EventKind.WARNED,
        EventKind.ESCALATED,
        EventKind.REOPENED,
        EventKind.NEW_DATE_APPROVED,
        EventKind.REASSIGNED,  # the new distributor hears of the ticket it now holds
    }
)
FIRST_RUNG_EVENTS = frozenset(
    {EventKind.OPENED, EventKind.WARNED, EventKind.REOPENED, EventKind.NEW_DATE_APPROVED, EventKind.REASSIGNED}
)
APPROVER_RUNG = 2


def email_recipients(event: TicketEvent, policy: TicketPolicy) -> tuple[tuple[str, bool], ...]:
    """The addresses emailed about `event`, each with whether they get the distributor's action links."""
    if event.kind is EventKind.ESCALATED and event.tier is not None:
        rung = policy.rung(event.tier)
        return tuple((a, event.tier == 1) for a in rung.emails) if rung else ()
    if event.kind is EventKind.CANNOT_SUPPLY:
        rung = policy.rung(APPROVER_RUNG)
        return tuple((a, False) for a in rung.emails) if rung else ()
    if event.kind in FIRST_RUNG_EVENTS:
        rung = policy.rung(1)
        return tuple((a, True) for a in rung.emails) if rung else ()
    return ()


async def notify_event(session: AsyncSession, ticket: Ticket, event: TicketEvent, rules: Rules, now: datetime) -> None:
    """Queue the webhook and emails `event` calls for (each once per event and recipient)."""
    assert ticket.id is not None and event.id is not None
    policy = rules.policy_for(ticket)
    recipients = email_recipients(event, policy) if rules.email else ()
    if event.kind not in WEBHOOK_EVENTS and not recipients:
        return
    send_at = policy.send_time(now)
    store = rules.store_label(ticket.store_id)
    reports = await tickets.report_count(session, ticket.id)
    distributor_actions = lifecycle.allowed_actions(ticket)
    if event.kind in WEBHOOK_EVENTS:
        links = rules.links(
            ticket, distributor_actions, recipient=ticket.distributor_id, reference=event.id, now=send_at
        )
        await queue_notification(
            session,
            key=f"event:{event.id}:webhook:{ticket.distributor_id}",
            channel="webhook",
            recipient=ticket.distributor_id,
            distributor_id=ticket.distributor_id,
            payload=messages.distributor_event(ticket, event, store, reports, links),
            now=now,
            send_at=send_at,
            ticket_id=ticket.id,
            event_id=event.id,
        )
    for address, acts in recipients:
        actions = distributor_actions if acts else ()
        if event.kind is EventKind.CANNOT_SUPPLY and ticket.awaits_approval:
            actions = (APPROVE_NEW_DATE,)
        links = rules.links(ticket, actions, recipient=address, reference=event.id, now=send_at)
        subject, body = messages.event_email(ticket, event, store, reports, links)
        await queue_notification(
            session,
            key=f"event:{event.id}:email:{address}",
            channel="email",
            recipient=address,
            distributor_id=ticket.distributor_id,
            payload={"to": address, "subject": subject, "body": body},
            now=now,
            send_at=send_at,
            ticket_id=ticket.id,
            event_id=event.id,
        )
