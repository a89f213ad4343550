"""The retailer index: every way a post can point at a store, built once, looked up per post.

A post names stores through *names* (a store's own name or alias, an independent's name, a store's
handle), *chains* (a chain's name, nickname or handle: a set of branches) and *places* (localities,
the branch part of a chain store's name, landmarks and streets of addresses, postcodes, cities). The
index maps each normalised key to what it names; `find` returns the hits in a post, and narrowing
chains by places, cities and geo points is left to `decide`.
"""

from __future__ import annotations

import gc
import math
import re
import sys
from array import array
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np

from restock_bot.retailers import Store, StoreTable
from restock_bot.triage.chains import KNOWN_NICKNAMES
from restock_bot.triage.cities import other_names
from restock_bot.triage.text import fold, is_cjk, key, release_transliterators, romanised_forms, skeleton, spans, tokens

# Words that are ordinary words as well as store names: such a name counts only in a name-like position.
ORDINARY_WORDS = frozenset(
    [
        "more",
        "life",
        "fresh",
        "star",
        "smart",
        "spar",
        "big",
        "best",
        "day",
        "easy",
        "city",
        "super",
        "mart",
        "bazaar",
        "bazar",
        "basket",
        "market",
        "shop",
        "store",
        "stores",
        "family",
        "daily",
        "good",
        "new",
        "my",
        "apna",
        "value",
        "plus",
        "one",
        "home",
        "nature",
        "natures",
        "metro",
        "express",
        "hyper",
        "mega",
        "fair",
        "price",
        "choice",
        "reliance",
        "modern",
        "natural",
        "organic",
        "daily",
        "royal",
    ]
)
# Words of addresses and branch names that say what kind of place it is, not which one.
GENERIC_PLACE_WORDS = frozenset(
    [
        "near",
        "opp",
        "opposite",
        "behind",
        "beside",
        "next",
        "to",
        "road",
        "rd",
        "street",
        "st",
        "main",
        "cross",
        "lane",
        "marg",
        "nagar",
        "colony",
        "sector",
        "block",
        "phase",
        "stage",
        "layout",
        "floor",
        "shop",
        "no",
        "plot",
        "ground",
        "first",
        "1st",
        "2nd",
        "3rd",
        "4th",
        "5th",
        "the",
        "of",
        "and",
        "in",
        "at",
        "market",
        "complex",
        "mall",
        "station",
        "east",
        "west",
        "north",
        "south",
        "branch",
        "outlet",
        "supermarket",
        "store",
        "stores",
        "megastore",
        "hypermarket",
        "mart",
        "express",
    ]
)
# Words of shop names that say what kind of shop it is ("Sharma Ji Ki Dukaan"), never where it is.
SHOP_WORDS = frozenset(
    [
        "ji",
        "ki",
        "ka",
        "ke",
        "ko",
        "wala",
        "wale",
        "wali",
        "dukaan",
        "dukan",
        "kirana",
        "bhandar",
        "general",
        "provision",
        "provisions",
        "stores",
        "store",
        "shop",
        "traders",
        "trading",
        "mart",
        "supermarket",
        "centre",
        "center",
        "mandir",
        "brothers",
        "bros",
        "sons",
        "and",
        "co",
        "enterprises",
        "agency",
        "shoten",
        "商店",
        "상회",
        "마트",
        "슈퍼",
        "가게",
    ]
)
# How shop and address words sound, whatever the script they were romanised from ("स्टोर" -> "stor" is "store")
_SHOP_SOUNDS = frozenset(sk for w in SHOP_WORDS | GENERIC_PLACE_WORDS if w.isascii() and len(sk := skeleton(w)) >= 3)
_NUMBER_KANJI = str.maketrans("一二三四五六七八九", "123456789")
# Branch suffixes: "…店", "…점", "… Branch" name the branch, the stem is how people say it.
_BRANCH_SUFFIXES = (
    "駅前店", "駅店", "店", "역점", "점", "前", "몰", "向かい", "の向かい", "横", "隣", "近く", "裏",
    "東側", "西側", "南側", "北側", "맞은편", "건너편", "옆", "앞", "branch", "outlet",
)  # fmt: skip
_CJK_SUFFIX_CHARS = frozenset("駅前店町区市丁目号番점역동구로길층入口")
_CJK_GENERIC = frozenset(
    [
        "駅前",
        "本店",
        "支店",
        "店舗",
        "ビル",
        "タワー",
        "モール",
        "センター",
        "マート",
        "ストア",
        "スーパー",
        "입구",
        "사거리",
        "센터",
        "빌딩",
        "마트",
    ]
)
_CJK_PLACE_SPLIT = re.compile(r"(?<=[都道府県市区町村구동시군읍면로길])")
_POSTCODE = re.compile(r"\b\d{3}-?\d{3,4}\b")


GRID = 0.1  # degrees of the per-chain geo grid; three cells across cover the 5 km triage looks within


@dataclass(slots=True)
class Hit:
    """One key of the index found in a post."""

    key: str
    kind: str  # "name" | "chain" | "place" | "city"
    ids: Sequence[int]  # store indices (name/place), chain indices (chain), city indices (city)
    start: int  # character offsets in the folded text (for clause and name-position checks)
    end: int
    fuzzy: bool = False


@dataclass(slots=True)
class Chain:
    name: str
    branches: list[int] = field(default_factory=list)
    nicknames: set[str] = field(default_factory=set)


@lru_cache(maxsize=262144)
def _branch_stems(text: str) -> frozenset[str]:
    """'강남역점' -> {'강남역점', '강남역', '강남'}: the name without each branch suffix it ends with."""
    t = fold(text).strip()
    out = {t}
    for suffix in _BRANCH_SUFFIXES:
        if t.endswith(suffix) and len(t) > len(suffix) + 1:
            out.add(t[: -len(suffix)].strip())
    return frozenset(out)


@lru_cache(maxsize=262144)
def _cjk_halves(k: str) -> frozenset[str]:
    """'삼성코엑스' -> '삼성', '코엑스': people name a compound place by either part."""
    if not is_cjk(k[:1]) or len(k) > 8:
        return frozenset()
    halves = {part for n in range(2, len(k) - 1) for part in (k[:n], k[n:]) if len(part) >= 2}
    return frozenset(
        h for h in halves if h[0] not in _CJK_SUFFIX_CHARS and h not in _CJK_GENERIC and not _grammar_like(h)
    )


def _grammar_like(half: str) -> bool:
    """Two kana of hiragana ("なか" of "なかもず") read like grammar ("なかった", "ない"), not like a place."""
    return len(half) <= 2 and all("\u3041" <= ch <= "\u309f" for ch in half)


@lru_cache(maxsize=262144)
def _place_variants(text: str) -> frozenset[str]:
    """Keys a person may use for a place word: as written, without its suffix, with kanji numerals as digits."""
    out = set()
    for variant in _branch_stems(text):
        k = key(variant)
        if k:
            out.add(k)
            out.add(k.translate(_NUMBER_KANJI))
        for suffix in ("역", "駅", "동", "丁目", "区", "구", "市", "시"):
            if k.endswith(suffix) and len(k) > len(suffix) + 1:
                out.add(k[: -len(suffix)])
        if k.endswith("nagar") and len(k) > 7:
            out.add(k[:-5] + "ngr")  # "Indira Ngr": how addresses and posts shorten "Nagar"
        out |= _cjk_halves(k)
    return frozenset(v for v in out if len(v) >= 2 and v not in GENERIC_PLACE_WORDS)


@lru_cache(maxsize=262144)
def _address_places(address: str, city: str, state: str = "") -> frozenset[str]:
    """Landmarks and streets of an address: comma parts without 'near'/'opp', CJK parts split at 区/구/로…
    (the state or prefecture is left out: it names no place smaller than a city)."""
    out: set[str] = set()
    city_key = key(city)
    skip = {city_key, key(state)} | _place_variants(city) | (_place_variants(state) if state else set())
    for part in re.split(r"[,、，]", _POSTCODE.sub(" ", address)):
        words = [w for w in tokens(fold(part)) if not w.isdigit()]
        while words and words[0] in ("near", "opp", "opposite", "behind", "beside", "next", "to", "shop", "no"):
            words = words[1:]
        if not words:
            continue
        if any(is_cjk(w) for w in words):
            for w in words:
                for piece in _CJK_PLACE_SPLIT.split(w):
                    if key(piece) not in skip and not re.search(r"[都道府県]$", piece):
                        out |= _place_variants(piece)
            continue
        phrase = "".join(words)
        if phrase != city_key and not all(w in GENERIC_PLACE_WORDS for w in words):
            out.add(phrase)
            for n in (1, 2):  # "Sarath City Capital Mall": "sarath city" names it too
                for j in range(len(words) - n + 1):
                    part = words[j : j + n]
                    if not any(w in GENERIC_PLACE_WORDS for w in part) and len("".join(part)) >= 5:
                        out.add("".join(part))
            if words[-1] in ("road", "rd", "marg", "street"):
                out.add("".join(words[:-1]) + ("rd" if words[-1] == "road" else "road"))
    return frozenset(p for p in out if (len(p) >= 3 or is_cjk(p[:1])) and p not in skip)


class StoreIndex:
    """All keys of a retailer list → the stores, chains, places and cities they name."""

    MAX_NGRAM = 6

    def __init__(self) -> None:
        self.stores = StoreTable()
        self._chain_aliases: dict[int, tuple[str, ...]] = {}  # building only: aliases of chain branches
        self._handle_users: dict[str, list[int]] = defaultdict(list)  # building only
        self.chains: list[Chain] = []
        self.chain_of: list[int] | array[int] = []  # store index -> chain index or -1
        self.city_of: list[int] | array[int] = []  # store index -> city index
        self.cities: list[str] = []
        self._city_ids: dict[str, int] = {}
        self._chain_ids: dict[str, int] = {}
        # While building: key -> kind -> ids. `build` freezes them into key -> ((kind, ids), ...) where ids is
        # one int or an array of them: a tenth of the memory, for lists of a million stores.
        self.keys: Any = {kind: {} for kind in _KINDS}
        self.skeletons: Any = {kind: {} for kind in _KINDS}
        self.max_cjk_key = 2
        self.locality_keys: set[str] = set()
        self.loose: dict[str, set[int]] = defaultdict(set)  # short chain names as Hindi spells them
        self._loose_reach = 0  # spans longer than this cannot loosen into a key of `loose`
        self.vocab: set[str] = set()  # Latin words that keys are made of (n-grams grow only over these)
        self.starts: set[str] = set()  # first two characters of CJK keys
        self._chain_city: dict[int, dict[int, list[int]]] = {}  # built on first use
        self._chain_grid: dict[int, dict[tuple[int, int], np.ndarray]] = {}

    # -- building ---------------------------------------------------------------------------------
    @classmethod
    def build(cls, stores: Iterable[Store]) -> StoreIndex:
        index = cls()
        for store in stores:
            index._add_store(store)
        index._derive_chain_keys()
        index._chain_aliases.clear()
        index._handle_users.clear()
        index._drop_crowded_places()
        index.keys = _freeze(index.keys)
        index.skeletons = _freeze(index.skeletons)
        index.chain_of = array("i", index.chain_of)
        # `_loose` at most halves a word (doubled vowels) and drops a final e
        index._loose_reach = 2 * max(map(len, index.loose), default=0) + 2
        index.city_of = array("i", index.city_of)
        for variants in (_branch_stems, _cjk_halves, _place_variants, _address_places, fold, key, skeleton):
            variants.cache_clear()  # building fills them; posts refill only what they use
        release_transliterators()
        gc.collect()
        gc.freeze()  # the index lives as long as the process: keep it out of every later collection
        return index

    def _drop_crowded_places(self) -> None:
        """A place word shared by a large share of all stores ("centre", "mandir") narrows nothing and costs
        a long posting list per post: drop it, unless it is some store's locality."""
        crowded = max(200, len(self.stores) // 2000)
        places: dict[str, list[int]] = self.keys["place"]
        for k in [k for k, ids in places.items() if len(ids) > crowded and k not in self.locality_keys]:
            del places[k]
        cities: dict[str, list[int]] = self.keys["city"]
        for k in [k for k in places if k in cities and k not in self.locality_keys]:
            del places[k]  # "대전" of "대전은행점" is the city, not a place within it

    def kinds_of(self, k: str) -> set[str]:
        """What a key names: 'name', 'chain', 'place', 'city'."""
        return {kind for kind, _ids in self.keys.get(k, ())}

    def _add(self, k: str, kind: str, ident: int) -> None:
        if not k:
            return
        if k.endswith("ngr"):
            self.vocab.add("ngr")  # n-grams grow over "Indira" + "Ngr" only if "ngr" is a word of some key
        _post(self.keys[kind], k, ident)
        if is_cjk(k[-1]) or is_cjk(k[0]):
            self.max_cjk_key = max(self.max_cjk_key, len(k))
            self.starts.add(k[:2])
        elif kind in ("name", "chain", "place", "city") and k.isascii() and len(skeleton(k)) >= 3:
            _post(self.skeletons[kind], skeleton(k), ident)
        elif kind == "chain" and k.isascii() and len(k) >= 3:
            self.loose[_loose(k)].add(ident)

    def _city_id(self, city: str) -> int:
        ck = key(city)
        if ck not in self._city_ids:
            self._city_ids[ck] = len(self.cities)
            self.cities.append(city)
        return self._city_ids[ck]

    def _add_store(self, store: Store) -> None:
        i = len(self.stores)
        for text in (store.name, store.chain, store.handle, store.locality, store.address, store.city, *store.aliases):
            self.vocab.update(w for w in tokens(fold(text)) if not is_cjk(w))
        self.stores.append(store)
        if store.handle:
            self._handle_users[key(store.handle)].append(i)
        city = self._city_id(store.city)
        self.city_of.append(city)
        city_variants = {key(store.city), *_place_variants(store.city)}
        city_keys = city_variants | {r for v in city_variants for r in romanised_forms(v)}
        for city_key in city_keys | {other for k in city_keys for other in other_names(k)}:
            self._add(city_key, "city", city)
            if city_key.isascii():
                self.vocab.add(city_key)
        if store.chain:
            ck = key(store.chain)
            if ck not in self._chain_ids:
                self._chain_ids[ck] = len(self.chains)
                self.chains.append(Chain(store.chain))
            chain = self._chain_ids[ck]
            self.chains[chain].branches.append(i)
            self._chain_aliases[i] = store.aliases
            self.chain_of.append(chain)
        else:
            self.chain_of.append(-1)
        for name in (store.name, *store.aliases):
            self._add(key(name), "name", i)
        for place in (store.locality, self._branch_part(store)):
            for k in _place_variants(place):
                self._add(k, "place", i)
        self.locality_keys.update(_place_variants(store.locality))
        for k in {r for v in _place_variants(store.locality) for r in romanised_forms(v)}:
            self._add(k, "place", i)
            self.locality_keys.add(k)
        for k in _address_places(store.address, store.city, store.state):
            self._add(k, "place", i)
        if not store.chain:  # "さくら 三茶": words of an alias beyond the shop's name say where it is
            name_key = key(store.name)
            # ...but not the name's own words in another script ("स्टोर्स" is "stors": "stores")
            name_sounds = {skeleton(w) for w in tokens(fold(store.name)) if w.isascii()}
            for alias in store.aliases:
                for word in tokens(fold(alias)):
                    if word.isascii() and (skeleton(word) in name_sounds or skeleton(word) in _SHOP_SOUNDS):
                        continue
                    if word not in name_key and key(word) not in GENERIC_PLACE_WORDS and key(word) not in SHOP_WORDS:
                        for k in _place_variants(word):
                            self._add(k, "place", i)
        if store.postcode:
            self._add(key(store.postcode), "place", i)

    @staticmethod
    def _branch_part(store: Store) -> str:
        """'GS25 역삼역점' -> '역삼역점'; 'DMart Vastrapur' -> 'Vastrapur'."""
        if store.chain and fold(store.name).startswith(fold(store.chain)):
            return store.name[len(store.chain) :].strip(" -")
        return ""

    def _derive_chain_keys(self) -> None:
        """Chain names, handles shared by branches, and nicknames common to the branches' aliases."""
        for hk, users in self._handle_users.items():
            chains = {self.chain_of[i] for i in users}
            if len(users) > 1 and len(chains) == 1 and -1 not in chains:
                self._add(hk, "chain", chains.pop())
            else:
                for i in users:
                    self._add(hk, "name", i)
        nick_sets = [self._nicknames(chain) for chain in self.chains]
        chain_names = {key(chain.name) for chain in self.chains}
        for c, chain in enumerate(self.chains):
            self._add(key(chain.name), "chain", c)
            for nick in KNOWN_NICKNAMES.get(key(chain.name), ()):
                self._add(key(nick), "chain", c)
                self.vocab.update(w for w in tokens(fold(nick)) if not is_cjk(w))
            first = tokens(fold(chain.name))[:1]
            if first and len(first[0]) >= 4 and first[0] not in ORDINARY_WORDS and first[0] not in GENERIC_PLACE_WORDS:
                self._add(first[0], "chain", c)  # "Lulu" of "Lulu Hypermarket"
            for nick in nick_sets[c]:
                if nick in chain_names and nick != key(chain.name):
                    continue
                chain.nicknames.add(nick)
                self._add(nick, "chain", c)
            chain_words = {w for n in (chain.name, *chain.nicknames) for w in tokens(fold(n))}
            chain_skeletons = {skeleton(w) for w in chain_words if w.isascii()}
            for i in chain.branches:  # an alias phrase minus the chain's words names the branch
                for alias in self._chain_aliases[i]:
                    rest = [
                        w
                        for w in tokens(fold(alias))
                        if w not in chain_words
                        and key(w) != key(chain.name)
                        and not (w.isascii() and skeleton(w) in chain_skeletons)
                    ]
                    if rest and len(rest) < len(tokens(fold(alias))):
                        for k in _place_variants(" ".join(rest)):
                            self._add(k, "place", i)
                        for word in rest:  # "Lawson Shibuya Udagawacho": "shibuya" alone names it too
                            if len(word) >= 4 and word not in GENERIC_PLACE_WORDS and not is_cjk(word):
                                self._add(word, "place", i)

    def _nicknames(self, chain: Chain) -> set[str]:
        """Runs of alias tokens that recur across a chain's branches ('D Mart', 'ファミマ', '씨유')."""
        if len(chain.branches) < 2:
            return set()
        counts: Counter[str] = Counter()
        for i in chain.branches:
            seen = set()
            for alias in self._chain_aliases[i]:
                words = tokens(fold(alias))
                for n in (1, 2):
                    for j in range(len(words) - n + 1):
                        seen.add(" ".join(words[j : j + n]))
            counts.update(seen)
        places = {k for i in chain.branches for k in _place_variants(self.stores.localities[i])}
        need = max(2, math.ceil(0.3 * len(chain.branches)))
        nicks = set()
        for phrase, n in counts.items():
            k = phrase.replace(" ", "")
            if n >= need and k not in places and k not in GENERIC_PLACE_WORDS and not k.isdigit() and len(k) >= 2:
                nicks.add(k)
        return nicks

    # -- looking up -------------------------------------------------------------------------------
    def find(self, words: list[str], offsets: list[int], romanised: bool = False) -> list[Hit]:
        """The index keys present in a text's words (character offsets into its folded form); words
        transliterated from another script (`romanised`) also match by consonant skeleton."""
        vocab = None if romanised else self.vocab
        return self.find_in(spans(words, offsets, self.MAX_NGRAM, self.max_cjk_key, vocab, self.starts), romanised)

    def find_in(self, candidates: Iterable[tuple[str, int, int]], romanised: bool = False) -> list[Hit]:
        """The index keys among spans already cut from a text (see `text.spans`)."""
        hits: list[Hit] = []
        keys = self.keys
        for span, start, end in candidates:
            found = keys.get(span)
            if found:
                for kind, ids in found:
                    hits.append(Hit(span, kind, _ids(ids), start, end))
                if romanised and len(span) >= 6 and span.isascii() and any(kind == "name" for kind, _ids in found):
                    # a shop's name in Devanagari is its Latin name too: "माँ तारा स्टोर्स" is every "Maa Tara Stores"
                    for kind, ids in self.skeletons.get(skeleton(span), ()):
                        if kind == "name":
                            hits.append(Hit(span, kind, _ids(ids), start, end, fuzzy=True))
            elif (
                romanised
                and len(span) <= self._loose_reach
                and span.isascii()
                and (loose := self.loose.get(_loose(span)))
            ):
                hits.append(Hit(span, "chain", tuple(sorted(loose)), start, end, fuzzy=True))
            elif romanised and len(span) >= 4 and span.isascii():
                sk = skeleton(span)
                # words run together ("mil raha" -> "mlr") need a longer skeleton to be a name spelt otherwise
                # and a shop or address word ("स्टोर" -> "stor") is one, not a place that sounds like it
                near = len(sk) >= 4 or end - start == len(span)
                skel = self.skeletons.get(sk) if near and sk not in _SHOP_SOUNDS else None
                if skel:
                    for kind, ids in skel:
                        hits.append(Hit(span, kind, _ids(ids), start, end, fuzzy=True))
        return hits

    def store_label(self, i: int) -> str:
        return self.stores[i].label

    def branches_of(self, chain: int) -> list[int]:
        return self.chains[chain].branches

    def chain_cities(self, chain: int) -> set[int]:
        """The cities where a chain has branches."""
        return set(self._by_chain_city(chain))

    def branches_in_city(self, chain: int, city: int) -> list[int]:
        return self._by_chain_city(chain).get(city, [])

    def _by_chain_city(self, chain: int) -> dict[int, list[int]]:
        found = self._chain_city.get(chain)
        if found is None:
            found = {}
            for i in self.chains[chain].branches:
                found.setdefault(self.city_of[i], []).append(i)
            self._chain_city[chain] = found
        return found

    def branches_near(self, chain: int, lat: float, lon: float) -> np.ndarray:
        """A chain's branches in the grid cells around a point (cells of GRID degrees, about 11 km), as one
        int32 array, cell by cell; a chain's grid is made on first use."""
        grid = self._chain_grid.get(chain)
        if grid is None:
            cells: dict[tuple[int, int], list[int]] = {}
            for i in self.chains[chain].branches:
                point = self.stores.coordinates(i)
                if point is not None:
                    cells.setdefault((int(point[0] // GRID), int(point[1] // GRID)), []).append(i)
            grid = self._chain_grid[chain] = {cell: np.array(ids, dtype=np.int32) for cell, ids in cells.items()}
        row, col = int(lat // GRID), int(lon // GRID)
        found = [a for dr in (-1, 0, 1) for dc in (-1, 0, 1) if (a := grid.get((row + dr, col + dc))) is not None]
        return np.concatenate(found) if found else np.empty(0, dtype=np.int32)

    def nearest_two(self, stores: Sequence[int] | np.ndarray, lat: float, lon: float) -> list[tuple[float, int]]:
        """The two stores nearest a point, with their distances in km (numpy over the store columns)."""
        if not len(stores):
            return []
        if isinstance(stores, np.ndarray):
            ids = stores.astype(np.int64)
        else:
            ids = np.fromiter(stores, dtype=np.int64, count=len(stores))
        km = self._km(ids, lat, lon)
        known = ~np.isnan(km)
        if not known.any():
            return []
        ids, km = ids[known], km[known]
        order = np.argsort(km)[:2] if len(km) > 2 else np.argsort(km)
        return [(float(km[j]), int(ids[j])) for j in order]

    def distances_km(self, stores: list[int], lat: float, lon: float) -> list[float | None]:
        """Each store's distance from a point in km (None without coordinates), in one numpy pass."""
        if not stores:
            return []
        km = self._km(np.fromiter(stores, dtype=np.int64, count=len(stores)), lat, lon)
        return [None if math.isnan(d) else d for d in km.tolist()]

    def _km(self, ids: np.ndarray, lat: float, lon: float) -> np.ndarray:
        lats = np.frombuffer(self.stores.lats, dtype=np.float64)[ids]
        lons = np.frombuffer(self.stores.lons, dtype=np.float64)[ids]
        p1, p2 = math.radians(lat), np.radians(lats)
        h = np.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * np.cos(p2) * np.sin(np.radians(lons - lon) / 2) ** 2
        km: np.ndarray = 2 * 6371.0088 * np.arcsin(np.sqrt(np.minimum(1.0, h)))
        return km

    def distance_km(self, i: int, lat: float, lon: float) -> float | None:
        point = self.stores.coordinates(i)
        return None if point is None else haversine_km(lat, lon, point[0], point[1])


_KINDS = {k: sys.intern(k) for k in ("name", "chain", "place", "city")}


def _post(table: dict[str, list[int]], k: str, ident: int) -> None:
    """Add an id to a key's posting list (stores come in order, so a repeat is the last one)."""
    ids = table.get(k)
    if ids is None:
        table[k] = [ident]
    elif ids[-1] != ident:
        ids.append(ident)


def _freeze(building: dict[str, dict[str, list[int]]]) -> dict[str, tuple[tuple[str, int | array[int]], ...]]:
    """kind -> key -> posting list, as key -> ((kind, ids), ...): a lone id as an int, several as an int
    array. Lists are emptied as they are frozen, so the two forms never both hold everything."""
    frozen: dict[str, tuple[tuple[str, int | array[int]], ...]] = {}
    for kind, table in building.items():
        while table:
            k, ids = table.popitem()
            unique = sorted(set(ids))
            value: int | array[int] = unique[0] if len(unique) == 1 else array("i", unique)
            k = sys.intern(k)
            frozen[k] = (*frozen.get(k, ()), (kind, value))
    return frozen


def _ids(ids: int | array[int]) -> Sequence[int]:
    return (ids,) if isinstance(ids, int) else ids


def _loose(word: str) -> str:
    """'more' and 'mor' alike: a silent final e dropped, long vowels shortened."""
    w = word.replace("ee", "i").replace("oo", "u").replace("aa", "a")
    return w[:-1] if w.endswith("e") and len(w) > 3 else w


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in km (geopy's `great_circle` gives the same; this avoids its per-call cost)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0088 * math.asin(min(1.0, math.sqrt(h)))
