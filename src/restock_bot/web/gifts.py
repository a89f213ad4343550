"""Gifts as the gift desk and the API show them, and what marketing does with them."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from restock_bot.gifts.queue import Gift, GiftState, hold
from restock_bot.gifts.reporters import ReporterHistory
from restock_bot.restock import RestockService
from restock_bot.restock.board import ReporterView
from restock_bot.restock.fulfilment import Shipping, decide_gift, ship_gift, shipping_of
from restock_bot.web.fields import BadInput, number, text_field

GiftChange = Callable[[RestockService, int, str, Mapping[str, Any]], Awaitable[Gift]]


@dataclass(frozen=True, slots=True)
class GiftAction:
    """Something marketing does to a gift, named as in the URL and on the button."""

    name: str
    button: str
    done: str
    allowed_from: frozenset[GiftState]
    change: GiftChange


def _note(fields: Mapping[str, Any], required: str | None = None) -> str:
    return text_field(fields, "note", required=required)


async def _approve(service: RestockService, gift_id: int, who: str, fields: Mapping[str, Any]) -> Gift:
    return await service.approve_gift(gift_id, who, _note(fields))


async def _hold(service: RestockService, gift_id: int, who: str, fields: Mapping[str, Any]) -> Gift:
    note = _note(fields, "say why the gift is held")
    now = service.clock.now()
    return await decide_gift(service.database, gift_id, lambda g, at: hold(g, who=who, at=at, note=note), now)


async def _reject(service: RestockService, gift_id: int, who: str, fields: Mapping[str, Any]) -> Gift:
    return await service.reject_gift(gift_id, who, _note(fields, "say why the gift is rejected"))


async def _ship(service: RestockService, gift_id: int, who: str, fields: Mapping[str, Any]) -> Gift:
    tracking = text_field(fields, "tracking", required="give the parcel's tracking reference", limit=100)
    return await ship_gift(
        service.database,
        gift_id,
        who=who,
        tracking=tracking,
        now=service.clock.now(),
        keep_days=service.settings.gift_address_days,
    )


GIFT_ACTIONS: dict[str, GiftAction] = {
    a.name: a
    for a in (
        GiftAction("approve", "Approve", "approved", frozenset({GiftState.QUEUED, GiftState.HELD}), _approve),
        GiftAction("hold", "Hold", "held", frozenset({GiftState.QUEUED, GiftState.APPROVED}), _hold),
        GiftAction(
            "reject",
            "Reject",
            "rejected",
            frozenset({GiftState.QUEUED, GiftState.HELD, GiftState.APPROVED}),
            _reject,
        ),
        GiftAction("shipped", "Mark shipped", "marked shipped", frozenset({GiftState.APPROVED}), _ship),
    )
}
DECISIONS = ("approve", "hold", "reject")  # on the decision form; shipping has its own


def actions_for(gift: Gift) -> list[GiftAction]:
    """The decisions marketing may still take on the gift (approve, hold, reject)."""
    return [GIFT_ACTIONS[name] for name in DECISIONS if gift.state in GIFT_ACTIONS[name].allowed_from]


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


async def act_on_gift(service: RestockService, gift_id: int, action: GiftAction, fields: Mapping[str, Any]) -> Gift:
    """Apply marketing's decision with who (a note is required to hold or reject, a tracking reference to
    mark shipped)."""
    who = text_field(fields, "who", required="say who is deciding", limit=100)
    return await action.change(service, gift_id, who, fields)


def gift_document(gift: Gift, store: str, shipping: Shipping | None = None) -> dict[str, Any]:
    """A gift for machines; the shipping address never goes in (only the desk and the batch CSV show it)."""
    shipping = shipping or Shipping(gift.id or 0)
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
        "thank_you_note": shipping.thank_you_note,
        "address_received": shipping.claimed_at is not None,
        "tracking": shipping.tracking,
    }


async def gifts_document(service: RestockService, state: GiftState | None) -> dict[str, Any]:
    """The gift queue (optionally in one state) for machines."""
    gifts = await service.gift_queue(state)
    shipping = await shipping_of(service.database, [g.id for g in gifts if g.id is not None], service.clock.now())
    return {
        "state": state.value if state else None,
        "gifts": [gift_document(g, service.rules.store_label(g.store_id), shipping.get(g.id or 0)) for g in gifts],
    }


def history_document(history: ReporterHistory | None) -> dict[str, Any]:
    """A reporter's history and abuse signals for machines."""
    if history is None:
        return {}
    return {
        "restocks": history.restocks,
        "first_reports": history.first_reports,
        "not_a_stockout": history.not_a_stockout,
        "first_seen": history.first_seen.isoformat() if history.first_seen else None,
        "last_seen": history.last_seen.isoformat() if history.last_seen else None,
        "towns": list(history.towns),
        "languages": list(history.languages),
        "signals": [{"kind": s.kind, "text": s.text} for s in history.signals],
    }


def reporters_document(
    reporters: list[ReporterView], histories: Mapping[str, ReporterHistory] | None = None
) -> dict[str, Any]:
    found = histories or {}
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
                **history_document(found.get(r.reporter)),
            }
            for r in reporters
        ]
    }
