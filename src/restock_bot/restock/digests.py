"""Queueing each distributor's digest (open, due soon, breached) for one digest time, once per recipient."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import quote

from sqlmodel.ext.asyncio.session import AsyncSession

from restock_bot.restock import board
from restock_bot.restock.rules import Rules
from restock_bot.storage.outbox import queue_notification
from restock_bot.tickets.digest import DigestLine, build_digest, digest_document, digest_email


def digest_recipients(rules: Rules, distributor_id: str) -> list[tuple[str, str]]:
    """(channel, recipient) pairs that can take the distributor's digest: its webhook, its email."""
    configured = rules.distributors.get(distributor_id)
    if configured is None:
        return []
    found: list[tuple[str, str]] = []
    if configured.webhook_url:
        found.append(("webhook", distributor_id))
    if rules.email and configured.email:
        found.append(("email", configured.email))
    return found


async def queue_digest(session: AsyncSession, rules: Rules, distributor_id: str, slot: datetime, now: datetime) -> int:
    """Queue the distributor's digest for the digest time `slot`; how many notifications were new.

    Nothing is queued when the distributor has no active ticket or no way to receive it."""
    recipients = digest_recipients(rules, distributor_id)
    if not recipients:
        return 0
    items = await board.distributor_queue(session, distributor_id, now, rules.store_label)
    lines = [DigestLine(i.ticket, i.store, i.reports) for i in items]
    digest = build_digest(
        distributor_id, rules.distributor_name(distributor_id), lines, now, rules.digest.due_within_hours
    )
    if digest.is_empty:
        return 0
    portal = f"{rules.public_url.rstrip('/')}/distributors/{quote(distributor_id, safe='')}"
    subject, body = digest_email(digest, portal)
    queued = 0
    for channel, recipient in recipients:
        key = f"digest:{distributor_id}:{slot:%Y-%m-%dT%H:%M}:{channel}:{recipient}"
        if channel == "webhook":
            payload = digest_document(digest, key)
        else:
            payload = {"to": recipient, "subject": subject, "body": body}
        new = await queue_notification(
            session,
            key=key,
            kind="digest",
            channel=channel,
            recipient=recipient,
            distributor_id=distributor_id,
            payload=payload,
            now=now,
        )
        queued += int(new)
    return queued
