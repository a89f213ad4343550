"""Signed action links and the twice-daily digest, as plain values."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, time, timedelta

import pytest

from restock_bot.tickets import lifecycle
from restock_bot.tickets.digest import DigestLine, build_digest, digest_document, digest_email, digest_slot
from restock_bot.tickets.links import ActionLink, BadLink, action_links, link_nonce, read_link, sign_link
from restock_bot.tickets.models import Ticket
from tests.fakes.restock import START
from tests.helpers import opened_ticket

T0 = START
SECRET = "link-secret"


def ticket(ticket_id: int = 7, opened: datetime = T0) -> Ticket:
    return opened_ticket(ticket_id, brand="Munchu", reported_at=opened)


def link(**changes: object) -> ActionLink:
    base = ActionLink(7, "d1", "acknowledge", "ops@d1.example", T0 + timedelta(hours=72), "n1")
    return replace(base, **changes)  # type: ignore[arg-type]


def test_a_signed_link_reads_back_what_it_allows() -> None:
    token = sign_link(SECRET, link())
    assert read_link(SECRET, token, T0) == link()


def test_a_tampered_or_foreign_link_is_refused() -> None:
    token = sign_link(SECRET, link())
    forged = sign_link(SECRET, link(action="restocked")).split(".")[0] + "." + token.split(".")[1]
    for bad in (forged, token + "x", "nonsense", token.replace(".", "")):
        with pytest.raises(BadLink, match="not a valid action link") as refused:
            read_link(SECRET, bad, T0)
        assert not refused.value.expired
    with pytest.raises(BadLink):
        read_link("another-secret", token, T0)


def test_a_link_expires() -> None:
    token = sign_link(SECRET, link())
    with pytest.raises(BadLink, match="expired on 2025-03-06 09:00 UTC") as refused:
        read_link(SECRET, token, T0 + timedelta(hours=72))
    assert refused.value.expired


def test_links_for_a_notification_are_the_same_each_time_and_differ_per_recipient() -> None:
    expires = T0 + timedelta(hours=72)
    actions = lifecycle.allowed_actions(ticket())
    first = action_links(
        SECRET, "https://bot.example/", ticket(), actions, recipient="a@x", reference=5, expires_at=expires
    )
    again = action_links(
        SECRET, "https://bot.example", ticket(), actions, recipient="a@x", reference=5, expires_at=expires
    )
    other = action_links(
        SECRET, "https://bot.example", ticket(), actions, recipient="b@x", reference=5, expires_at=expires
    )
    assert list(first) == ["acknowledge", "restocked", "not-a-stockout", "cannot-supply"]
    assert first == again and first["acknowledge"] != other["acknowledge"]
    assert first["restocked"].startswith("https://bot.example/act/")
    token = first["restocked"].rsplit("/", 1)[1]
    read = read_link(SECRET, token, T0)
    assert (read.ticket_id, read.action, read.recipient) == (7, "restocked", "a@x")
    assert read.nonce == link_nonce(SECRET, 7, 5, "a@x", "restocked")


def test_digest_times_fall_on_the_latest_one_passed() -> None:
    times = [time(8), time(17)]
    kolkata_noon = datetime(2025, 3, 3, 6, 30, tzinfo=UTC)  # 12:00 IST
    assert digest_slot(kolkata_noon, times, "Asia/Kolkata") == datetime(2025, 3, 3, 2, 30, tzinfo=UTC)
    early = datetime(2025, 3, 3, 1, 0, tzinfo=UTC)  # 06:30 IST: yesterday's 17:00
    assert digest_slot(early, times, "Asia/Kolkata") == datetime(2025, 3, 2, 11, 30, tzinfo=UTC)
    assert digest_slot(early, [], "UTC") is None


def test_digest_sorts_breached_due_soon_and_open() -> None:
    now = T0 + timedelta(hours=50)
    breached = ticket(1, T0)  # deadline T0+48
    due = ticket(2, T0 + timedelta(hours=10))  # deadline T0+58: within 12 h
    later = replace(ticket(3, T0 + timedelta(hours=40)), priority=4)  # deadline T0+88
    lines = [DigestLine(t, "Sharma Kirana, Kothrud, Pune", 2) for t in (later, due, breached)]
    digest = build_digest("d1", "North Foods", lines, now, due_within_hours=12)
    assert [line.ticket.id for line in digest.breached] == [1]
    assert [line.ticket.id for line in digest.due] == [2]
    assert [line.ticket.id for line in digest.open] == [3]
    subject, body = digest_email(digest, "https://bot.example/distributors/d1")
    assert subject == "Restock digest for North Foods: 1 breached, 1 due soon, 1 open"
    assert "#1 Sharma Kirana, Kothrud, Pune · MUN-50 · open" in body and "overdue by 2 h" in body
    assert "priority 4" in body and "https://bot.example/distributors/d1" in body
    document = digest_document(digest, "digest:d1:2025-03-05T11:00:webhook:d1")
    assert document["event"] == "digest" and [t["id"] for t in document["breached"]] == [1]
    assert build_digest("d1", "", [], now, 12).is_empty
