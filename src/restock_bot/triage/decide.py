"""Post -> Decision: is it a stock-out, of which product, at which known store — and why."""

from __future__ import annotations

import bisect
import heapq
import re
from array import array
from collections.abc import Iterable, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

from restock_bot.post import GeoPoint, Post
from restock_bot.retailers import Store, read_stores, store_label
from restock_bot.triage.catalog import Catalogue, Product, ProductMention, _without_size, load_products, sizes_in
from restock_bot.triage.chains import KNOWN_CHAIN_WORDS
from restock_bot.triage.decision import Action, Candidate, Decision
from restock_bot.triage.language import NEG_HI, Cue, find_cues, language_of
from restock_bot.triage.lexicon import compile_lexicon
from restock_bot.triage.pool import SHORT, Pool, as_array, most_named, place_words
from restock_bot.triage.stores import ORDINARY_WORDS, Hit, StoreIndex
from restock_bot.triage.text import PostText, fold, key, read_text, spans, words_at

# Where one clause ends and the next begins: punctuation and the conjunctions of contrast.
_CLAUSE_BREAK = re.compile(
    r"[.!?;。！？\n…()]+|,|、|\b(?:but|lekin|magar|par|while|whereas|instead|then|so|and then|phir|toh)\b"
    r"|\b(?:after|before|because|kyunki|coz|cause)\b|(?:고|서|니까|더니)(?=\s)"
    r"|말고|지만|는데|인데|けど|けれど|のに|ので|から(?=[、,\s])|たら"
    r"|ばってん|けんど|やけど|근데|(?:드만|더만|드니|더니만)(?=\s)|\b(?:kintu|aana|kani|kaani)\b"
    r"|[\u2600-\u27bf\U0001F300-\U0001FAFF]+"  # an emoji closes what it follows: "mil gaya ✅ Trikuta wale me nahi"
)
_WEAK_ABSENCE = re.compile(
    r"^(?:empty|bare|khaa?li|none|gone|missing|no more|not (?:at|in|on).*|없.*|ない|無い|なかった|"
    r"illa|illai|ille|ledu|leda|nathi|nei|not there|"
    + NEG_HI
    + r" (?:hai|h|he|hain|tha|thi|the|ba|baa)|"
    + NEG_HI
    + r")$"
)
_PRESENCE = compile_lexicon(
    [
        r"\b(?:found|got|bought|grabbed|picked up|had (?:it|them|some|plenty)|has (?:it|them|plenty)|have (?:it|them)"
        r"|in stock|available|le aaya|le aayi|le liya|le li|mil gaya|mil gya|mila|mil gayi|hai wahan|tha wahan)\b"
        r"|had to (?:walk|go|drive|settle|buy|get)|got (?:it|them|one) (?:from|at)"
        r"|walk(?:ed)? (?:down |all the way |over )?to"
        r"|settle[d]? for|le aaya|le aayi|se (?:le|liya|li)\b|bhara|bhari|bhare|pada hai|pade hain"
        r"|toh (?:tha|thi|the|hai|mila|mil gaya)"
        r"|걸어감|걸어갔|가세요|가서|갔더니|있(?:는데|던데|더라|네|어|음|었|다|고|길래)|있음|있어|있더라|있네|있었|있던데|샀|구했|팔더라|팔아|あった|売ってた|買えた|見つけた|ゲット|置いてあ|並んで(?:た|いた|る|いる)"
        r"|\b(?:was there|were there|is there|are there|tha wahan)\b(?! (?:a|an|any|some|no)\b)"
        r"|있드라|있데이|있네예|있더만|있드만|(?<!안)(?<!안\s)들어(?:왔|와\s*있)(?!다며|다는|다고|대|다던)"
        r"|\b(?:aa|a) (?:gaya|gya|gayi|gai|gaye|gye)\b"
        r"|\bplenty\b(?! of)|\b(?:undi|unnayi|unnai|irukku|irundhuchu|irundhathu|ide|ache|achhe|ase|asey)\b"
        # "there is" and "bought" in other Indian languages; "saw it", "come across it" in Korean and Japanese
        r"|\b(?:undu|unde|undallo|iruku|vaangi|vaanginen|vangi|vanginen|vaangichu|vangichu|konde|konna|konnanu"
        r"|kharida|kharidi|kharide|lidhu|lidha|ghetla|ghetli)\b"
        r"|(?<![아어가해])봤(?:어요|어|다|음|네|습니다)|見かけ(?:る|た|ます|ました)"
        r"|\b(?:male che|male chhe|malse|mali gayu|mali gayo|mil jata|mil jaata|milta hai)\b|있었어요"
        r"|\b(?:bharpoor|bharpur|bharapur)\b|並んど(?:る|った)|置いとる"
        r"|(?<!not )(?<!no longer )\bon the shel(?:f|ves)\b(?! (?:is|was|are|were) empty)"
    ]
)
_MAYBE_SIZE = re.compile(r"\d|컵|カップ|cup|kap")
_QUOTED = re.compile(r"\s(?:QT|qt|RT|rt) @\w+:")
_IDIOMS = re.compile(
    r"하나(?:도|만|씩|같이|둘)|[ハは]ナから|\bno (?:joy|luck)(?= (?:finding|getting|trying|whatsoever)\b)"
)
_NOT_BEFORE = re.compile(r"(?:^|[(,;])\s*not $")
_NOT_THIS = re.compile(r"\s*(?:じゃ|では)(?:なく|ない)|\s*(?:이|가)?\s*(?:아니고|아니라|말고)")
# "…so got it from this little shop": found, but at another store than the one reported
_ELSEWHERE = re.compile(
    r"\b(?:from|at|in) (?:this|that|another|other|some|a|one|the other|a different|some other|the next|a nearby)"
    r"(?: \w+){0,2} (?:shop|store|kirana|dukaan|dukan|place|outlet|supermarket)\b"
    r"|\b(?:elsewhere|somewhere else|another (?:shop|store)|other (?:shop|store)|next door"
    r"|(?:dusri|doosri|dusre|doosre) (?:dukaan|dukan|shop|store|jagah))\b"
    r"|(?:別|他|ほか|よそ)の(?:店|コンビニ|スーパー|とこ)|(?:다른|딴)\s*(?:데|곳|가게|편의점|매장|마트)"
)
# "Nibbo nimbu fizz has no fizz": the product is what has none, a complaint about it
_HAS_NONE = re.compile(r" (?:has|have|had|having) (?:no|zero|nothing)\b")
_BEFORE_NOW = re.compile(r"前は|以前|昔は|\b(?:before|earlier|used to|pehle|pahle|pahale)\b|전에는|예전|원래")
_RETWEET = re.compile(r"(?:^|\s)rt @\w+")
_INDIC = re.compile(r"[\u0900-\u0d7f]")  # Devanagari and the other Indian scripts, all romanised
_STOPS = re.compile(r"[.!?,]")
_HAD_TO = re.compile(r"had to|settle|walk|걸어|가세요|가서|갔더니|toh ")
_LANDMARK_AFTER = re.compile(
    r" (?:(?:mandir|temple|masjid|mosque|church|gurudwara|gurdwara|school|college|hospital|station|chowk|circle)"
    r"(?: (?:ke|ki|ka) (?:paas|pass|saamne|samne|peeche|pichhe|bagal|aage))?\b"
    r"|(?:ke|ki|ka) (?:paas|pass|saamne|samne|peeche|pichhe|bagal|aage)\b)"
    r"|\s?の?(?:近く|向かい|隣|裏)|\s?(?:근처|맞은편|건너편)"
)
# "near Star Bazaar": English puts the landmark after the word; Hindi before it ("Star Bazaar ke paas")
_LANDMARK_BEFORE = re.compile(r"\b(?:near|opposite|opp|beside|next to|behind|across from)(?: the)? $")
_GEO_PICK_KM = 5.0  # a geo point farther than this from every branch (several km in a city) says nothing
_GEO_RATIO = 1.6  # the nearest branch must be this many times nearer than the next one
# Triage reads this many characters of a post: reports are short, and a megabyte must not stall a worker.
MAX_TEXT = 10_000


@dataclass(slots=True)
class Reading:
    """What triage read in one post (or a post and the reply that completes it)."""

    text: PostText
    language: str
    products: list[ProductMention]
    cues: list[Cue]
    clauses: list[int] = field(default_factory=list)  # start offset of each clause in the folded text
    spans: list[tuple[str, int, int]] = field(default_factory=list)  # candidate keys cut from the text
    store_hits: list[Hit] | None = None  # found once, on first use
    absences: list[Cue] | None = None  # found once, on first use
    _presence: list[re.Match[str]] | None = None

    def presence(self) -> list[re.Match[str]]:
        """Words saying the product is (or was) there: "found", "got it at", "있더라", "あった" (found once)."""
        if self._presence is None:
            self._presence = list(_PRESENCE.finditer(self.text.folded))
        return self._presence

    def clause_of(self, offset: int) -> int:
        """The index of the clause holding `offset`."""
        return bisect.bisect_right(self.clauses, offset) - 1

    @property
    def brands(self) -> set[str]:
        return {m.brand for m in self.products}


class Triage:
    """Reads posts against one retailer list and one catalogue. Pure: no I/O after construction."""

    def __init__(
        self,
        stores: Iterable[Store] | StoreIndex,
        products: Iterable[Product] | Catalogue,
        brand_handles: Iterable[str] = (),
    ):
        self.index = stores if isinstance(stores, StoreIndex) else StoreIndex.build(stores)
        self.catalogue = products if isinstance(products, Catalogue) else Catalogue(list(products))
        self.catalogue.handles.update(h.casefold().lstrip("@") for h in brand_handles)
        self._ours = frozenset(self.catalogue.keys) | self.catalogue.handles  # words that name our brands
        self._vocab = self.catalogue.vocab | self.index.vocab
        self._starts = self.catalogue.starts | self.index.starts
        self._max_ngram = max(self.catalogue.MAX_NGRAM, self.index.MAX_NGRAM)
        self._max_cjk = max(self.catalogue.max_cjk, self.index.max_cjk_key)
        self._words_of: dict[str, str] = {}  # sku -> its name and aliases as keys, for the most specific product

    @classmethod
    def from_files(cls, stores_csv: str | Path, products_csv: str | Path) -> Triage:
        """Triage for the files of FORMAT.md; the stores stream into the index (bad lines are skipped)."""
        stores = (s for s in read_stores(stores_csv) if isinstance(s, Store))
        return cls(StoreIndex.build(stores), load_products(products_csv))

    # -- reading ----------------------------------------------------------------------------------
    def read(self, post: Post) -> Reading:
        own = _QUOTED.split(post.text[:MAX_TEXT], maxsplit=1)[0]  # "… QT @brand: can't find it? tell us!"
        text = read_text(own)
        romanised = _romanised(own)
        # one cut of the text serves the catalogue now and the retailer index later
        cut = spans(
            text.words, text.offsets, self._max_ngram, self._max_cjk, None if romanised else self._vocab, self._starts
        )
        products = self.catalogue.find_in(cut, set(text.words), romanised)
        # a near-spelling that is exactly a known store, place or city name is that name ("kochi"), not a product
        products = [m for m in products if not (m.fuzzy and m.alias in self.index.keys)]
        # a brand that is also a word of an idiom ("하나도 없어", "ハナから", "no joy finding…") is the idiom there
        idioms = [m.span() for m in _IDIOMS.finditer(text.folded)]
        products = [m for m in products if not any(s <= m.start < e for s, e in idioms)]
        cues = find_cues(text.folded, with_killers=products != [] or post.in_reply_to is not None)
        cues += _product_absence(text, products)
        clauses = [0] + [m.end() for m in _CLAUSE_BREAK.finditer(text.folded) if m.end() < len(text.folded)]
        return Reading(
            text=text,
            language=language_of(text.folded, text.script, post.lang),
            products=products,
            spans=cut,
            cues=sorted(cues, key=lambda c: c.start),
            clauses=clauses,
        )

    def _about_brand(self, reading: Reading) -> bool:
        """The post names the brand (name, alias, handle or campaign hashtag), not only a flavour word, and not
        to say it is not about it ("ポポモじゃなくて", "포포모 말고")."""
        folded = reading.text.folded
        negated = [  # "ポポモじゃなくて", "포포모 말고", "(not Leafora, the other one)"
            (m.start, m.end)
            for m in reading.products
            if _NOT_THIS.match(folded, m.end) or _NOT_BEFORE.search(folded, max(0, m.start - 6), m.start)
        ]
        named = [m for m in reading.products if not any(s <= m.start and m.end <= e for s, e in negated)]
        if any(not m.skus for m in named):  # the brand, unless it is a word of a store's name ("Joy Maa Tara Stores")
            named = [m for m in named if m.skus or not self._in_store_name(reading, m)]
        if any(not m.skus or self._alias_has_brand(m) for m in named):
            return True
        if any(
            self.catalogue.distinctive(m)
            and not self._after_other_brand(reading.text, m)
            and not _glued(reading.text, m)
            for m in named
        ):
            return True
        return bool(set(reading.text.mentions) & self.catalogue.handles) or bool(
            {key(h) for h in reading.text.hashtags} & self.catalogue.hashtags
        )

    def _after_unlisted_chain(self, folded: str, hit: Hit) -> bool:
        """The words right before a store's name are a well-known chain that the list does not carry."""
        before = folded[max(0, hit.start - 24) : hit.start].split()
        if not before:
            return False
        word = key(before[-1])
        return word in KNOWN_CHAIN_WORDS and word not in self.index.keys

    def _about_other_brand(self, reading: Reading, cue: Cue) -> bool:
        """'No Mother Dairy mishti doi': the product the cue names comes after another brand's name."""
        inside = [m for m in reading.products if cue.start <= m.start and m.end <= cue.end]
        return bool(inside) and all(m.skus and self._after_other_brand(reading.text, m) for m in inside)

    def _in_store_name(self, reading: Reading, mention: ProductMention) -> bool:
        """The words are part of a longer store or chain name of the same text (its store hits, found once and
        needed for the store anyway)."""
        return any(
            h.kind in ("name", "chain")
            and h.start <= mention.start
            and mention.end <= h.end
            and h.end - h.start > mention.end - mention.start
            for h in self._raw_store_hits(reading)
        )

    def _after_other_brand(self, text: PostText, mention: ProductMention) -> bool:
        """Another brand's name right before the product's: a capitalised Latin word ("Crunchex chatpata
        masala"), or in Japanese a katakana name and の that is no brand, store or place we know ("カルビーの
        うすしお", but not "ファミマのうすしお")."""
        if mention.start and text.folded[mention.start - 1] == "の":
            other = _KATAKANA_NAME_BEFORE.search(text.folded, max(0, mention.start - 16), mention.start)
            if other and other.group(1) not in self.index.keys and other.group(1) not in self.catalogue.keys:
                return True
        return _after_other_brand(text, mention, self._ours)  # not "Krakko masala": our brand, our flavour

    def _alias_has_brand(self, mention: ProductMention) -> bool:
        return any(b in mention.alias for b in self.catalogue.brand_keys)

    # -- deciding ---------------------------------------------------------------------------------
    def decide(self, post: Post, parent: Post | None = None, earlier: Sequence[Post] = ()) -> Decision:
        """Triage `post`; `parent` is the post it replies to (read together with it), `earlier` the posts above
        that one, nearest first: under "the big one" (a reply naming nothing) the report is further up."""
        reading = self.read(post)
        reasons = [f"language {reading.language}"]
        if len(post.text) > MAX_TEXT:
            reasons.append(f"read the first {MAX_TEXT} of its {len(post.text)} characters")
        between: list[tuple[Reading, Post]] = []  # replies between this post and the report it is about
        if parent is not None and earlier:
            parent, between = self._report_above(parent, earlier)
            if between:
                reasons.append("the report is further up the thread")
        parent_reading = self.read(parent) if parent is not None else None
        same_author = parent is not None and parent.author.id == post.author.id
        stockout, why = self._is_stockout(post, reading, parent_reading, same_author)
        reasons.extend(why)
        sku, brand = self._product(reading, parent_reading, reasons)
        if not stockout:
            return Decision(post.id, Action.IGNORE, False, None, None, brand, reading.language, (), tuple(reasons))
        store_texts = [(reading, post)]
        if parent is not None and parent_reading is not None and same_author:
            store_texts += [(r, p) for r, p in between if p.author.id == post.author.id]
            store_texts.append((parent_reading, parent))
        # "the Lahurabir one too" under someone else's report: the same chain, at the place the reply names
        above = (parent_reading, parent.text) if parent and parent_reading and not same_author else None
        store_id, candidates, store_why = self._store(store_texts, above)
        reasons.extend(store_why)
        action = Action.TICKET if store_id else Action.CLARIFY
        resolves = parent.id if parent is not None and same_author else None
        return Decision(
            post.id, action, True, store_id, sku, brand, reading.language, tuple(candidates), tuple(reasons), resolves
        )

    def _report_above(self, parent: Post, earlier: Sequence[Post]) -> tuple[Post, list[tuple[Reading, Post]]]:
        """The nearest post of the thread that names a product (the report), and the replies read on the way
        to it; the parent itself when it names one, or when nothing above does."""
        between: list[tuple[Reading, Post]] = []
        for above in (parent, *earlier):
            read = self.read(above)
            if read.products:
                return above, between
            between.append((read, above))
        return parent, []

    def _is_stockout(
        self, post: Post, reading: Reading, parent: Reading | None, same_author: bool
    ) -> tuple[bool, list[str]]:
        text = reading.text
        if not text.words or all(w in text.mentions or w in text.hashtags for w in text.words):
            return False, ["empty: no words of its own"]
        if self.catalogue.is_brand_account(post.author.username):
            return False, [f"posted by the brand's own account @{post.author.username}"]
        if _RETWEET.search(text.folded):
            return False, ["a retweet, not a report of its own"]
        parent_stockout = parent is not None and self._absence(parent)[0]
        if parent is not None and parent_stockout:
            kinds = {c.kind for c in reading.cues}
            if same_author:
                fixed = [c for c in reading.cues if c.kind == "resolved"]
                if fixed:
                    return False, [f"the poster's update says it is fixed: '{fixed[0].text}'"]
                return True, ["answers the bot's 'which store?' under the poster's own report"]
            if not reading.products and ("same" in kinds or self._absence(reading)[0]):
                return True, ["a reply reporting the same stock-out ('same here') under another report"]
        if not reading.products and not (parent is not None and parent.products):
            return False, ["names no product or brand of the catalogue"]
        found, why = self._absence(reading)
        if found and not (self._about_brand(reading) or (parent is not None and self._about_brand(parent))):
            return False, ["names a flavour but not the brand: could be another brand's"]
        return found, why

    def _absence(self, reading: Reading) -> tuple[bool, list[str]]:
        """Is there an absence cue about the product that no killer explains away?"""
        cues = reading.cues
        killers: dict[str, Cue] = {}
        for c in cues:
            if c.kind not in ("absence", "same"):
                killers.setdefault(c.kind, c)
        absences = self._absence_cues(reading)
        if "resolved" in killers and not self._contrast(reading, killers["resolved"], absences):
            return False, [f"already fixed: '{killers['resolved'].text}'"]
        if not absences and "asks_restock" in killers and self._names_a_store(reading):
            return True, [f"asks a named store when it will have it again: '{killers['asks_restock'].text}'"]
        if not absences:
            for kind, what in (
                ("hypothetical", "hypothetical or negated"),
                ("other_object", "can't find something else"),
                ("question", "a question"),
            ):
                if kind in killers:
                    return False, [f"{what}: '{killers[kind].text}'"]
            return False, ["no word of absence about the product"]
        if (
            "home" in killers
            and not self._names_a_store(reading)
            and all(self._in_clause_of(reading, c, "home") for c in absences)
        ):
            return False, [f"missing at home, not at a store: '{killers['home'].text}'"]
        if "eaten" in killers and not self._names_a_store(reading):
            return False, [f"eaten or given up, not missing at a store: '{killers['eaten'].text}'"]
        online = [c for c in cues if c.kind == "online" and not self._in_store_words(reading, c)]
        if online and any(self._same_clause(reading, o, absences) for o in online):
            return False, [f"sold out online / in an app: '{online[0].text}'"]
        if "other_object" in killers and not any(self._near_product(reading, c) for c in absences):
            return False, [f"can't find something else: '{killers['other_object'].text}'"]
        late = self._found_later(reading, absences)
        if late is not None:
            return False, [f"missing before but there now: '{late}'"]
        strong = [c for c in absences if not _WEAK_ABSENCE.match(c.text.strip())]
        if "quality" in killers and not strong:
            return False, [f"a quality complaint: '{killers['quality'].text}'"]
        best = (strong or absences)[0]
        return True, [f"absence cue '{best.text}' ({best.lang or reading.language})"]

    def _found_later(self, reading: Reading, absences: list[Cue]) -> str | None:
        """'Sold out last week, today it was there': a later clause finds the product at the same store."""
        last = max(reading.clause_of(c.start) for c in absences)
        for m in reading.presence():
            clause = reading.clause_of(m.start())
            clause_text = reading.text.folded[reading.clauses[clause] : m.start()]
            clause_end = reading.clauses[clause + 1] if clause + 1 < len(reading.clauses) else len(reading.text.folded)
            if (
                clause > last
                and not _ELSEWHERE.search(reading.text.folded, reading.clauses[clause], clause_end)
                and not _HAD_TO.match(m.group())
                and not m.group().startswith("had ")  # "the only place that had it": the past, not now
                and not _BEFORE_NOW.search(clause_text)
            ):
                cue = Cue("resolved", "", m.group(), m.start(), m.end())
                if not self._contrast(reading, cue, absences) and not self._other_product(reading, clause, absences):
                    return m.group()
        return None

    @staticmethod
    def _other_product(reading: Reading, clause: int, absences: list[Cue]) -> bool:
        """'No coffee, but the matcha was there': the later clause finds another product, not the missing one."""
        missing = {
            sku
            for c in absences
            for m in reading.products
            if m.skus and reading.clause_of(m.start) == reading.clause_of(c.start)
            for sku in m.skus
        }
        found = {
            sku
            for m in reading.products
            if m.skus and not m.fuzzy and reading.clause_of(m.start) == clause
            for sku in m.skus
        }
        return bool(missing and found and not missing & found)

    def _contrast(self, reading: Reading, found: Cue, absences: list[Cue]) -> bool:
        """'Found it at A, but B had none': the found and the missing are at two different stores."""
        hits = self._raw_store_hits(reading)
        found_clause = reading.clause_of(found.start)
        found_at = {h.key for h in hits if reading.clause_of(h.start) == found_clause}
        absent_clauses = {reading.clause_of(c.start) for c in absences}
        if not found_at and found_clause - 1 not in absent_clauses:  # "…のファミマまで歩いたら / あった"
            found_at = {h.key for h in hits if reading.clause_of(h.start) == found_clause - 1}
        for c in absences:
            clause = reading.clause_of(c.start)
            missing_at = {h.key for h in hits if reading.clause_of(h.start) == clause}
            if clause != found_clause and found_at and missing_at - found_at:
                return True
        return False

    def _raw_store_hits(self, reading: Reading) -> list[Hit]:
        """Store, chain and place hits of a reading, without clause preferences."""
        return [h for h in self._filtered_hits(reading, reading.text.original) if h.kind in ("name", "chain", "place")]

    def _absence_cues(self, reading: Reading) -> list[Cue]:
        """Absence cues not inside a hypothetical, and not in a clause about something else while the
        product itself is said to be there ("Crunchex khatam, Nibbo hai"). Found once per reading."""
        if reading.absences is None:
            reading.absences = self._find_absence_cues(reading)
        return reading.absences

    def _find_absence_cues(self, reading: Reading) -> list[Cue]:
        objects = [c for c in reading.cues if c.kind == "other_object"]
        folded = reading.text.folded
        subjects = [  # "Nibbo fizz has no fizz": from the product's end to the end of "has no"
            (m.end, found.end()) for m in reading.products if (found := _HAS_NONE.match(folded, m.end))
        ]
        cues = [
            c
            for c in reading.cues
            if c.kind == "absence"
            and not _inside(c, reading.cues, ("hypothetical", "other_object"))
            and not any(0 <= c.start - o.end <= 6 for o in objects)
            and not any(s <= c.start <= e for s, e in subjects)
            and not self._about_other_brand(reading, c)
        ]
        if not cues:
            return []
        product_clauses = {
            reading.clause_of(m.start)
            for m in reading.products
            if not m.fuzzy and (not m.skus or not self._after_other_brand(reading.text, m))
        }
        present = {reading.clause_of(m.start()) for m in reading.presence()}
        product_present = product_clauses & present
        if not product_present or not product_clauses:
            return cues
        store_clauses = {reading.clause_of(h.start) for h in self._raw_store_hits(reading)}
        contrast = bool(product_present & store_clauses)  # "found it at A, none at B": B is the report
        return [
            c
            for c in cues
            if reading.clause_of(c.start) in product_clauses
            or (contrast and reading.clause_of(c.start) in store_clauses)
        ]

    def _same_clause(self, reading: Reading, killer: Cue, absences: list[Cue]) -> bool:
        """The online cue belongs to the absence: same or next-door clause, and no store named apart from it."""
        clauses = {reading.clause_of(c.start) for c in absences}
        k = reading.clause_of(killer.start)
        if k in clauses:
            return True
        near = any(abs(k - c) == 1 for c in clauses)
        named = any(
            h.kind in ("name", "chain") and reading.clause_of(h.start) in clauses
            for h in self._store_hits(reading, reading.text.original)
        )
        return near and not named

    @staticmethod
    def _in_clause_of(reading: Reading, cue: Cue, kind: str) -> bool:
        """A cue of `kind` in the same clause as `cue`."""
        clause = reading.clause_of(cue.start)
        return any(c.kind == kind and reading.clause_of(c.start) == clause for c in reading.cues)

    def _names_a_store(self, reading: Reading) -> bool:
        return any(h.kind in ("name", "chain") for h in self._raw_store_hits(reading))

    def _in_store_words(self, reading: Reading, cue: Cue) -> bool:
        """The cue's words belong to a store, chain or place name ("Hill Cart Road" is not a shopping cart)."""
        return any(h.start <= cue.start and cue.end <= h.end for h in self._raw_store_hits(reading))

    @staticmethod
    def _near_product(reading: Reading, cue: Cue) -> bool:
        clause = reading.clause_of(cue.start)
        return any(reading.clause_of(m.start) == clause for m in reading.products)

    def _product(self, reading: Reading, parent: Reading | None, reasons: list[str]) -> tuple[str | None, str | None]:
        mentions = reading.products or (parent.products if parent is not None else [])
        if reading.products:
            absent = {reading.clause_of(c.start) for c in self._absence_cues(reading)}
            in_absent = [m for m in mentions if reading.clause_of(m.start) in absent and m.skus]
            if in_absent:
                mentions = in_absent + [m for m in mentions if not m.skus]
        if (
            parent is not None
            and reading.products
            and not any(m.skus for m in reading.products)
            and any(m.skus and m.brand in reading.brands for m in parent.products)
        ):  # "@nibbo_in the one in Powai" under "no Nibbo masala at DMart": the brand here, the flavour above
            mentions = [*reading.products, *(m for m in parent.products if m.brand in reading.brands)]
            reasons.append("flavour borrowed from the post it answers")
        if not mentions:
            return None, None
        if not reading.products:
            reasons.append("product borrowed from the post it answers")
        brands = {m.brand for m in mentions}
        sku = self._most_specific(mentions, self._sizes_said(reading, parent))
        if sku:
            reasons.append(f"product {sku} from '{', '.join(sorted({m.alias for m in mentions if m.skus}))}'")
        else:
            reasons.append(f"brand {', '.join(sorted(brands))} without one clear product")
        brand = sorted(brands)[0] if len(brands) == 1 else None
        if sku:
            brand = self.catalogue.products[sku].brand
        return sku, brand

    def _sizes_said(self, reading: Reading, parent: Reading | None) -> set[str]:
        """Pack sizes the report says ("90g", "1 L", "5 pack", "cup"): of its absence clauses when they say one
        ("family pack sold out, only 25g ones left" says no size of the missing one), else of the whole post."""
        for r in (reading, parent):
            if r is None or not _MAYBE_SIZE.search(r.text.folded):
                continue
            absent = {r.clause_of(c.start) for c in self._absence_cues(r)}
            folded, bounds = r.text.folded, [*r.clauses, len(r.text.folded)]
            said = set().union(*(sizes_in(folded[bounds[k] : bounds[k + 1]]) for k in absent))
            if said or (said := sizes_in(folded)):  # no size where it is missing: any size the post says
                return said
        return set()

    def _most_specific(self, mentions: list[ProductMention], sizes: AbstractSet[str] = frozenset()) -> str | None:
        products = self.catalogue.products
        brands = {m.brand for m in mentions if not m.skus}
        # "Kamlo ... peri peri": a flavour of another brand of the catalogue is not this one
        named = [
            (m, skus)
            for m in mentions
            if (skus := frozenset(s for s in m.skus if not brands or products[s].brand in brands))
        ]
        if sizes and named:  # "salted 90g": of the salted packs, the 90 g one
            sized = {sku for _m, skus in named for sku in skus if self.catalogue.sizes[sku] & sizes}
            if len(sized) == 1:
                return next(iter(sized))
        elif sizes and brands:  # "Nimbolo 1.25L", "Nibbo cans": the brand's one product of that size
            sized = {sku for sku, p in products.items() if p.brand in brands and self.catalogue.sizes[sku] & sizes}
            if len(sized) == 1:
                return next(iter(sized))
        named = [
            (m, skus)
            for m, skus in named
            if not any(
                o is not m and o.start <= m.start and m.end <= o.end and (o.end - o.start) > (m.end - m.start)
                for o, _skus in named
            )
        ]
        if not named:
            return None
        union = frozenset().union(*(skus for _m, skus in named))
        if len(union) == 1:
            return next(iter(union))
        common = frozenset.intersection(*(skus for _m, skus in named))
        if len(common) == 1:
            return next(iter(common))
        fits = [sku for sku in union if all(sku in skus or m.alias in self._product_words(sku) for m, skus in named)]
        if len(fits) == 1:
            return fits[0]
        # A pack of another product ("Chatpata Masala Family Pack" of "Chatpata Masala") is the more specific
        # one, when some words name it apart from the rest ("salted" alone names every salted pack: no sku).
        variants = [
            a
            for a in union
            if all(b == a or self._is_variant(a, b) for b in union) and any(a in skus < union for _m, skus in named)
        ]
        return variants[0] if len(variants) == 1 else None

    def _is_variant(self, a: str, b: str) -> bool:
        base = key(_without_size(self.catalogue.products[b].name))
        return base in key(self.catalogue.products[a].name) and a != b

    def _product_words(self, sku: str) -> str:
        words = self._words_of.get(sku)
        if words is None:
            p = self.catalogue.products[sku]
            words = self._words_of[sku] = "|".join(key(a) for a in (p.name, *p.aliases))
        return words

    # -- the store --------------------------------------------------------------------------------
    def _chains_named(self, reading: Reading, original: str) -> dict[int, str]:
        """The chains a post names, outright or through one of their branches' names."""
        return self._chains_named_by(self._store_hits(reading, original))

    def _chains_named_by(self, hits: list[Hit]) -> dict[int, str]:
        """The chains of store and chain hits (a name shared by more than eight stores names no chain)."""
        chains: dict[int, str] = {}
        for h in hits:
            if h.kind == "chain":
                chains.update((c, h.key) for c in h.ids)
            elif h.kind == "name" and len(h.ids) <= 8:
                chains.update((self.index.chain_of[i], h.key) for i in h.ids if self.index.chain_of[i] >= 0)
        return chains

    def _store(
        self, texts: list[tuple[Reading, Post]], above: tuple[Reading, str] | None = None
    ) -> tuple[str | None, list[Candidate], list[str]]:
        """The store of a report read from `texts`; `above` is another poster's report this one replies to
        (its chain serves a reply that names only a place)."""
        index = self.index
        reasons: list[str] = []
        name_hits: list[Hit] = []
        chains: dict[int, str] = {}
        places: list[Hit] = []
        cities: set[int] = set()
        city_hits: list[Hit] = []
        tag_places: list[Hit] = []
        place_tag_cities: set[int] = set()
        geo = None
        for reading, post in texts:
            hits = self._store_hits(reading, reading.text.original)
            for h in hits:
                if h.kind == "name":
                    name_hits.append(h)
                elif h.kind == "chain":
                    for c in h.ids:
                        chains.setdefault(c, h.key)
                elif h.kind == "place":
                    places.append(h)
                elif h.kind == "city":
                    cities.update(h.ids)
                    city_hits.append(h)
            if post.place:
                tag_words, tag_offsets = words_at(fold(post.place))
                tag_hits = index.find(tag_words, tag_offsets, _romanised(post.place))
                city_spans = [(h.start, h.end) for h in tag_hits if h.kind == "city"]
                for h in tag_hits:
                    if any(s <= h.start and h.end <= e for s, e in city_spans) and h.kind != "city":
                        continue  # "留米" inside the tag's "久留米市" is the city, not a place in it
                    if h.kind == "place" and "city" not in index.kinds_of(h.key):
                        tag_places.append(h)
                    elif h.kind == "city":
                        place_tag_cities.update(h.ids)
            if geo is None and post.geo is not None:
                geo = post.geo
        named: dict[int, str] = {}  # the stores named outright, with the name (kept for up to 256 of them)
        if name_hits:
            pool = Pool(index, stores=set().union(*(h.ids for h in name_hits)))
            if pool.size() <= 256:
                named = {i: h.key for h in reversed(name_hits) for i in h.ids}
            reasons.append("store name(s) " + ", ".join(sorted({h.key for h in name_hits})))
        elif chains:
            pool = Pool(index, chains=set(chains))
            reasons.append(f"chain {', '.join(index.chains[c].name for c in chains)}: {pool.size()} branches")
        elif places and above is not None and (chains_above := self._chains_named(*above)):
            pool = Pool(index, chains=set(chains_above))
            names = ", ".join(index.chains[c].name for c in chains_above)
            reasons.append(f"a reply naming a place: the chain of the post it answers, {names}")
        else:
            reasons.append("no known store or chain named")
            return None, [], reasons

        def candidates() -> list[Candidate]:
            return self._candidates(pool.sample(geo), named, geo)

        # Localities, branch names, landmarks named in the text.
        places = [h for h in places if not self._city_read_as_place(h, city_hits)]
        in_text = pool.placed(places)
        if in_text and not name_hits and (wider := _wider_place(places, in_text, texts)) is not None:
            reasons.append(f"the place named, {wider.key}, has no branch of this chain: not in the list")
            return None, candidates(), reasons
        if in_text:
            pool = pool.narrowed(most_named(in_text, places))
            reasons.append("place(s) " + ", ".join(place_words(in_text)))
        elif not name_hits and self._names_unlisted_branch(places, pool):
            reasons.append("the place named has no branch of this chain: not in the list")
            return None, candidates(), reasons

        # The city, from the text or the place tag.
        for source, city_ids in (("text", cities), ("place tag", place_tag_cities)):
            if not city_ids or pool.size() <= 1:
                continue
            in_city = pool.in_cities(city_ids)
            if in_city:
                pool = pool.narrowed(in_city)
                reasons.append(f"city from the {source}: {', '.join(index.cities[c] for c in city_ids)}")
            elif source == "text":  # "Namma Mart Hebbal Bengaluru": the only Hebbal branch is in Mysuru
                reasons.append("no store of this name or chain in the city named")
                return None, candidates(), reasons
        if pool.size() > 1 and tag_places:
            tagged = pool.placed(tag_places)
            if tagged:
                pool = pool.narrowed(most_named(tagged, tag_places))
                reasons.append("place tag narrows to " + ", ".join(place_words(tagged)))

        # A geo point near exactly one of what is left.
        if pool.size() > 1 and geo is not None:
            picked, why = self._nearest(pool.near(geo.lat, geo.lon), geo.lat, geo.lon)
            reasons.append(why)
            if picked is not None:
                pool = Pool(index, stores={picked})
        if pool.size() == 1:
            store = index.stores[next(iter(pool.sample(None)))]
            reasons.append(f"one store left: {store.store_id} {store.label}")
            return store.store_id, self._candidates(pool.sample(None), named, geo), reasons
        reasons.append(f"{pool.size()} stores fit: ask which one")
        return None, candidates(), reasons

    def _store_hits(self, reading: Reading, original: str) -> list[Hit]:
        return self._in_absence_clauses(reading, self._filtered_hits(reading, original))

    def _filtered_hits(self, reading: Reading, original: str) -> list[Hit]:
        if reading.store_hits is None:
            reading.store_hits = self._find_store_hits(reading, original)
        return reading.store_hits

    def _find_store_hits(self, reading: Reading, original: str) -> list[Hit]:
        text = reading.text
        product_spans = [(m.start, m.end) for m in reading.products if not m.fuzzy]
        hits = [
            h
            for h in self.index.find_in(reading.spans, _romanised(original))
            if not any(s < h.end and h.start < e and (e - s) >= (h.end - h.start) for s, e in product_spans)
        ]
        hits = [h for h in hits if not _runs_on(h, text.folded)]
        place_spans = [(h.start, h.end) for h in hits if h.kind == "place"]
        # "near Star Bazaar": a landmark, not the store (nor is any name inside it, "Bazaar").
        stores = [h for h in hits if h.kind in ("chain", "name")]
        landmarks = [
            (h.start, h.end)
            for h in stores
            if _LANDMARK_BEFORE.search(text.folded[max(0, h.start - 12) : h.start])
            # "Annapurna mandir ke paas Shree Ganesh Kirana": a name before "…ke paas" is a landmark when
            # another store is named (alone, it may be the store: "DMart ke paas wala")
            or (
                _LANDMARK_AFTER.match(text.folded, h.end)
                and any(o.end <= h.start or o.start >= h.end for o in stores if o.key != h.key)
            )
        ]
        kept = []
        for h in hits:
            if h.kind in ("chain", "name") and any(s <= h.start and h.end <= e for s, e in landmarks):
                continue
            if h.kind == "name" and self._after_unlisted_chain(text.folded, h):
                continue  # "이마트 구월점": E-Mart's Guwol branch, not the listed 온누리마트 구월점
            if (
                h.kind in ("chain", "name")
                and h.key in ORDINARY_WORDS
                and not h.fuzzy
                and not self._name_like(h, text.folded, original, place_spans)
            ):
                continue
            kept.append(h)
        # A shop's alias that is also a chain's name ("ファミマ") names the chain, not one branch.
        chain_keys = {h.key for h in kept if h.kind == "chain"}
        kept = [h for h in kept if not (h.kind == "name" and h.key in chain_keys)]
        # A longer name or chain hides the shorter ones inside it ("이마트24" over "이마트"), and a place
        # word inside a chain's name is part of the name ("롯데" in "롯데마트").
        named = [h for h in kept if h.kind in ("name", "chain")]
        kept = [
            h
            for h in kept
            if h.kind != "place"
            or not any(
                o.kind == "chain" and o.start <= h.start and h.end <= o.end and (o.end - o.start) > (h.end - h.start)
                for o in named
            )
        ]
        kept = [
            h
            for h in kept
            if not (
                h.kind in ("name", "chain")
                and any(o.start <= h.start and h.end <= o.end and (o.end - o.start) > (h.end - h.start) for o in named)
            )
        ]
        # A place word inside the full name of one store is part of that name: "More Salt Lake and Every Day
        # Salt Lake" names two stores, and "Salt Lake" chooses between neither.
        names = [o for o in kept if o.kind == "name"]
        whole = [
            (o.start, o.end)
            for o in names
            if len(o.ids) == 1 and any(n.end <= o.start or n.start >= o.end for n in names if n.ids != o.ids)
        ]
        kept = [h for h in kept if h.kind != "place" or not any(s <= h.start and h.end <= e for s, e in whole)]
        # A city's name inside a longer name, or inside a place of another city, is part of it ("Kovai" of
        # "Kovai Pazhamudir", "Pondy" of "Pondy Bazaar" in Chennai), not the city ("姫路" of "姫路駅南口" is).
        return [
            h for h in kept if h.kind != "city" or not any(self._holds_city(o, h) for o in kept if o.kind != "city")
        ]

    def _holds_city(self, wider: Hit, city: Hit) -> bool:
        """`wider` spans the city's name and more, and is a name, or a place none of whose stores is in it."""
        if not (
            wider.start <= city.start and city.end <= wider.end and wider.end - wider.start > city.end - city.start
        ):
            return False
        return wider.kind != "place" or not any(self.index.city_of[i] in city.ids for i in wider.ids[:64])

    def _in_absence_clauses(self, reading: Reading, hits: list[Hit]) -> list[Hit]:
        """In a contrast ("not at A, found it at B") keep the stores of the clauses that report the absence."""
        absent = {reading.clause_of(c.start) for c in self._absence_cues(reading)}
        if not absent:
            return hits
        present = {reading.clause_of(m.start()) for m in reading.presence()} - absent
        stores = [h for h in hits if h.kind in ("name", "chain")]
        in_present = [h for h in stores if reading.clause_of(h.start) in present]
        if in_present and len(in_present) == len(stores):
            return self._other_branch(reading, hits, in_present, present)
        if in_present:
            return [h for h in hits if reading.clause_of(h.start) not in present]
        # "went to Saathi Zoo Road, bought 4. went to Saathi Ganeshguri - NOTHING": the stores named in the
        # clauses of the absence are the report; stores named in other clauses (with their places) are not
        named_in = {reading.clause_of(h.start) for h in stores}
        elsewhere = named_in - absent
        if elsewhere and named_in & absent:
            return [h for h in hits if reading.clause_of(h.start) not in elsewhere]
        return hits

    def _other_branch(self, reading: Reading, hits: list[Hit], found_at: list[Hit], present: set[int]) -> list[Hit]:
        """'Found it at Bachat Janipur, the Trikuta Nagar branch had none': every store named is where it was
        found, and the clause of the absence names only a place: the same chain's branch at that place."""
        places = [h for h in hits if h.kind == "place" and reading.clause_of(h.start) not in present]
        chains = self._chains_named_by(found_at)
        if not places or not chains:
            return hits
        first = found_at[0]
        chain_hit = Hit(first.key, "chain", tuple(sorted(chains)), first.start, first.end)
        return [chain_hit, *places, *(h for h in hits if h.kind == "city")]

    @staticmethod
    def _name_like(hit: Hit, folded: str, original: str, place_spans: list[tuple[int, int]]) -> bool:
        """An ordinary word ("more", "life") is a store name when written like one or next to a branch place."""
        if any(0 <= s - hit.end <= 2 or 0 <= hit.start - e <= 2 for s, e in place_spans):
            return True
        before = folded[max(0, hit.start - 6) : hit.start].split()
        if before and before[-1] in ("at", "in", "from", "se", "me", "mein", "wale", "wala", "the"):
            return True
        word = hit.key[:1].upper() + hit.key[1:]
        pattern = re.compile(r"(?<![A-Za-z])" + re.escape(word) + r"(?![a-z])")
        return bool(pattern.search(original)) and not original.isupper()

    def _city_read_as_place(self, place: Hit, city_hits: list[Hit]) -> bool:
        """'札幌のローソン': a word that names a city, and a place only inside that same city, says the city."""
        same = [c for c in city_hits if c.start == place.start and c.end == place.end]
        if not same:
            return False
        city_ids = set().union(*(c.ids for c in same))
        city_of = self.index.city_of
        if len(place.ids) <= SHORT or not isinstance(city_of, array):
            return all(city_of[i] in city_ids for i in place.ids)
        cities = np.frombuffer(city_of, dtype=np.int32)[as_array(place.ids)]
        return bool(np.isin(cities, list(city_ids)).all())

    def _names_unlisted_branch(self, places: list[Hit], pool: Pool) -> bool:
        """The text names a locality of a city where the chain has branches, but none there: unlisted."""
        cities = pool.cities()
        return any(
            self.index.city_of[i] in cities
            for h in places
            if not h.fuzzy and h.key in self.index.locality_keys
            for i in h.ids
        )

    def _nearest(self, cands: np.ndarray, lat: float, lon: float) -> tuple[int | None, str]:
        dists = self.index.nearest_two(cands, lat, lon)
        if not dists:
            return None, "geo point, but no coordinates for these stores"
        d1, first = dists[0]
        if d1 > _GEO_PICK_KM:
            return None, f"geo point {d1:.1f} km from the nearest branch: too far to tell"
        if len(dists) > 1:
            d2 = dists[1][0]
            if d2 < max(d1 * _GEO_RATIO, d1 + 0.3):
                return None, f"geo point about equally near two branches ({d1:.2f} km, {d2:.2f} km)"
        return first, f"geo point {d1:.2f} km from {self.index.stores[first].store_id}, the nearest branch"

    def _candidates(self, stores: list[int], named: dict[int, str], geo: GeoPoint | None) -> list[Candidate]:
        """The likely stores to list in a 'which store?' reply: nearest first when there is a geo point (a
        store without coordinates counts as near), then the longest name named, then by store id."""
        table = self.index.stores
        ids = table.store_ids
        if geo is None:
            km: list[float | None] = [None] * len(stores)
        else:
            km = self.index.distances_km(stores, geo.lat, geo.lon)
        if geo is None and not named:
            top = [j for _, j in heapq.nsmallest(5, [(ids[i], j) for j, i in enumerate(stores)])]
        else:
            ranked = [(km[j] or 0.0, -len(named.get(i, "")), ids[i], j) for j, i in enumerate(stores)]
            top = [entry[-1] for entry in heapq.nsmallest(5, ranked)]
        out = []
        for j in top:
            i = stores[j]
            label = store_label(table.names[i], table.localities[i], table.cities[i])
            out.append(Candidate(ids[i], label, 1.0 + len(named.get(i, "")) / 10, "", km[j]))
        return out


def _runs_on(hit: Hit, folded: str) -> bool:
    """A short key written in hiragana with more hiragana right after it is part of a longer word ("なか" of
    "なかった" is not the place "なか" of "なかもず")."""
    return (
        len(hit.key) <= 3
        and _HIRAGANA_WORD.fullmatch(hit.key) is not None
        and bool(_HIRAGANA_WORD.match(folded, hit.end))
    )


_HIRAGANA_WORD = re.compile(r"[\u3041-\u309f]+")


def _inside(cue: Cue, cues: list[Cue], kinds: tuple[str, ...]) -> bool:
    """The cue overlaps a cue of one of `kinds` (an absence inside a hypothetical)."""
    return any(o.kind in kinds and o.start < cue.end and cue.start < o.end for o in cues)


def _after_other_brand(text: PostText, mention: ProductMention, ours: AbstractSet[str]) -> bool:
    """'Crunchex chatpata masala': a capitalised word right before the product's name that is none of `ours`."""
    before = text.folded[: mention.start].split()
    if before and before[-1] in ours:
        return False
    if len(before) >= 2 and before[-1] in ("ka", "ki", "ke", "da", "di", "de", "ra", "ro", "nu", "na", "ni"):
        before = before[:-1]  # "Bingo ka masala chips": the brand before the possessive
    if not before:
        return False
    word = before[-1]
    original = _word_pattern(word).search(text.original.replace("'", "").replace("’", ""))  # "Lay's" is "lays"
    return bool(original and original.group(1)[:1].isupper() and len(word) > 2 and word not in ("the", "no", "my"))


_KATAKANA_NAME_BEFORE = re.compile(r"(?<![\u30a0-\u30ff])([\u30a1-\u30fa\u30fc]{3,})の$")
_HANGUL_LETTER = re.compile(r"[\uac00-\ud7a3]")
_KANA_KANJI = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
_KATAKANA = re.compile(r"[\u30a0-\u30ff]")
_HANGUL_PARTICLE = frozenset("은는이가을를도에의만과와랑로으")
_KANA_PARTICLE = frozenset("のにではがもをとへやか")


def _glued(text: PostText, mention: ProductMention) -> bool:
    """A Korean or Japanese alias written as part of a longer word: another product's name ("허니버터" of
    "허니버터칩", "オレンジ" of "なっちゃんオレンジ"), not this one. Korean spaces its words and glues only
    particles; Japanese glues a name to what follows but not to a word before it (a particle or a mark is there)."""
    alias, folded = mention.alias, text.folded
    before = folded[mention.start - 1] if mention.start > 0 else " "
    after = folded[mention.end] if mention.end < len(folded) else " "
    if _HANGUL_LETTER.match(alias):
        return bool(_HANGUL_LETTER.match(before)) or (
            bool(_HANGUL_LETTER.match(after)) and after not in _HANGUL_PARTICLE
        )
    if _KANA_KANJI.match(alias):
        return (bool(_KANA_KANJI.match(before)) and before not in _KANA_PARTICLE) or bool(_KATAKANA.match(after))
    return False


@lru_cache(maxsize=4096)
def _word_pattern(word: str) -> re.Pattern[str]:
    """The word as written anywhere in a post, any case."""
    return re.compile(r"(?<![A-Za-z])(" + re.escape(word) + r")(?![a-z])", re.IGNORECASE)


def _romanised(original: str) -> bool:
    return bool(_INDIC.search(original))


_NO_WORDS = re.compile(
    r"(?<![a-z0-9])(?:no|zero|0|not a single|not one|out of|ran out of|sold out of|never any|not any"
    r"|never)(?![a-z0-9])"
)
_AFTER_PRODUCT = re.compile(
    r"(?: \d+(?:\.\d+)? ?(?:g|gm|gms|ml|kg|l|ltr))?"  # "Tangy Masala 45g out"
    r"(?: (?:chips|soda|sodas|drinks?|biscuits?|cookies|packets?|packs?|cans?|bottles?|noodles|wafers?|namkeen))?"
    r"(?: (?:is|was|are|were|has|have|gone|totally|completely|all|ka|ki|ke|bhi|hi))*"
    r" (?:out|gone|finished|over|missing|nahi|nai|nhi|nahin|illa|khatam|khatm|khaali|khali|gayab)"
    r"(?![a-z])"
)

_AFTER_PRODUCT_CJK = re.compile(
    r"\s*(?:\d+(?:\.\d+)?\s*(?:g|ml|kg|l|グラム|그램)\s*)?"  # "マラバール90gない"
    r"(?:は|が|も|도|는|은|이|가)?\s*"
    r"(?:なかった|無かった|ない(?!で(?!す)|ように|と思)|無い|なし(?![でにの])|なか(?![っなもま])|あらへん|売ってへん|置いてへん"
    r"|없|품절|매진|売り切れ|品切れ)"
)


def _product_absence(text: PostText, products: list[ProductMention]) -> list[Cue]:
    """'no Nibbo', 'zero cheesy jalapeno': a 'no' right before a product name is an absence cue; so is a word
    of absence right after it, in any script ("Nibbo out", "いちごなかった", "딸기 없어")."""
    cues = []
    for p in products:
        after = _AFTER_PRODUCT.match(text.folded, p.end) or _AFTER_PRODUCT_CJK.match(text.folded, p.end)
        if after:
            cues.append(Cue("absence", "en", text.folded[p.start : after.end()], p.start, after.end()))
    for m in _NO_WORDS.finditer(text.folded):
        for p in products:
            if 0 <= p.start - m.end() <= 24 and not _STOPS.search(text.folded, m.end(), p.start):
                cues.append(Cue("absence", "en", text.folded[m.start() : p.end], m.start(), p.end))
                break
    return cues


def _wider_place(
    places: list[Hit], placed: dict[int, tuple[str, ...]], texts: list[tuple[Reading, Post]]
) -> Hit | None:
    """A place word of a text that holds the words that matched the pool and more ("광안리해변점" around
    "해변점", "Andheri East" around "Andheri") but names none of the pool: a branch that is not in the list."""
    matched = {k for ks in set(placed.values()) for k in ks}
    for reading, _post in texts:
        mine = {id(r) for r in reading.store_hits or ()}
        own = [h for h in places if id(h) in mine]
        spans = [(h.start, h.end) for h in own if h.key in matched]
        for h in own:
            inside = (h.start <= s and e <= h.end and (s, e) != (h.start, h.end) for s, e in spans)
            if h.key not in matched and any(inside):
                return h
    return None
