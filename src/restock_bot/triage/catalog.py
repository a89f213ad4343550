"""The brand's catalogue (`products.csv`): products, brands and the names people use for them."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from rapidfuzz import fuzz
from rapidfuzz.distance import Levenshtein

from restock_bot.retailers import not_utf8, printable
from restock_bot.triage.text import fold, is_cjk, key, skeleton, spans, tokens

PRODUCT_COLUMNS = ("sku", "brand", "brand_aliases", "name", "aliases")


class CatalogueError(ValueError):
    """products.csv cannot be read; the message names the file, line and field."""


@dataclass(frozen=True, slots=True)
class Product:
    sku: str
    brand: str
    brand_aliases: tuple[str, ...]
    name: str
    aliases: tuple[str, ...]


def _split(raw: str | None) -> tuple[str, ...]:
    return tuple(a.strip() for a in (raw or "").split("|") if a.strip())


def load_products(path: str | Path) -> list[Product]:
    """Read products.csv; a bad line raises CatalogueError naming it (a catalogue is small and must be whole)."""
    path = Path(path)
    try:
        handle = path.open(encoding="utf-8-sig", errors="surrogateescape", newline="")  # bad bytes: named below
    except OSError as exc:
        raise CatalogueError(f"{path}: cannot open ({exc.strerror})") from exc
    products: list[Product] = []
    seen: set[str] = set()
    with handle:
        reader = csv.DictReader(handle)
        try:
            header = reader.fieldnames or []
        except csv.Error as exc:
            raise CatalogueError(f"{path}:1: the header is not CSV ({exc})") from None
        missing = [c for c in PRODUCT_COLUMNS if c not in header]
        if missing:
            raise CatalogueError(f"{path}: missing column(s) {', '.join(missing)} in the header")
        while True:
            try:
                row = next(reader)
            except StopIteration:
                break
            except csv.Error as exc:  # e.g. a field over csv's limit
                raise CatalogueError(f"{path}:{reader.reader.line_num}: not CSV ({exc})") from None
            where = f"{path}:{reader.line_num}"
            if None in row or any(v is None for v in row.values()):
                raise CatalogueError(f"{where}: the number of values does not match the header")
            if (problem := not_utf8(row)) is not None:
                raise CatalogueError(printable(f"{where}: {problem}"))
            for col in ("sku", "brand", "name"):
                if not row[col].strip():
                    raise CatalogueError(f"{where}: {col}: empty")
            sku = row["sku"].strip()
            if sku in seen:
                raise CatalogueError(f"{where}: sku {sku} appears twice")
            seen.add(sku)
            products.append(
                Product(
                    sku=sku,
                    brand=row["brand"].strip(),
                    brand_aliases=_split(row["brand_aliases"]),
                    name=row["name"].strip(),
                    aliases=_split(row["aliases"]),
                )
            )
    if not products:
        raise CatalogueError(f"{path}: no products")
    return products


@dataclass(frozen=True, slots=True)
class ProductMention:
    """A product or brand name found in a post."""

    alias: str
    brand: str
    skus: frozenset[str]  # empty when the words name only the brand
    start: int
    end: int
    fuzzy: bool = False


# Words of pack sizes and kinds: they say how it is sold, not which product it is.
PACK_WORDS = frozenset(
    [
        "pack",
        "packs",
        "packet",
        "packets",
        "bottle",
        "bottles",
        "can",
        "cans",
        "size",
        "big",
        "small",
        "large",
        "mini",
        "combo",
        "soda",
        "drink",
        "drinks",
        "chips",
        "snack",
        "snacks",
        "flavour",
        "flavor",
        "fresh",
        "classic",
        "original",
        "special",
        "new",
        "regular",
    ]
)


class Catalogue:
    """The products and brands of a catalogue, findable by every name people use for them."""

    MAX_NGRAM = 5

    def __init__(self, products: list[Product]) -> None:
        self.products = {p.sku: p for p in products}
        self.brands = sorted({p.brand for p in products})
        self.brand_keys = [key(b) for b in self.brands]
        self.handles: set[str] = set()
        self.hashtags: set[str] = set()
        self.keys: dict[str, tuple[str, frozenset[str]]] = {}
        self.skeletons: dict[str, tuple[str, frozenset[str]]] = {}
        self.max_cjk = 2
        self.vocab: set[str] = set()
        self.starts: set[str] = set()
        self.key_length: dict[str, int] = {}
        by_alias: dict[str, set[str]] = {}
        brand_of_key: dict[str, str] = {}
        for p in products:
            for alias in (p.brand, *p.brand_aliases):
                if alias.startswith("#"):
                    self.hashtags.add(key(alias))
                if alias.startswith("@") or (alias.isascii() and " " not in alias and not alias.startswith("#")):
                    self.handles.add(alias.casefold().lstrip("@"))  # "@nibbo_in", "NibboSnacks": a handle
                brand_of_key.setdefault(key(alias), p.brand)
            names = {p.name, _without_size(p.name), *p.aliases}
            for text in (*names, p.brand, *p.brand_aliases):
                self.vocab.update(w for w in tokens(fold(text)) if not is_cjk(w))
            for alias in names:
                k = key(alias)
                by_alias.setdefault(k, set()).add(p.sku)
                brand_of_key.setdefault(k, p.brand)
                if k.isascii() and k[-1:].isalpha() and not k.endswith("s") and " " in alias.strip():
                    # "classic sachet" is said "classic sachets"
                    by_alias.setdefault(k + "s", set()).add(p.sku)
                    brand_of_key.setdefault(k + "s", p.brand)
                    self.vocab.add(tokens(fold(alias))[-1] + "s")
        for k, brand in brand_of_key.items():
            if k:
                self._add(k, brand, frozenset(by_alias.get(k, set())))
        self.flavour_words = self._flavour_words(products)
        self.cjk_flavours = self._cjk_flavours(products)
        self.sizes = {p.sku: sizes_in(fold(p.name)) for p in products}
        # three-letter Korean/Japanese keys that stand inside a longer one: flavour words ("바나나" of
        # "바나나포포모"), not coined names ("복아티")
        self._inside_longer = frozenset(
            k for k in self.keys if len(k) == 3 and is_cjk(k[:1]) and any(k in o and o != k for o in self.keys)
        )  # "Nibbo Masala 30g" -> {"30g"}
        for k in self.cjk_flavours:
            self.max_cjk = max(self.max_cjk, len(k))
            self.starts.add(k[:2])
        # one-word names of one product each, for misspellings ("coffe", "strawbery")
        self.spellable = {
            k: hit
            for k, hit in (*self.keys.items(), *self.flavour_words.items())
            if len(k) >= 5 and k.isascii() and k.isalpha() and len(hit[1]) == 1
        }
        self._spellable_by_first: dict[str, list[tuple[str, tuple[str, frozenset[str]]]]] = {}
        for k, hit in self.spellable.items():
            self._spellable_by_first.setdefault(k[0], []).append((k, hit))
        self._spelt: dict[str, tuple[str, frozenset[str]] | None] = {}

    def _flavour_words(self, products: list[Product]) -> dict[str, tuple[str, frozenset[str]]]:
        """Single Latin words that name one product of a brand ("tomato" in "Nibbo tomato")."""
        brand_words = {w for p in products for a in (p.brand, *p.brand_aliases) for w in tokens(fold(a))}
        owners: dict[tuple[str, str], set[str]] = {}
        for p in products:
            for w in tokens(fold(_without_size(p.name))):
                if (
                    len(w) >= 4
                    and w.isascii()
                    and w.isalpha()
                    and w not in brand_words
                    and w not in self.keys
                    and w not in PACK_WORDS
                ):
                    owners.setdefault((w, p.brand), set()).add(p.sku)
        words: dict[str, tuple[str, frozenset[str]]] = {}
        for (w, brand), skus in owners.items():
            # one product, or the sizes of one product ("badam" of "Badam Milk 200 ml" and "Badam Milk 1 L")
            one_product = len({key(_without_size(self.products[s].name)) for s in skus}) == 1
            if one_product and sum(1 for (w2, _b) in owners if w2 == w) == 1:
                words[w] = (brand, frozenset(skus))
        return words

    def _cjk_flavours(self, products: list[Product]) -> dict[str, tuple[str, frozenset[str]]]:
        """The flavour part of Korean and Japanese aliases that join a brand name and a flavour ("ポポモ抹茶",
        "말차포포" -> "抹茶", "말차"), and the words of an alias ("정향 치약" -> "치약", "クローブ歯みがき" ->
        "歯みがき"): "ポポモの抹茶", "툴시카 치약" name the product too. Kept when it names one product."""
        cjk_brands = {k for p in products for a in (p.brand, *p.brand_aliases) if is_cjk((k := key(a))[:1])}
        brand_keys = sorted(cjk_brands, key=len, reverse=True)  # the longest brand name first: "ポポモ" over "ポポ"
        owners: dict[tuple[str, str], set[str]] = {}
        for p in products:
            for alias in p.aliases:
                k = key(alias)
                b = next((b for b in brand_keys if k.startswith(b) or k.endswith(b)), "")
                rest = "" if not b else k[len(b) :] if k.startswith(b) else k[: -len(b)]
                parts = {rest} | {w for t in tokens(fold(alias)) for w in _KATAKANA_SEAM.split(t)}
                for part in parts:
                    if len(part) >= 2 and is_cjk(part[:1]) and is_cjk(part[-1:]) and part not in cjk_brands:
                        owners.setdefault((part, p.brand), set()).add(p.sku)
        alias_keys = {p.sku: [key(a) for a in p.aliases] for p in products}
        return {
            w: (brand, frozenset(skus))
            for (w, brand), skus in owners.items()
            if len(skus) == 1
            and w not in self.keys
            and sum(1 for (w2, _b) in owners if w2 == w) == 1
            # "石鹸" of "ニーム石鹸" is also inside another product's "白檀石鹸": it names neither alone
            and not any(w in k for sku, keys in alias_keys.items() if sku not in skus for k in keys)
        }

    def _add(self, k: str, brand: str, skus: frozenset[str]) -> None:
        self.keys[k] = (brand, skus)
        if is_cjk(k[0]) or is_cjk(k[-1]):
            self.max_cjk = max(self.max_cjk, len(k))
            self.starts.add(k[:2])
        elif k.isascii() and len(skeleton(k)) >= 3:
            self.skeletons.setdefault(skeleton(k), (brand, skus))
            self.key_length.setdefault(skeleton(k), len(k))

    def find(self, words: list[str], offsets: list[int], romanised: bool = False) -> list[ProductMention]:
        """Product and brand names in a text's words (character offsets into its folded form)."""
        vocab = None if romanised else self.vocab
        candidates = spans(words, offsets, self.MAX_NGRAM, self.max_cjk, vocab, self.starts)
        return self.find_in(candidates, set(words), romanised)

    def find_in(
        self, candidates: Iterable[tuple[str, int, int]], single: set[str], romanised: bool = False
    ) -> list[ProductMention]:
        """Product and brand names among spans already cut from a text (see `text.spans`)."""
        found: list[ProductMention] = []
        for span, start, end in candidates:
            hit = self.keys.get(span)
            fuzzy = False
            if hit is None and len(span) >= 4 and span.isascii():
                if romanised and len(span) >= 5:
                    skel = skeleton(span)
                    hit = self.skeletons.get(skel)
                    if hit is not None and abs(len(span) - self.key_length[skel]) > max(2, len(span) // 4):
                        hit = None
                if hit is None and span in single:
                    hit = self._near_word(span)
                fuzzy = hit is not None
            elif hit is None and (flavour := self.cjk_flavours.get(span)) is not None:
                hit, fuzzy = flavour, True
            if hit is not None:
                found.append(ProductMention(span, hit[0], hit[1], start, end, fuzzy))
        return found

    def _near_brand(self, word: str) -> tuple[str, frozenset[str]] | None:
        """A misspelt brand name ("nibboo", "nibob") by edit similarity; never a shorter word."""
        for bk in self.brand_keys:
            if word[0] == bk[0] and len(bk) >= 4 and len(word) >= len(bk) and fuzz.ratio(word, bk) >= 80:
                return self.brands[self.brand_keys.index(bk)], frozenset()
        return None

    def _near_word(self, word: str) -> tuple[str, frozenset[str]] | None:
        """A word of a post that is not a key: a misspelt brand, a flavour word, a misspelt product name.
        Posts repeat their words, so each word's answer is kept (up to a bound)."""
        if word in self._spelt:
            return self._spelt[word]
        found = self._near_brand(word) or self.flavour_words.get(word) or self._misspelt(word)
        if len(self._spelt) >= 65536:
            self._spelt.clear()
        self._spelt[word] = found
        return found

    def _misspelt(self, word: str) -> tuple[str, frozenset[str]] | None:
        """A product's one-word name with one letter wrong, missing or extra; only when exactly one fits."""
        if len(word) < 5:
            return None
        fits = {
            hit
            for k, hit in self._spellable_by_first.get(word[0], ())
            if abs(len(k) - len(word)) <= 1 and Levenshtein.distance(k, word, score_cutoff=1) <= 1
        }
        return next(iter(fits)) if len({hit[1] for hit in fits}) == 1 else None

    def distinctive(self, mention: ProductMention) -> bool:
        """The words are a product's own name ("Chatpata Masala" of "Nibbo Chatpata Masala 30g"), which says the
        brand as surely as the brand name does; so does a Korean or Japanese product alias of four or more
        letters ("ゼロレモン"), as two or more Latin words do (one flavour word, "抹茶", does not)."""
        alias = mention.alias
        # four letters and more, or a coined short name found inside no longer name ("복아티" for 복숭아
        # 아이스티), unlike a flavour word ("바나나" of "바나나 포포모")
        if (
            mention.skus
            and not mention.fuzzy
            and len(alias) >= 3
            and is_cjk(alias[:1])
            and is_cjk(alias[-1:])
            and (len(alias) >= 4 or alias not in self._inside_longer)
        ):
            return True
        for sku in mention.skus:
            p = self.products[sku]
            name = _without_size(p.name)
            for brand in (p.brand, *p.brand_aliases):
                if fold(name).startswith(fold(brand)):
                    name = name[len(brand) :]
            if key(name) == mention.alias and len(tokens(fold(name))) >= 2:
                return True
        return False

    def is_brand_account(self, username: str) -> bool:
        return username.casefold().lstrip("@") in self.handles


# Where a katakana word meets kanji or hiragana inside one Japanese word ("クローブ|歯みがき").
_KATAKANA_SEAM = re.compile(
    r"(?<=[\u30a1-\u30fa\u30fc])(?=[^\u30a1-\u30fa\u30fc])|(?<=[^\u30a1-\u30fa\u30fc])(?=[\u30a1-\u30fa\u30fc])"
)


# A pack size: "90 g", "90g", "1.5 L", "200ml", "25 gram" (Devanagari ग्राम is romanised to "gram"),
# "120그램", "150グラム"; a multipack's count before "x" ("6 x 25 g") is read apart.
_SIZE = re.compile(
    r"(?<![\d.])(\d+(?:\.\d+)?)\s*(g|gm|gms|gr|gram|grams|graam|kg|ml|l|ltr|litre|liter|그램|グラム|リットル|리터)"
    r"(?![a-z])",
    re.IGNORECASE,
)
_UNIT = {"gm": "g", "gms": "g", "gr": "g", "gram": "g", "grams": "g", "graam": "g", "그램": "g", "グラム": "g",
         "ltr": "l", "litre": "l", "liter": "l", "リットル": "l", "리터": "l"}  # fmt: skip


# A pack count ("5-Pack", "5 pack", "5개입", "5食パック", "6 x 25 g") and a cup, in any script.
_PACK = re.compile(r"(\d+)\s*(?:-\s*)?(?:pack\b|pk\b|개입|食|個入り?|袋入り?)|(\d+)\s*x\s*\d", re.IGNORECASE)
_CUP = re.compile(r"\bcups?\b|컵|カップ|\bkap\b", re.IGNORECASE)
_CAN = re.compile(r"\bcans?\b|캔|缶|\bkain\b", re.IGNORECASE)
_BOTTLE = re.compile(r"\bbottles?\b|\bbotal\b|병|ボトル|\bbotala\b", re.IGNORECASE)


def sizes_in(text: str) -> set[str]:
    """The pack sizes written in a text, as '90g', '1.5l', '200ml' ('1 kg' is '1000g', '1 L' is '1000ml'), a
    pack count as '5pack', and 'cup', 'can', 'bottle'."""
    out = {f"{a or b}pack" for a, b in _PACK.findall(text)}
    for word, pattern in (("cup", _CUP), ("can", _CAN), ("bottle", _BOTTLE)):
        if pattern.search(text):
            out.add(word)
    for number, unit in _SIZE.findall(text):
        unit = _UNIT.get(unit.lower(), unit.lower())
        value = float(number) * (1000 if unit in ("kg", "l") else 1)
        out.add(f"{value:g}{'g' if unit in ('g', 'kg') else 'ml'}")
    return out


def _without_size(name: str) -> str:
    """'Nibbo Chatpata Masala 30g' -> 'Nibbo Chatpata Masala'."""
    return re.sub(r"\s*\d+\s*(?:g|gm|gms|kg|ml|l|ltr)\b\s*$", "", name, flags=re.IGNORECASE)
