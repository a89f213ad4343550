"""Restock-loop test pieces: stores, posts, decisions, and stand-ins for triage, X and distributors."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from restock_bot.post import Author, Post
from restock_bot.retailers import Store
from restock_bot.triage.decision import Action, Candidate, Decision

START = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)


def store(store_id: str, name: str, locality: str, distributor_id: str = "dist-north") -> Store:
    return Store(
        store_id=store_id,
        name=name,
        chain="",
        aliases=(),
        handle="",
        address="",
        locality=locality,
        city="Pune",
        state="MH",
        country="IN",
        postcode="",
        lat=None,
        lon=None,
        distributor_id=distributor_id,
    )


STORES = {
    "S1": store("S1", "Sharma Kirana", "Kothrud"),
    "S2": store("S2", "FreshMart", "Baner"),
    "S3": store("S3", "FreshMart", "Aundh", distributor_id="dist-south"),
}


def post(
    post_id: str,
    author: str = "asha",
    text: str = "",
    *,
    at: datetime = START,
    in_reply_to: str | None = None,
    channel: str = "x",
) -> Post:
    return Post(
        id=post_id,
        text=text or f"no Munchu at the store ({post_id})",
        author=Author(author, author),
        created_at=at,
        channel=channel,
        in_reply_to=in_reply_to,
    )


def ticket_decision(
    post_id: str,
    store_id: str = "S1",
    sku: str | None = "MUN-50",
    brand: str | None = "Munchu",
    resolves: str | None = None,
) -> Decision:
    return Decision(
        post_id=post_id,
        action=Action.TICKET,
        stockout=True,
        store_id=store_id,
        sku=sku,
        brand=brand,
        resolves=resolves,
        reasons=("test decision",),
    )


def clarify_decision(post_id: str) -> Decision:
    return Decision(
        post_id=post_id,
        action=Action.CLARIFY,
        stockout=True,
        sku="MUN-50",
        brand="Munchu",
        candidates=(
            Candidate("S2", "FreshMart, Baner, Pune", 80.0),
            Candidate("S3", "FreshMart, Aundh, Pune", 78.0),
        ),
    )


class ScriptedTriage:
    """Stands in for triage (built in parallel): answers the Decision written for each post id."""

    def __init__(self) -> None:
        self.answers: dict[str, Decision] = {}
        self.parents: dict[str, str | None] = {}

    def will(self, decision: Decision) -> None:
        self.answers[decision.post_id] = decision

    def decide(self, post: Post, parent: Post | None = None, earlier: Sequence[Post] = ()) -> Decision:
        self.parents[post.id] = parent.id if parent else None
        if post.id == "explode":
            raise ValueError("triage could not read this post")
        return self.answers.get(post.id, Decision(post_id=post.id, action=Action.IGNORE, stockout=False))


class FakeChannel:
    """Stands in for X: records each reply and hands back a reply id."""

    def __init__(self, channel: str = "x") -> None:
        self.channel = channel
        self.sent: list[tuple[str, str]] = []
        self.down = False

    async def reply(self, to: Post, text: str) -> str | None:
        if self.down:
            raise ConnectionError("X API unavailable")
        self.sent.append((to.id, text))
        return f"bot-{len(self.sent)}"


class FakeDistributor:
    """Stands in for the distributors' webhooks: records events, or refuses them while `down`."""

    def __init__(self) -> None:
        self.events: list[tuple[str, dict[str, Any]]] = []
        self.down = False

    async def notify(self, distributor_id: str, event: dict[str, Any]) -> bool:
        if self.down:
            return False
        self.events.append((distributor_id, event))
        return True

    def kinds(self) -> list[str]:
        return [e["event"] for _, e in self.events]


class FakeMailer:
    """Stands in for the SMTP server in service tests: records each email, or refuses while `down`."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str, str, str]] = []  # to, subject, body, key
        self.down = False

    async def send(self, to: str, subject: str, body: str, *, key: str) -> None:
        if self.down:
            raise ConnectionRefusedError("SMTP server unavailable")
        self.sent.append((to, subject, body, key))

    def to(self, address: str) -> list[str]:
        """Subjects of the emails sent to `address`."""
        return [subject for to, subject, _, _ in self.sent if to == address]
