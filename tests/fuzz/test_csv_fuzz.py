"""stores.csv and products.csv: a malformed row is reported by its line and the rest still load; a file that
cannot be read at all is one error naming the file. Nothing else is ever raised."""

from __future__ import annotations

import csv
import io
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from restock_bot.retailers import REQUIRED_COLUMNS, RowProblem, Store, StoreFileError, read_stores
from restock_bot.triage.catalog import CatalogueError, load_products
from tests.fuzz import tally
from tests.fuzz.strategies import INVALID_UTF8, clean_texts, hostile_texts

FIELD_LIMIT = 131072  # csv's default: a longer field is an error of its line


@dataclass
class Row:
    data: bytes
    store_id: str | None  # set when the row is good and must load
    why: str


def _csv_line(values: list[str]) -> bytes:
    out = io.StringIO(newline="")
    csv.writer(out, lineterminator="\r\n").writerow(values)
    return out.getvalue().encode("utf-8")


def _text_field() -> st.SearchStrategy[str]:
    # Commas, quotes and line breaks inside a field are quoted by csv.writer and must be read back as written.
    return st.one_of(clean_texts(max_size=30), st.sampled_from(["a,b", 'say "hi"', "two\nlines", "x\r\ny", " ", "|"]))


@st.composite
def good_rows(draw: st.DrawFn, store_id: str) -> Row:
    geo = draw(
        st.one_of(
            st.just(("", "")),
            st.tuples(st.floats(-90, 90), st.floats(-180, 180)).map(lambda p: (repr(p[0]), repr(p[1]))),
        )
    )
    values = {c: draw(_text_field()) for c in REQUIRED_COLUMNS}
    values |= {
        "store_id": store_id,
        "country": draw(st.sampled_from(["IN", "in", "JP", " kr "])),
        "lat": geo[0],
        "lon": geo[1],
    }
    for col in ("name", "city", "distributor_id"):
        values[col] = values[col].strip() or "x"
    return Row(_csv_line([values[c] for c in REQUIRED_COLUMNS]), store_id, "good")


BAD_KINDS = [
    "more values",
    "fewer values",
    "empty",
    "lat",
    "lat only",
    "country",
    "invalid UTF-8",
    "huge field",
    "duplicate",
]


@st.composite
def bad_rows(draw: st.DrawFn, store_id: str) -> Row:
    kind = draw(st.sampled_from(BAD_KINDS))
    values = {c: "v" for c in REQUIRED_COLUMNS} | {"store_id": store_id, "country": "IN", "lat": "", "lon": ""}
    if kind == "more values":
        return Row(_csv_line([*values.values(), *draw(st.lists(_text_field(), min_size=1, max_size=3))]), None, kind)
    if kind == "fewer values":
        cut = draw(st.integers(1, len(REQUIRED_COLUMNS) - 1))
        return Row(_csv_line(list(values.values())[:cut]), None, kind)
    if kind == "empty":
        values[draw(st.sampled_from(["name", "city", "country", "distributor_id"]))] = draw(st.sampled_from(["", "  "]))
    elif kind == "lat":
        values["lat"], values["lon"] = draw(st.sampled_from(["nan", "inf", "91", "abc", "1e999", "--1"])), "1"
    elif kind == "lat only":
        values["lat"] = "12.5"
    elif kind == "country":
        values["country"] = draw(st.sampled_from(["IND", "I", "12", "ÄÖ", "ß"]))
    elif kind == "huge field":
        values["address"] = "a" * draw(st.integers(FIELD_LIMIT + 1, FIELD_LIMIT + 5000))
    elif kind == "duplicate":
        values["store_id"] = "S0"  # the first row of every file is a good S0
    data = _csv_line([values[c] for c in REQUIRED_COLUMNS])
    if kind == "invalid UTF-8":
        at = data.index(b",")
        data = data[:at] + draw(st.sampled_from(INVALID_UTF8)) + data[at:]
    return Row(data, None, kind)


def _lines_in(data: bytes) -> int:
    """Lines as csv counts them in a file opened with newline="" (\\n, \\r and \\r\\n end a line)."""
    return len(io.StringIO(data.decode("utf-8", "surrogateescape"), newline="").readlines())


@st.composite
def store_files(draw: st.DrawFn) -> tuple[bytes, list[Row], list[int]]:
    """A header, a good S0, then good and bad rows; the line each row ends on."""
    count = draw(st.integers(0, 12))
    rows = [draw(good_rows("S0"))]
    rows += [draw(st.one_of(good_rows(f"S{i}"), bad_rows(f"S{i}"))) for i in range(1, count + 1)]
    bom = draw(st.sampled_from([b"", b"\xef\xbb\xbf"]))
    data = bom + _csv_line(list(REQUIRED_COLUMNS))
    ends = []
    line = _lines_in(data)
    for row in rows:
        data += row.data
        line += _lines_in(row.data)
        ends.append(line)
    return data, rows, ends


def _file(tmp: str, data: bytes, name: str = "stores.csv") -> Path:
    path = Path(tmp) / name
    path.write_bytes(data)
    return path


@given(store_files())
def test_bad_store_rows_are_named_by_line_and_the_rest_load(made: tuple[bytes, list[Row], list[int]]) -> None:
    data, rows, ends = made
    with tempfile.TemporaryDirectory() as tmp:
        items = list(read_stores(_file(tmp, data)))
    stores = [i for i in items if isinstance(i, Store)]
    problems = [i for i in items if isinstance(i, RowProblem)]
    assert [s.store_id for s in stores] == [r.store_id for r in rows if r.store_id]
    assert [s.line for s in stores] == [end for r, end in zip(rows, ends, strict=True) if r.store_id]
    assert [p.line for p in problems] == [end for r, end in zip(rows, ends, strict=True) if not r.store_id]
    for row in rows:
        (tally.accepted if row.store_id else tally.tried)("stores.csv: rows")
    for problem in problems:
        str(problem).encode("utf-8")  # printable as it is
        tally.REJECTED[("stores.csv: rows", tally.reason_class(problem.message))] += 1


@given(
    st.one_of(st.binary(max_size=3000), hostile_texts(5000).map(lambda t: t.encode("utf-8", "surrogatepass"))),
    st.booleans(),
)
def test_any_bytes_are_stores_problems_or_one_file_error(data: bytes, with_header: bool) -> None:
    header = _csv_line(list(REQUIRED_COLUMNS)) if with_header else b""
    with tempfile.TemporaryDirectory() as tmp:
        try:
            items = list(read_stores(_file(tmp, header + data)))
        except StoreFileError as exc:
            assert "stores.csv" in str(exc)
            tally.rejected("stores.csv: any bytes", str(exc).split(": ", 1)[1])
            return
    for item in items:
        if isinstance(item, RowProblem):
            assert item.line >= 2 and str(item).encode("utf-8")
            tally.rejected("stores.csv: any bytes", item.message)
        else:
            tally.accepted("stores.csv: any bytes")


NAMED_LINE = re.compile(r"products\.csv(?::\d+)?: ")


@given(
    st.one_of(st.binary(max_size=3000), hostile_texts(3000).map(lambda t: t.encode("utf-8", "surrogatepass"))),
    st.sampled_from(
        [b"", b"sku,brand,brand_aliases,name,aliases\r\n", b"sku,brand,brand_aliases,name,aliases\r\nA,B,,N,\r\n"]
    ),
    st.sampled_from([b"", b"\r\n", b"X" * (FIELD_LIMIT + 1), b"\xff"]),
)
def test_any_products_file_is_products_or_an_error_naming_file_and_line(data: bytes, head: bytes, tail: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        try:
            products = load_products(_file(tmp, head + data + tail, "products.csv"))
        except CatalogueError as exc:
            message = str(exc)
            assert NAMED_LINE.search(message), message
            message.encode("utf-8")
            tally.rejected("products.csv", message.split("products.csv", 1)[1].lstrip(":0123456789 "))
            return
    assert products and all(p.sku and p.brand and p.name for p in products)
    tally.accepted("products.csv")
