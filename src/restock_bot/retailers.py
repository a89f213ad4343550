"""The retailer list (`stores.csv`): the Store record, streaming CSV reading with per-line errors,
and the checks that warn about what hurts matching."""

from __future__ import annotations

import csv
import math
import sys
from collections import Counter, defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

REQUIRED_COLUMNS = (
    "store_id", "name", "chain", "aliases", "handle", "address", "locality",
    "city", "state", "country", "postcode", "lat", "lon", "distributor_id",
)  # fmt: skip
# Columns that must hold a value on every row (the others may be empty).
NON_EMPTY = ("store_id", "name", "city", "country", "distributor_id")


NO_EXTRA: Mapping[str, str] = MappingProxyType({})


@dataclass(frozen=True, slots=True)
class Store:
    store_id: str
    name: str
    chain: str
    aliases: tuple[str, ...]
    handle: str
    address: str
    locality: str
    city: str
    state: str
    country: str
    postcode: str
    lat: float | None
    lon: float | None
    distributor_id: str
    extra: Mapping[str, str] = field(default_factory=lambda: NO_EXTRA, compare=False)

    @property
    def label(self) -> str:
        """How a person names this store in a reply: name, locality, city."""
        parts = [self.name]
        if self.locality and self.locality.lower() not in self.name.lower():
            parts.append(self.locality)
        if self.city and self.city.lower() not in self.name.lower():
            parts.append(self.city)
        return ", ".join(parts)


@dataclass(frozen=True, slots=True)
class RowProblem:
    """An error (row skipped) or warning (row kept) tied to a line of the file."""

    line: int
    message: str
    severity: str = "error"
    store_id: str = ""

    def __str__(self) -> str:
        where = f"line {self.line}" if self.line else "file"
        who = f" ({self.store_id})" if self.store_id else ""
        return f"{where}{who}: {self.severity}: {self.message}"


class StoreFileError(ValueError):
    """The file as a whole cannot be read (missing, no header, missing columns)."""


def _coordinate(raw: str, name: str, low: float, high: float) -> float | None:
    raw = raw.strip()
    if not raw:
        return None
    value = float(raw)  # ValueError is reported by the caller with the field name
    if not math.isfinite(value) or not (low <= value <= high):
        raise ValueError(f"{name} {raw!r} is outside {low}..{high}")
    return value


def store_from_row(row: dict[str, str]) -> Store:
    """One CSV row as a Store; raises ValueError naming the field at fault."""
    for col in NON_EMPTY:
        if not (row.get(col) or "").strip():
            raise ValueError(f"{col}: empty")
    try:
        lat = _coordinate(row.get("lat") or "", "lat", -90, 90)
        lon = _coordinate(row.get("lon") or "", "lon", -180, 180)
    except ValueError as exc:
        msg = str(exc)
        raise ValueError(msg if "outside" in msg else f"lat/lon: not a number ({msg})") from exc
    if (lat is None) != (lon is None):
        raise ValueError("lat/lon: give both or neither")
    country = row["country"].strip().upper()
    if len(country) != 2 or not country.isalpha():
        raise ValueError(f"country: {row['country']!r} is not an ISO 3166-1 alpha-2 code")
    extra = {k: v for k, v in row.items() if k not in REQUIRED_COLUMNS and k is not None and v}
    shared = sys.intern  # chains, cities, localities repeat across thousands of rows: keep one copy
    return Store(
        store_id=row["store_id"].strip(),
        name=row["name"].strip(),
        chain=shared((row.get("chain") or "").strip()),
        aliases=tuple(a.strip() for a in (row.get("aliases") or "").split("|") if a.strip()),
        handle=shared((row.get("handle") or "").strip().lstrip("@")),
        address=(row.get("address") or "").strip(),
        locality=shared((row.get("locality") or "").strip()),
        city=shared(row["city"].strip()),
        state=shared((row.get("state") or "").strip()),
        country=shared(country),
        postcode=shared((row.get("postcode") or "").strip()),
        lat=lat,
        lon=lon,
        distributor_id=shared(row["distributor_id"].strip()),
        extra=extra or NO_EXTRA,
    )


def read_stores(path: str | Path) -> Iterator[Store | RowProblem]:
    """Stream a stores.csv: yields each good Store and a RowProblem for each bad line."""
    path = Path(path)
    try:
        handle = path.open(encoding="utf-8-sig", newline="")
    except OSError as exc:
        raise StoreFileError(f"{path}: cannot open ({exc.strerror})") from exc
    with handle:
        reader = csv.DictReader(handle)
        header = reader.fieldnames or []
        missing = [c for c in REQUIRED_COLUMNS if c not in header]
        if missing:
            raise StoreFileError(f"{path}: missing column(s) {', '.join(missing)} in the header")
        seen: set[str] = set()
        for row in reader:
            line = reader.line_num
            if None in row:
                extra = row[None]
                yield RowProblem(line, f"{len(extra)} value(s) more than the header has columns")
                continue
            if any(v is None for v in row.values()):
                yield RowProblem(line, "fewer values than the header has columns")
                continue
            try:
                store = store_from_row(row)
            except ValueError as exc:
                yield RowProblem(line, str(exc), store_id=(row.get("store_id") or "").strip())
                continue
            if store.store_id in seen:
                yield RowProblem(line, f"store_id {store.store_id} appears twice", store_id=store.store_id)
                continue
            seen.add(store.store_id)
            yield store


def load_stores(path: str | Path) -> tuple[list[Store], list[RowProblem]]:
    """All good stores of a file and the problems of its bad lines."""
    stores: list[Store] = []
    problems: list[RowProblem] = []
    for item in read_stores(path):
        (stores if isinstance(item, Store) else problems).append(item)  # type: ignore[arg-type]
    return stores, problems


def _km(a: tuple[float, float], b: tuple[float, float]) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(min(1.0, h)))


def matching_warnings(stores: list[Store], far_km: float = 60.0) -> list[RowProblem]:
    """Warnings about what hurts matching: same name in one city with no locality to tell them apart,
    missing coordinates, and stores far from the rest of their city."""
    warnings: list[RowProblem] = []
    line_of = {s.store_id: i for i, s in enumerate(stores, start=2)}
    by_name_city: dict[tuple[str, str], list[Store]] = defaultdict(list)
    for s in stores:
        by_name_city[(s.name.casefold(), s.city.casefold())].append(s)
        if s.lat is None:
            warnings.append(
                RowProblem(
                    line_of[s.store_id], "no coordinates: geo points cannot find this store", "warning", s.store_id
                )
            )
    for group in by_name_city.values():
        if len(group) < 2:
            continue
        localities = Counter(s.locality.casefold() for s in group)
        for s in group:
            if not s.locality or localities[s.locality.casefold()] > 1:
                warnings.append(
                    RowProblem(
                        line_of[s.store_id],
                        f"{len(group)} stores named {s.name!r} in {s.city} and no locality tells them apart",
                        "warning",
                        s.store_id,
                    )
                )
    by_city: dict[str, list[Store]] = defaultdict(list)
    for s in stores:
        if s.lat is not None:
            by_city[s.city.casefold()].append(s)
    for group in by_city.values():
        if len(group) < 3:
            continue
        lats = sorted(s.lat for s in group if s.lat is not None)
        lons = sorted(s.lon for s in group if s.lon is not None)
        centre = (lats[len(lats) // 2], lons[len(lons) // 2])
        for s in group:
            assert s.lat is not None and s.lon is not None
            dist = _km((s.lat, s.lon), centre)
            if dist > far_km:
                warnings.append(
                    RowProblem(
                        line_of[s.store_id],
                        f"{dist:.0f} km from the middle of {s.city}: check lat/lon or city",
                        "warning",
                        s.store_id,
                    )
                )
    return sorted(warnings, key=lambda w: w.line)
