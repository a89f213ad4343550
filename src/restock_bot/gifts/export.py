"""The gift queue as CSV for marketing's spreadsheet."""

from __future__ import annotations

from collections.abc import Iterable

from restock_bot.gifts.queue import Gift
from restock_bot.spreadsheets import spreadsheet_csv

COLUMNS = (
    "gift_id",
    "state",
    "reporter",
    "reporter_name",
    "channel",
    "ticket_id",
    "store_id",
    "reason",
    "note",
    "decided_by",
    "created_at",
    "decided_at",
    "shipped_at",
)


def gifts_csv(gifts: Iterable[Gift]) -> str:
    """Render gifts as CSV text with a header row; user-written cells cannot run as formulas."""
    return spreadsheet_csv(
        COLUMNS,
        (
            (
                g.id,
                g.state.value,
                g.reporter,
                g.reporter_name,
                g.channel,
                g.ticket_id,
                g.store_id,
                g.reason,
                g.note,
                g.decided_by,
                g.created_at,
                g.decided_at,
                g.shipped_at,
            )
            for g in gifts
        ),
    )
