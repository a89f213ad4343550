"""Notifying distributors and their escalation contacts: the interfaces the delivery worker calls
(implementations beside them: distributor.py for webhooks, email.py for SMTP)."""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable


class Notifier(Protocol):
    """Tells a distributor about a ticket event (opened, warned, escalated, reopened, new date) or a digest.

    `event` is the dict of `restock_bot.tickets.messages.distributor_event`: event_id, event, at, reason,
    tier, tier_name, links and ticket {id, state, store_id, store, sku, brand, distributor_id, opened_at,
    deadline, reports, priority, reopens, promised_date, promise_approved_by}; or a digest
    (`restock_bot.tickets.digest.digest_document`). Return True once delivered; False (or raising) makes
    the outbox try again later."""

    async def notify(self, distributor_id: str, event: dict[str, Any]) -> bool: ...


@runtime_checkable
class RungNotifier(Protocol):
    """Tells an escalation ladder rung's own webhook (`url`) of an escalation on a ticket of `distributor_id`;
    True once delivered, like `Notifier.notify`."""

    async def notify_rung(self, url: str, distributor_id: str, event: dict[str, Any]) -> bool: ...


class Mailer(Protocol):
    """Sends one plain-text email; raises when the mail server did not take it (the outbox retries).

    `key` names the notification, the same on every retry (it becomes the Message-ID)."""

    async def send(self, to: str, subject: str, body: str, *, key: str) -> None: ...


__all__ = ["Mailer", "Notifier", "RungNotifier"]
