"""What a restock ticket is: its states, the ticket record and the events that change it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class TicketState(StrEnum):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"  # the distributor has seen it
    ESCALATED = "escalated"  # the deadline passed without a restock
    RESTOCKED = "restocked"  # closed: the product is back on the shelf
    NOT_A_STOCKOUT = "not_a_stockout"  # closed: the distributor says nothing was missing


ACTIVE_STATES = frozenset({TicketState.OPEN, TicketState.ACKNOWLEDGED, TicketState.ESCALATED})
CLOSED_STATES = frozenset({TicketState.RESTOCKED, TicketState.NOT_A_STOCKOUT})


class EventKind(StrEnum):
    OPENED = "opened"
    REPORT_MERGED = "report_merged"
    ACKNOWLEDGED = "acknowledged"
    WARNED = "warned"
    ESCALATED = "escalated"
    RESTOCKED = "restocked"
    NOT_A_STOCKOUT = "not_a_stockout"


def ticket_key(store_id: str, sku: str | None, brand: str | None) -> str:
    """The natural key of a ticket: one open ticket per store+sku, or store+brand when the sku is unknown."""
    return f"{store_id}|sku:{sku}" if sku else f"{store_id}|brand:{brand or ''}"


def reporter_key(channel: str, author_id: str) -> str:
    """A reporter is a person on one channel."""
    return f"{channel}:{author_id}"


@dataclass(frozen=True, slots=True)
class Ticket:
    """One store's missing product (or brand), with its deadline and when it reached each state."""

    id: int | None
    store_id: str
    distributor_id: str
    sku: str | None
    brand: str | None
    state: TicketState
    opened_at: datetime
    deadline: datetime
    acknowledged_at: datetime | None = None
    escalated_at: datetime | None = None
    restocked_at: datetime | None = None
    not_a_stockout_at: datetime | None = None
    closed_at: datetime | None = None
    warned_at: datetime | None = None
    escalation_tier: int = 0

    @property
    def key(self) -> str:
        return ticket_key(self.store_id, self.sku, self.brand)

    @property
    def is_active(self) -> bool:
        return self.state in ACTIVE_STATES

    @property
    def label(self) -> str:
        return f"ticket #{self.id}" if self.id is not None else "new ticket"


@dataclass(frozen=True, slots=True)
class TicketEvent:
    """One recorded change: what happened, when, who did it and why.

    `key` is unique within a ticket and makes recording it idempotent (e.g. "escalated:2")."""

    kind: EventKind
    at: datetime
    actor: str
    reason: str
    key: str
    tier: int | None = None
    data: dict[str, Any] = field(default_factory=dict)
    ticket_id: int | None = None
    id: int | None = None
