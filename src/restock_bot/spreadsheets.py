"""CSV for spreadsheets: a cell that starts like a formula is written as text, since reporters choose their
own names and posts, and a spreadsheet would otherwise run them."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import datetime

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def cell(value: object) -> str:
    """One CSV cell: empty for None, ISO 8601 for times, a leading ' before anything formula-like."""
    if value is None:
        return ""
    text = value.isoformat() if isinstance(value, datetime) else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def spreadsheet_csv(columns: Sequence[str], rows: Iterable[Iterable[object]]) -> str:
    """CSV text: a header row of `columns`, then each row with every value written as a `cell`."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow(cell(v) for v in row)
    return out.getvalue()
