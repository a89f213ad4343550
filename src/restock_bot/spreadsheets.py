"""CSV for spreadsheets: a cell that starts like a formula is written as text, since reporters choose their
own names and posts, and a spreadsheet would otherwise run them."""

from __future__ import annotations

from datetime import datetime

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def cell(value: object) -> str:
    """One CSV cell: empty for None, ISO 8601 for times, a leading ' before anything formula-like."""
    if value is None:
        return ""
    text = value.isoformat() if isinstance(value, datetime) else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text
