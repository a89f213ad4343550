"""Gifts as the gift desk and the API show them, and what marketing does with them."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from restock_bot.gifts.queue import Gift, GiftState
from restock_bot.restock import RestockService
from restock_bot.restock.board import ReporterView
from restock_bot.web.fields import BadInput, number, text_field

GiftChange = Callable[[RestockService, int, str, str], Awaitable[Gift]]


@dataclass(frozen=True, slots=True)
class GiftAction:
    """Something marketing does to a gift, named as in the URL and on the button."""

    name: str
    button: str
    done: str
    needs_note: bool
    allowed_from: frozenset[GiftState]
    change: GiftChange


async def _approve(service: RestockService, gift_id: int, who: str, note: str) -> Gift:
    return await service.approve_gift(gift_id, who, note)


async def _reject(service: RestockService, gift_id: int, who: str, note: str) -> Gift:
    return await service.reject_gift(gift_id, who, note)


async def _ship(service: RestockService, gift_id: int, who: str, note: str) -> Gift:
    return await service.mark_gift_shipped(gift_id, who)


GIFT_ACTIONS: dict[str, GiftAction] = {
    a.name: a
    for a in (
        GiftAction(
            "approve", "Approve", "approved", False, frozenset({GiftState.QUEUED, GiftState.HELD}), _approve
        ),
        GiftAction(
            "reject",
            "Reject",
            "rejected",
            True,
            frozenset({GiftState.QUEUED, GiftState.HELD, GiftState.APPROVED}),
            _reject,
        ),
        GiftAction(
            "shipped", "Mark shipped", "marked shipped", False, frozenset({GiftState.APPROVED}), _ship
        ),
    )
}


def actions_for(gift: Gift) -> list[GiftAction]:
    """What marketing may still do with the gift."""
    return [a for a in GIFT_ACTIONS.values() if gift.state in a.allowed_from]


def gift_state(raw: str | None) -> GiftState | None:
    """The `state` filter; empty means every state."""
    if not raw:
        return None
    try:
        return GiftState(raw)
    except ValueError:
        raise BadInput("state", f"{raw!r} is not one of {', '.join(s.value for s in GiftState)}") from None


def gift_number(raw: str) -> int:
    return number(raw, "gift_id", "gift")


def gift_action_named(name: str) -> GiftAction:
    try:
        return GIFT_ACTIONS[name]
    except KeyError:
        raise BadInput("action", f"{name!r} is not one of {', '.join(GIFT_ACTIONS)}") from None


async def act_on_gift(
    service: RestockService, gift_id: int, action: GiftAction, fields: Mapping[str, Any]
) -> Gift:
    """Apply marketing's decision with who (and the note, required to reject)."""
    who = text_field(fields, "who", required="say who is deciding", limit=100)
    note = text_field(fields, "note", required="say why the gift is rejected" if action.needs_note else None)
    return await action.change(service, gift_id, who, note)


def gift_document(gift: Gift, store: str) -> dict[str, Any]:
    return {
        "id": gift.id,
        "state": gift.state.value,
        "reporter": gift.reporter,
        "reporter_name": gift.reporter_name,
        "channel": gift.channel,
        "ticket_id": gift.ticket_id,
        "store_id": gift.store_id,
        "store": store,
        "reason": gift.reason,
        "held_because": gift.reason if gift.state is GiftState.HELD else None,
        "note": gift.note,
        "decided_by": gift.decided_by,
        "created_at": gift.created_at.isoformat(),
        "decided_at": gift.decided_at.isoformat() if gift.decided_at else None,
        "shipped_at": gift.shipped_at.isoformat() if gift.shipped_at else None,
    }


def gifts_document(service: RestockService, gifts: list[Gift], state: GiftState | None) -> dict[str, Any]:
    return {
        "state": state.value if state else None,
        "gifts": [gift_document(g, service.rules.store_label(g.store_id)) for g in gifts],
    }


def reporters_document(reporters: list[ReporterView]) -> dict[str, Any]:
    return {
        "reporters": [
            {
                "reporter": r.reporter,
                "reporter_name": r.reporter_name,
                "channel": r.channel,
                "reports": r.reports,
                "tickets": r.tickets,
                "restocked": r.restocked,
                "gifts": r.gifts,
            }
            for r in reporters
        ]
    }
