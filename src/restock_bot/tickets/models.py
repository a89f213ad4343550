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
    CANNOT_SUPPLY = "cannot_supply"  # the distributor cannot restock in time and promised a new date
    REOPENED = "reopened"  # reported again soon after a restock: open once more, counted against the distributor
    RESTOCKED = "restocked"  # closed: the product is back on the shelf
    NOT_A_STOCKOUT = "not_a_stockout"  # closed: the distributor says nothing was missing


ACTIVE_STATES = frozenset(
    {
        TicketState.OPEN,
        TicketState.ACKNOWLEDGED,
        TicketState.ESCALATED,
        TicketState.CANNOT_SUPPLY,
        TicketState.REOPENED,
    }
)
CLOSED_STATES = frozenset({TicketState.RESTOCKED, TicketState.NOT_A_STOCKOUT})


class EventKind(StrEnum):
    OPENED = "opened"
    REPORT_MERGED = "report_merged"
    ACKNOWLEDGED = "acknowledged"
    WARNED = "warned"
    ESCALATED = "escalated"
    RESTOCKED = "restocked"
    NOT_A_STOCKOUT = "not_a_stockout"
    CANNOT_SUPPLY = "cannot_supply"
    NEW_DATE_APPROVED = "new_date_approved"
    REOPENED = "reopened"
    REASSIGNED = "reassigned"  # an operator moved the ticket to another distributor


def event_key(base: str, deadline_round: int) -> str:
    """An event's key within its deadline round: round 0 (the first promise) keeps the bare key."""
    return base if deadline_round == 0 else f"{base}@{deadline_round}"


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
    cannot_supply_at: datetime | None = None
    promised_at: datetime | None = None  # the new date the distributor promised
    promise_approved_by: str | None = None  # who approved it: only then did it become the deadline
    reopened_at: datetime | None = None
    reopens: int = 0  # times a report soon after a restock reopened it (counted against the distributor)
    deadline_round: int = 0  # 0: the first promise; +1 whenever a new date is approved or the ticket reopens
    priority: int = 0  # rises with distinct reporters and repeat stock-outs (stored, not changed by transitions)

    @property
    def key(self) -> str:
        return ticket_key(self.store_id, self.sku, self.brand)

    @property
    def is_active(self) -> bool:
        return self.state in ACTIVE_STATES

    @property
    def label(self) -> str:
        return f"ticket #{self.id}" if self.id is not None else "new ticket"

    @property
    def awaits_approval(self) -> bool:
        """A new date was promised and nobody has approved it yet (the old deadline still holds)."""
        return self.is_active and self.promised_at is not None and self.promise_approved_by is None


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
