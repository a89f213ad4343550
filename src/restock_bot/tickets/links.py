"""Signed action links: a token that lets whoever holds it do one action on one ticket, until it expires.

The token is `<base64url JSON claim>.<base64url HMAC-SHA256 of it>`; single use is kept by the database
(the claim's nonce is recorded with the action it performed)."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from restock_bot.tickets.lifecycle import ACTIONS
from restock_bot.tickets.models import Ticket

APPROVE_NEW_DATE = "approve-new-date"  # for approvers, not distributors
LINK_ACTIONS = (*ACTIONS, APPROVE_NEW_DATE)


class BadLink(ValueError):
    """A link that cannot be used; `expired` tells an outdated link from a forged or damaged one."""

    def __init__(self, message: str, *, expired: bool = False) -> None:
        super().__init__(message)
        self.expired = expired


class LinkUsed(BadLink):
    """The link already performed its action (each link works once)."""


@dataclass(frozen=True, slots=True)
class ActionLink:
    """What a link allows: `action` on ticket `ticket_id` of `distributor_id`, sent to `recipient`."""

    ticket_id: int
    distributor_id: str
    action: str
    recipient: str
    expires_at: datetime
    nonce: str


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(secret: str, claim: str) -> str:
    return _b64(hmac.new(secret.encode("utf-8"), claim.encode("ascii"), hashlib.sha256).digest())


def link_nonce(secret: str, *parts: object) -> str:
    """A nonce derived from what the link is for (the same notification makes the same links)."""
    text = "\x1f".join(str(p) for p in parts)
    return hmac.new(secret.encode("utf-8"), text.encode("utf-8"), hashlib.sha256).hexdigest()[:24]


def sign_link(secret: str, link: ActionLink) -> str:
    """The token for `link`."""
    body = {
        "t": link.ticket_id,
        "d": link.distributor_id,
        "a": link.action,
        "r": link.recipient,
        "e": int(link.expires_at.timestamp()),
        "n": link.nonce,
    }
    claim = _b64(json.dumps(body, separators=(",", ":"), sort_keys=True).encode("utf-8"))
    return f"{claim}.{_mac(secret, claim)}"


def read_link(secret: str, token: str, now: datetime) -> ActionLink:
    """The link a token stands for; BadLink when it was not signed with `secret`, is damaged or expired."""
    claim, _, mac = token.partition(".")
    if not claim or not mac or not hmac.compare_digest(mac, _mac(secret, claim)):
        raise BadLink("link: not a valid action link (damaged, or not ours)")
    try:
        body = json.loads(_unb64(claim))
        link = ActionLink(
            ticket_id=int(body["t"]),
            distributor_id=str(body["d"]),
            action=str(body["a"]),
            recipient=str(body["r"]),
            expires_at=datetime.fromtimestamp(int(body["e"]), UTC),
            nonce=str(body["n"]),
        )
    except (binascii.Error, UnicodeDecodeError, ValueError, KeyError, TypeError) as exc:
        raise BadLink(f"link: unreadable claim ({exc})") from None
    if link.action not in LINK_ACTIONS:
        raise BadLink(f"link: unknown action {link.action!r}")
    if now >= link.expires_at:
        raise BadLink(f"link: expired on {link.expires_at:%Y-%m-%d %H:%M} UTC", expired=True)
    return link


def action_links(
    secret: str,
    base_url: str,
    ticket: Ticket,
    actions: Iterable[str],
    *,
    recipient: str,
    reference: object,
    expires_at: datetime,
) -> dict[str, str]:
    """One signed URL per action for `recipient` (`reference` names the notification they come with)."""
    assert ticket.id is not None
    urls: dict[str, str] = {}
    for action in actions:
        nonce = link_nonce(secret, ticket.id, reference, recipient, action)
        link = ActionLink(ticket.id, ticket.distributor_id, action, recipient, expires_at, nonce)
        urls[action] = f"{base_url.rstrip('/')}/act/{sign_link(secret, link)}"
    return urls
