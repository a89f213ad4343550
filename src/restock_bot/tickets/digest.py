"""A distributor's digest: what is open, what is due soon and what breached, at one of the day's digest times."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from restock_bot.tickets.models import Ticket

MAX_LINES = 50  # per section of the email; the JSON lists every ticket


@dataclass(frozen=True, slots=True)
class DigestLine:
    ticket: Ticket
    store: str
    reports: int


@dataclass(frozen=True, slots=True)
class Digest:
    """A distributor's active tickets sorted into breached (past the deadline), due soon, and the rest."""

    distributor_id: str
    distributor_name: str
    at: datetime
    breached: tuple[DigestLine, ...]
    due: tuple[DigestLine, ...]
    open: tuple[DigestLine, ...]

    @property
    def is_empty(self) -> bool:
        return not (self.breached or self.due or self.open)


def digest_slot(now: datetime, times: Sequence[time], timezone: str) -> datetime | None:
    """The latest digest time at or before `now` (UTC), within the last day; None without digest times."""
    if not times:
        return None
    zone = ZoneInfo(timezone)
    local = now.astimezone(zone)
    candidates = [
        datetime.combine(local.date() - timedelta(days=back), t, tzinfo=zone) for back in (0, 1) for t in times
    ]
    return max(c for c in candidates if c <= local).astimezone(UTC)


def build_digest(
    distributor_id: str, name: str, lines: Sequence[DigestLine], at: datetime, due_within_hours: float
) -> Digest:
    """Sort a distributor's active tickets for the digest at `at`: breached, due within the window, open."""
    soon = at + timedelta(hours=due_within_hours)
    ordered = sorted(lines, key=lambda line: (line.ticket.deadline, -line.ticket.priority))
    return Digest(
        distributor_id=distributor_id,
        distributor_name=name or distributor_id,
        at=at,
        breached=tuple(line for line in ordered if line.ticket.deadline <= at),
        due=tuple(line for line in ordered if at < line.ticket.deadline <= soon),
        open=tuple(line for line in ordered if line.ticket.deadline > soon),
    )


def _line_text(line: DigestLine, at: datetime) -> str:
    t = line.ticket
    hours = (t.deadline - at).total_seconds() / 3600
    left = f"overdue by {-hours:.0f} h" if hours < 0 else f"{hours:.0f} h left"
    product = t.sku or t.brand or "?"
    return (
        f"  #{t.id} {line.store} · {product} · {t.state.value} · deadline {t.deadline:%Y-%m-%d %H:%M} UTC "
        f"({left}) · {line.reports} report(s) · priority {t.priority}"
    )


def _section(title: str, lines: Sequence[DigestLine], at: datetime) -> list[str]:
    out = [f"{title} ({len(lines)})"]
    out += [_line_text(line, at) for line in lines[:MAX_LINES]]
    if len(lines) > MAX_LINES:
        out.append(f"  … and {len(lines) - MAX_LINES} more in the portal")
    if not lines:
        out.append("  none")
    return [*out, ""]


def digest_email(digest: Digest, portal_url: str) -> tuple[str, str]:
    """The digest's email subject and plain-text body."""
    subject = (
        f"Restock digest for {digest.distributor_name}: {len(digest.breached)} breached, "
        f"{len(digest.due)} due soon, {len(digest.open)} open"
    )
    body = [f"Restock tickets of {digest.distributor_name} at {digest.at:%Y-%m-%d %H:%M} UTC", ""]
    body += _section("Breached: past the deadline", digest.breached, digest.at)
    body += _section("Due soon", digest.due, digest.at)
    body += _section("Open", digest.open, digest.at)
    body.append(f"Your queue: {portal_url}")
    return subject, "\n".join(body)


def _line_document(line: DigestLine) -> dict[str, Any]:
    t = line.ticket
    return {
        "id": t.id,
        "state": t.state.value,
        "store_id": t.store_id,
        "store": line.store,
        "sku": t.sku,
        "brand": t.brand,
        "deadline": t.deadline.isoformat(),
        "reports": line.reports,
        "priority": t.priority,
    }


def digest_document(digest: Digest, event_id: str) -> dict[str, Any]:
    """The digest as the JSON posted to the distributor's webhook."""
    return {
        "event_id": event_id,
        "event": "digest",
        "at": digest.at.isoformat(),
        "distributor_id": digest.distributor_id,
        "breached": [_line_document(line) for line in digest.breached],
        "due": [_line_document(line) for line in digest.due],
        "open": [_line_document(line) for line in digest.open],
    }
