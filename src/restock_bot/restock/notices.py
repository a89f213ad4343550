"""Who hears of a ticket event, and how: the distributor's webhook and emails to the ladder's contacts,
queued in the outbox inside the event's own transaction, held until quiet hours end.

- opened, warned, reopened, new date approved, reassigned: the (new) distributor (webhook, and email to the first rung)
- escalated to rung N: the distributor's webhook, email to rung N's contacts and rung N's own webhook
- cannot supply: email to the second rung's contacts, who approve (or not) the new date
The distributor's notifications carry signed action links; the approvers' carry the approval link."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from restock_bot.restock.rules import Rules
from restock_bot.storage import tickets
from restock_bot.storage.outbox import notification_values, queue_many
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
RUNG_WEBHOOK = "rung-webhook"  # the channel of notifications to a ladder rung's own webhook


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


def rung_webhook(event: TicketEvent, policy: TicketPolicy, rules: Rules, distributor_id: str) -> str | None:
    """The webhook of the rung an escalation reached, when it has its own (not the distributor's, told anyway)."""
    if event.kind is not EventKind.ESCALATED or event.tier is None:
        return None
    rung = policy.rung(event.tier)
    if rung is None or not rung.webhook_url:
        return None
    distributor = rules.distributors.get(distributor_id)
    return None if distributor is not None and distributor.webhook_url == rung.webhook_url else rung.webhook_url


def event_notifications(
    ticket: Ticket, event: TicketEvent, rules: Rules, now: datetime, reports: int
) -> list[dict[str, Any]]:
    """The outbox rows of the webhook and emails `event` calls for; `reports` is the ticket's report count."""
    assert ticket.id is not None and event.id is not None
    policy = rules.policy_for(ticket)
    recipients = email_recipients(event, policy) if rules.email else ()
    if event.kind not in WEBHOOK_EVENTS and not recipients:
        return []
    send_at = policy.send_time(now)
    store = rules.store_label(ticket.store_id)
    distributor_actions = lifecycle.allowed_actions(ticket)
    rows: list[dict[str, Any]] = []

    def notification(channel: str, recipient: str, payload: dict[str, Any]) -> dict[str, Any]:
        return notification_values(
            key=f"event:{event.id}:{channel}:{recipient}",
            channel=channel,
            recipient=recipient,
            distributor_id=ticket.distributor_id,
            payload=payload,
            now=now,
            send_at=send_at,
            ticket_id=ticket.id,
            event_id=event.id,
        )

    if event.kind in WEBHOOK_EVENTS:
        links = rules.links(
            ticket, distributor_actions, recipient=ticket.distributor_id, reference=event.id, now=send_at
        )
        payload = messages.distributor_event(ticket, event, store, reports, links)
        rows.append(notification("webhook", ticket.distributor_id, payload))
    rung_hook = rung_webhook(event, policy, rules, ticket.distributor_id)
    if rung_hook is not None:
        actions = distributor_actions if event.tier == 1 else ()
        links = rules.links(ticket, actions, recipient=rung_hook, reference=event.id, now=send_at)
        payload = messages.distributor_event(ticket, event, store, reports, links)
        rows.append(notification(RUNG_WEBHOOK, rung_hook, payload))
    for address, acts in recipients:
        actions = distributor_actions if acts else ()
        if event.kind is EventKind.CANNOT_SUPPLY and ticket.awaits_approval:
            actions = (APPROVE_NEW_DATE,)
        links = rules.links(ticket, actions, recipient=address, reference=event.id, now=send_at)
        subject, body = messages.event_email(ticket, event, store, reports, links)
        rows.append(notification("email", address, {"to": address, "subject": subject, "body": body}))
    return rows


def notifies(event: TicketEvent, rules: Rules, ticket: Ticket) -> bool:
    """Whether `event` calls for any notification (so its ticket's report count is worth reading)."""
    if event.kind in WEBHOOK_EVENTS:
        return True
    return bool(rules.email and email_recipients(event, rules.policy_for(ticket)))


async def notify_event(session: AsyncSession, ticket: Ticket, event: TicketEvent, rules: Rules, now: datetime) -> None:
    """Queue the webhook and emails `event` calls for (each once per event and recipient)."""
    assert ticket.id is not None and event.id is not None
    if not notifies(event, rules, ticket):
        return
    reports = await tickets.report_count(session, ticket.id)
    await queue_many(session, "notifications", event_notifications(ticket, event, rules, now, reports))
