"""The gift queue: a gift's states and what marketing may do with it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum


class GiftState(StrEnum):
    QUEUED = "queued"  # eligible, waiting for marketing
    HELD = "held"  # the abuse guard wants a person to look first
    APPROVED = "approved"
    REJECTED = "rejected"
    SHIPPED = "shipped"


class IllegalGiftTransition(ValueError):
    """Marketing asked for something a gift's state does not allow; the message names the gift."""


@dataclass(frozen=True, slots=True)
class Gift:
    """A thank-you gift for one reporter of one restocked ticket."""

    id: int | None
    reporter: str
    reporter_name: str
    channel: str
    ticket_id: int
    store_id: str
    state: GiftState
    reason: str
    created_at: datetime
    note: str = ""
    decided_by: str = ""
    decided_at: datetime | None = None
    shipped_at: datetime | None = None


def _check(gift: Gift, action: str, allowed: set[GiftState]) -> None:
    if gift.state not in allowed:
        names = ", ".join(sorted(s.value for s in allowed))
        raise IllegalGiftTransition(f"gift #{gift.id} is {gift.state.value}: cannot {action} (allowed from {names})")


def approve(gift: Gift, *, who: str, at: datetime, note: str = "") -> Gift:
    """Marketing approves a queued or held gift for shipping."""
    _check(gift, "approve", {GiftState.QUEUED, GiftState.HELD})
    return replace(gift, state=GiftState.APPROVED, decided_by=who, decided_at=at, note=note or gift.note)


def reject(gift: Gift, *, who: str, at: datetime, note: str) -> Gift:
    """Marketing rejects a gift; the note saying why is required."""
    if not note.strip():
        raise IllegalGiftTransition(f"gift #{gift.id}: a rejection needs a note saying why")
    _check(gift, "reject", {GiftState.QUEUED, GiftState.HELD, GiftState.APPROVED})
    return replace(gift, state=GiftState.REJECTED, decided_by=who, decided_at=at, note=note.strip())


def hold(gift: Gift, *, who: str, at: datetime, note: str) -> Gift:
    """Marketing holds a gift to look into it; the note saying why is required (approve or reject later)."""
    if not note.strip():
        raise IllegalGiftTransition(f"gift #{gift.id}: a hold needs a note saying why")
    _check(gift, "hold", {GiftState.QUEUED, GiftState.APPROVED})
    return replace(gift, state=GiftState.HELD, decided_by=who, decided_at=at, note=note.strip())


def ship(gift: Gift, *, who: str, at: datetime) -> Gift:
    """An approved gift went out."""
    _check(gift, "mark shipped", {GiftState.APPROVED})
    return replace(gift, state=GiftState.SHIPPED, shipped_at=at, decided_by=gift.decided_by or who)


GiftDecision = Callable[[Gift, datetime], Gift]
