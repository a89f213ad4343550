"""Notifying distributors: the Notifier interface the delivery worker calls (implementations beside it)."""

from __future__ import annotations

from typing import Any, Protocol


class Notifier(Protocol):
    """Tells a distributor about a ticket event (opened, warned, escalated).

    `event` is the dict of `restock_bot.tickets.messages.distributor_event`: event_id, event, at, reason,
    tier, tier_name and ticket {id, state, store_id, store, sku, brand, distributor_id, opened_at,
    deadline, reports}. Return True once delivered; False (or raising) makes the outbox try again later."""

    async def notify(self, distributor_id: str, event: dict[str, Any]) -> bool: ...


__all__ = ["Notifier"]
