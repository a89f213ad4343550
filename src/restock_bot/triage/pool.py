"""The stores still in the running while triage narrows a report to one store: a set of store ids, or (before
any narrowing) every branch of the chains named, and the array arithmetic that meets it with posting lists."""

from __future__ import annotations

import bisect
import heapq
from array import array
from collections.abc import Iterable, Sequence

import numpy as np

from restock_bot.post import GeoPoint
from restock_bot.triage.stores import Hit, StoreIndex


class Pool:
    """The stores still in the running: a small explicit set, or (before any narrowing) every branch of the
    chains named, kept implicit so a chain of 10,000 branches costs nothing until a place narrows it."""

    SAMPLE = 50

    def __init__(self, index: StoreIndex, *, stores: set[int] | None = None, chains: set[int] | None = None):
        self.index = index
        self.stores = stores
        self.chains = chains or set()
        self._array: np.ndarray | None = None

    def has(self, i: int) -> bool:
        return i in self.stores if self.stores is not None else self.index.chain_of[i] in self.chains

    def placed(self, hits: list[Hit]) -> dict[int, tuple[str, ...]]:
        """Stores of the pool that the place words name, with the words. Each word's posting list is met
        with the pool from whichever side is shorter: set lookups or bisects while either side is short, one
        vectorised bisect (numpy `searchsorted`) of the shorter sorted side into the longer one otherwise."""
        out: dict[int, tuple[str, ...]] = {}
        stores = self.stores
        for k, ids in {h.key: h.ids for h in hits}.items():
            if stores is None:
                found: Iterable[int] = self._members(ids)
            elif len(ids) <= SHORT:
                found = [i for i in ids if i in stores]
            elif len(stores) <= SHORT:
                found = [i for i in stores if _contains(ids, i)]
            else:
                found = _intersect(self._sorted(), as_array(ids)).tolist()
            if not out:
                out = dict.fromkeys(found, (k,))
                continue
            for i in found:
                out[i] = (*out[i], k) if i in out else (k,)
        return out

    def _sorted(self) -> np.ndarray:
        """The explicit pool as a sorted int32 array (made once per pool)."""
        if self._array is None:
            assert self.stores is not None
            self._array = np.sort(np.fromiter(self.stores, dtype=np.int32, count=len(self.stores)))
        return self._array

    def _members(self, ids: Sequence[int]) -> Iterable[int]:
        """The ids that are in the pool; a long posting list (a busy locality) is filtered in one numpy pass."""
        chains_of = self.index.chain_of
        if len(ids) <= SHORT or self.stores is not None or not isinstance(chains_of, array):
            return (i for i in ids if self.has(i))
        found = as_array(ids)
        chain_of = np.frombuffer(chains_of, dtype=np.int32)[found]
        if len(self.chains) == 1:
            return found[chain_of == next(iter(self.chains))].tolist()
        return found[np.isin(chain_of, list(self.chains))].tolist()

    def size(self) -> int:
        if self.stores is not None:
            return len(self.stores)
        return sum(len(self.index.branches_of(c)) for c in self.chains)

    def cities(self) -> set[int]:
        if self.stores is not None:
            return {self.index.city_of[i] for i in self.stores}
        return {city for c in self.chains for city in self.index.chain_cities(c)}

    def in_cities(self, city_ids: set[int]) -> set[int]:
        if self.stores is not None:
            return {i for i in self.stores if self.index.city_of[i] in city_ids}
        return set().union(*(self.index.branches_in_city(c, city) for c in self.chains for city in city_ids))

    def near(self, lat: float, lon: float) -> np.ndarray:
        """Stores of the pool near a point (all of a small pool; the chains' nearby grid cells otherwise)."""
        if self.stores is not None and (len(self.stores) <= 64 or not self.chains):
            return np.fromiter(self.stores, dtype=np.int32, count=len(self.stores))
        cells = [self.index.branches_near(c, lat, lon) for c in self.chains]
        near = np.concatenate(cells) if len(cells) > 1 else cells[0]
        return near if self.stores is None else near[_in_sorted(near, self._sorted())]

    def narrowed(self, stores: set[int]) -> Pool:
        """The pool cut down to `stores`, remembering the chains it came from (for the geo grid)."""
        return Pool(self.index, stores=stores, chains=self.chains)

    def sample(self, geo: GeoPoint | None) -> list[int]:
        if self.stores is not None:
            if geo is not None and len(self.stores) > self.SAMPLE:
                near: list[int] = self.near(geo.lat, geo.lon)[: self.SAMPLE].tolist()
                return near or sorted(self.stores)[: self.SAMPLE]
            return heapq.nsmallest(self.SAMPLE, self.stores)
        if geo is not None:
            found: list[int] = self.near(geo.lat, geo.lon)[: self.SAMPLE].tolist()
            return found
        return [i for c in sorted(self.chains) for i in self.index.branches_of(c)[: self.SAMPLE]]


def most_named(placed: dict[int, tuple[str, ...]], places: list[Hit]) -> set[int]:
    """The stores whose place words cover the most of the text: "Koramangala 5th Block" over "Koramangala";
    a word inside a longer one adds nothing ("Indira" inside "Indira Ngr" names no more than "Indira Ngr");
    between equal covers, the store named by the longest single word."""
    spans: dict[str, set[tuple[int, int]]] = {}
    for h in places:
        spans.setdefault(h.key, set()).add((h.start, h.end))
    length = {  # then the longest single word: "중앙대로" whole over "중앙" and "대로" of two other names
        ks: (_covered(s for k in ks for s in spans.get(k, ())), max(map(len, ks))) for ks in set(placed.values())
    }
    best = max(length.values())
    return {i for i, ks in placed.items() if length[ks] == best}


def _covered(spans: Iterable[tuple[int, int]]) -> int:
    """How many characters the spans cover together."""
    total, reach = 0, -1
    for start, end in sorted(spans):
        if end > reach:
            total += end - max(start, reach)
            reach = end
    return total


def place_words(placed: dict[int, tuple[str, ...]]) -> list[str]:
    return sorted({k for ks in set(placed.values()) for k in ks})


# Below this many ids on either side, Python set lookups and bisects beat a numpy call's fixed cost.
SHORT = 48


def _contains(ids: Sequence[int], i: int) -> bool:
    """`i` is in the sorted posting list `ids`."""
    j = bisect.bisect_left(ids, i)
    return j < len(ids) and ids[j] == i


def as_array(ids: Sequence[int]) -> np.ndarray:
    """A posting list as an int32 array, without a copy when it is one already."""
    return np.frombuffer(ids, dtype=np.int32) if isinstance(ids, array) else np.asarray(ids, dtype=np.int32)


def _intersect(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The common values of two sorted arrays of distinct ids: the shorter is bisected into the longer."""
    short, long = (a, b) if len(a) <= len(b) else (b, a)
    found: np.ndarray = short[_in_sorted(short, long)]
    return found


def _in_sorted(values: np.ndarray, ordered: np.ndarray) -> np.ndarray:
    """Which of `values` are in the sorted array `ordered` (a vectorised bisect), as a boolean mask."""
    if not len(ordered):
        return np.zeros(len(values), dtype=bool)
    at = np.searchsorted(ordered, values)
    at[at == len(ordered)] = 0
    found: np.ndarray = ordered[at] == values
    return found
