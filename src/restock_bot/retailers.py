"""The retailer list (`stores.csv`): the Store record, streaming CSV reading with per-line errors,
and the checks that warn about what hurts matching."""

from __future__ import annotations

import csv
import dataclasses
import math
import sys
from array import array
from collections import Counter, defaultdict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import overload

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
    line: int = field(default=0, compare=False)  # where it was read, for messages

    @property
    def label(self) -> str:
        """How a person names this store in a reply: name, locality, city."""
        return store_label(self.name, self.locality, self.city)


def store_label(name: str, locality: str, city: str) -> str:
    """'DMart Powai, Mumbai': the name, then the locality and city when the name does not say them."""
    parts = [name]
    if locality and locality.lower() not in name.lower():
        parts.append(locality)
    if city and city.lower() not in name.lower():
        parts.append(city)
    return ", ".join(parts)


@dataclass(frozen=True, slots=True)
class StoreRef:
    """A store as lookups need it (who it is, where, who restocks it), made on demand from a StoreTable."""

    store_id: str
    name: str
    chain: str
    locality: str
    city: str
    lat: float | None
    lon: float | None
    distributor_id: str

    @property
    def label(self) -> str:
        return store_label(self.name, self.locality, self.city)


class StoreTable(Sequence[StoreRef]):
    """A retailer list held as columns: a million stores in a fraction of the memory of Store objects.
    Only what lookups need is kept (aliases and addresses live in the index's keys)."""

    def __init__(self) -> None:
        self.store_ids: list[str] = []
        self.names: list[str] = []
        self.chains: list[str] = []
        self.localities: list[str] = []
        self.cities: list[str] = []
        self.distributors: list[str] = []
        self.lats = array("d")
        self.lons = array("d")
        self._by_id: dict[str, int] | None = None

    def append(self, store: Store) -> None:
        self.store_ids.append(store.store_id)
        self.names.append(store.name)
        self.chains.append(store.chain)
        self.localities.append(store.locality)
        self.cities.append(store.city)
        self.distributors.append(store.distributor_id)
        self.lats.append(math.nan if store.lat is None else store.lat)
        self.lons.append(math.nan if store.lon is None else store.lon)
        self._by_id = None

    def __len__(self) -> int:
        return len(self.store_ids)

    @overload
    def __getitem__(self, i: int) -> StoreRef: ...

    @overload
    def __getitem__(self, i: slice) -> Sequence[StoreRef]: ...

    def __getitem__(self, i: int | slice) -> StoreRef | Sequence[StoreRef]:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        lat, lon = self.coordinates(i) or (None, None)
        return StoreRef(
            self.store_ids[i],
            self.names[i],
            self.chains[i],
            self.localities[i],
            self.cities[i],
            lat,
            lon,
            self.distributors[i],
        )

    def coordinates(self, i: int) -> tuple[float, float] | None:
        lat, lon = self.lats[i], self.lons[i]
        return None if math.isnan(lat) else (lat, lon)

    def by_id(self) -> Mapping[str, StoreRef]:
        """The stores by store_id (the index of ids is built on first use)."""
        if self._by_id is None:
            self._by_id = {sid: i for i, sid in enumerate(self.store_ids)}
        return _StoresById(self, self._by_id)


class _StoresById(Mapping[str, StoreRef]):
    def __init__(self, table: StoreTable, positions: dict[str, int]) -> None:
        self._table = table
        self._positions = positions

    def __getitem__(self, store_id: str) -> StoreRef:
        return self._table[self._positions[store_id]]

    def __iter__(self) -> Iterator[str]:
        return iter(self._positions)

    def __len__(self) -> int:
        return len(self._positions)


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


def printable(text: str) -> str:
    """`text` with any byte that was not UTF-8 written as an escape, so that a message can be printed."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def not_utf8(row: dict[str, str]) -> str | None:
    """The first column whose value holds bytes that were not UTF-8 (read with errors="surrogateescape")."""
    for col, value in row.items():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as exc:
            return f"{col}: not UTF-8 (byte 0x{ord(value[exc.start]) & 0xFF:02x} at character {exc.start})"
    return None


def store_from_row(row: dict[str, str]) -> Store:
    """One CSV row as a Store; raises ValueError naming the field at fault."""
    if (problem := not_utf8(row)) is not None:
        raise ValueError(problem)
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
    country = row["country"].strip()
    if len(country) != 2 or not (country.isascii() and country.isalpha()):  # "ß".upper() is "SS"
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
        country=shared(country.upper()),
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
        # Bytes that are not UTF-8 are kept as surrogates and reported with their line, not raised mid-file.
        handle = path.open(encoding="utf-8-sig", errors="surrogateescape", newline="")
    except OSError as exc:
        raise StoreFileError(f"{path}: cannot open ({exc.strerror})") from exc
    with handle:
        reader = csv.DictReader(handle)
        try:
            header = reader.fieldnames or []
        except csv.Error as exc:
            raise StoreFileError(f"{path}: line 1: the header is not CSV ({exc})") from exc
        missing = [c for c in REQUIRED_COLUMNS if c not in header]
        if missing:
            raise StoreFileError(f"{path}: missing column(s) {', '.join(missing)} in the header")
        seen: set[str] = set()
        while True:
            try:
                row = next(reader)
            except StopIteration:
                break
            except csv.Error as exc:  # e.g. a field over csv's limit: skip the line, read on
                yield RowProblem(reader.reader.line_num, f"not CSV: {exc}")
                continue
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
                store_id = printable((row.get("store_id") or "").strip())
                yield RowProblem(line, printable(str(exc)), store_id=store_id)
                continue
            if store.store_id in seen:
                yield RowProblem(line, f"store_id {store.store_id} appears twice", store_id=store.store_id)
                continue
            seen.add(store.store_id)
            yield dataclasses.replace(store, line=line)


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
    line_of = {s.store_id: s.line or i for i, s in enumerate(stores, start=2)}
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
