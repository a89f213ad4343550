"""Normalising the writing, not the meaning: one comparable form for every script.

Latin is case-folded and width-folded; Devanagari is transliterated to a loose Latin spelling (so Hindi
meets Hinglish and Latin store names); Hangul and Japanese stay as they are (store lists use them) and
are cut at script boundaries. Keys (store names, aliases) and posts go through the same functions.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from indic_transliteration import sanscript

_MENTION = re.compile(r"@(\w+)")
_HASHTAG = re.compile(r"#(\w+)")
_URL = re.compile(r"https?://\S+|www\.\S+", re.IGNORECASE)
_ELONGATED = re.compile(r"([a-z])\1{2,}")
_DEVANAGARI_RUN = re.compile(r"[\u0900-\u097F]+")
_DIACRITICS = str.maketrans(
    {"ṃ": "n", "ṁ": "n", "ṅ": "n", "ñ": "n", "ṇ": "n", "ḥ": "h", "ṛ": "ri", "ś": "sh", "ṣ": "sh"}
)
# English loan vowels (ऑ in "ऑनलाइन", ॉ in "स्टॉक") that the transliteration scheme lacks.
_CANDRA = str.maketrans({"ॉ": "ो", "ऑ": "ओ", "ॅ": "े", "ऍ": "ए"})
# Between a Latin letter or digit and a CJK letter: a seam where a word boundary belongs.
_SCRIPT_SEAM = re.compile(
    r"(?<=[a-z0-9])(?=[\u3040-\u30ff\u4e00-\u9fff\uac00-\ud7a3])|(?<=[\u3040-\u30ff\u4e00-\u9fff\uac00-\ud7a3])(?=[a-z0-9])"
)
_SPACES = re.compile(r"[ \t\u3000]+")
_SCRIPT_SPLIT = re.compile(
    r"[a-z0-9]+"  # Latin words and numbers
    r"|[\uac00-\ud7a3\u3131-\u318e]+"  # Hangul syllables and jamo
    r"|[\u3040-\u30ff\u31f0-\u31ff\u4e00-\u9fff\u3005\u30fc]+"  # kana and kanji (and the long-vowel mark)
)
_CJK = re.compile(r"[\uac00-\ud7a3\u3131-\u318e\u3040-\u30ff\u4e00-\u9fff]")
_HANGUL = re.compile(r"[\uac00-\ud7a3\u3131-\u318e]")
_KANA = re.compile(r"[\u3040-\u30ff]")
_KANJI = re.compile(r"[\u4e00-\u9fff]")
_DEVANAGARI = re.compile(r"[\u0900-\u097F]")
_LATIN = re.compile(r"[A-Za-z]")


@lru_cache(maxsize=65536)
def devanagari_to_latin(word: str) -> str:
    """A loose Latin spelling of a Devanagari word, as a Hinglish writer would type it."""
    word = word.translate(_CANDRA).replace("ड़", "ड").replace("ढ़", "ढ").replace("\u095c", "ड").replace("\u095d", "ढ")
    iast = sanscript.transliterate(word, sanscript.DEVANAGARI, sanscript.IAST)
    plain = unicodedata.normalize("NFKD", iast.translate(_DIACRITICS))
    plain = "".join(c for c in plain if not unicodedata.combining(c)).lower()
    plain = plain.replace("ch", "\0").replace("c", "ch").replace("\0", "chh")
    plain = re.sub(r"n(?=[pbm])", "m", plain)  # the nasal before a labial is an m: "ninbu" -> "nimbu"
    # Schwa deletion: a word written with a final consonant ends without the inherent vowel.
    last = word[-1]
    if len(word) > 1 and "\u0915" <= last <= "\u0939" or last == "\u093c":
        plain = plain[:-1] if plain.endswith("a") else plain
    return plain


# The other Indian scripts people post in, by Unicode block, for indic-transliteration.
_INDIC_SCRIPTS = (
    ("\u0980", "\u09ff", sanscript.BENGALI),
    ("\u0a00", "\u0a7f", sanscript.GURMUKHI),
    ("\u0a80", "\u0aff", sanscript.GUJARATI),
    ("\u0b00", "\u0b7f", sanscript.ORIYA),
    ("\u0b80", "\u0bff", sanscript.TAMIL),
    ("\u0c00", "\u0c7f", sanscript.TELUGU),
    ("\u0c80", "\u0cff", sanscript.KANNADA),
    ("\u0d00", "\u0d7f", sanscript.MALAYALAM),
)
_OTHER_INDIC_RUN = re.compile(r"[\u0980-\u0d7f]+")


@lru_cache(maxsize=65536)
def indic_to_latin(word: str) -> str:
    """A loose Latin spelling of a word in Bengali, Gurmukhi, Gujarati, Odia, Tamil, Telugu, Kannada or
    Malayalam script ("ಇಲ್ಲ" -> "illa", "নেই" -> "nei", "નથી" -> "nathi"), as people type those languages."""
    scheme = next((s for lo, hi, s in _INDIC_SCRIPTS if lo <= word[0] <= hi), None)
    if scheme is None:
        return word
    iast = sanscript.transliterate(word, scheme, sanscript.IAST)
    plain = unicodedata.normalize("NFKD", iast.translate(_DIACRITICS))
    plain = "".join(c for c in plain if not unicodedata.combining(c) and c != "~").lower()
    return plain.replace("ch", "\0").replace("c", "ch").replace("\0", "chh")


@lru_cache(maxsize=16384)
def fold(text: str) -> str:
    """Width/case fold and transliterate Devanagari and the other Indian scripts; keep Hangul and Japanese."""
    text = unicodedata.normalize("NFKC", text).casefold()
    text = text.replace("’", "").replace("‘", "").replace("'", "")
    if _DEVANAGARI.search(text):
        text = _DEVANAGARI_RUN.sub(lambda m: " " + devanagari_to_latin(m.group()) + " ", text)
    if _OTHER_INDIC_RUN.search(text):
        text = _OTHER_INDIC_RUN.sub(lambda m: " " + indic_to_latin(m.group()) + " ", text)
    return _SPACES.sub(" ", text).strip()


def tokens(text: str) -> list[str]:
    """Words of folded text, cut at script boundaries ("gs엔" -> "gs", "엔")."""
    return _SCRIPT_SPLIT.findall(text)


def words_at(text: str) -> tuple[list[str], list[int]]:
    """Words of folded text and the offset of each in it."""
    found = list(_SCRIPT_SPLIT.finditer(text))
    return [m.group() for m in found], [m.start() for m in found]


@lru_cache(maxsize=16384)
def key(text: str) -> str:
    """The lookup key of a name: folded, tokens joined without spaces ("D-Mart" == "DMart" == "d mart")."""
    return "".join(tokens(fold(text)))


_SKELETON_MAP = str.maketrans({"w": "v", "z": "s", "q": "k", "x": "ks", "c": "k"})


@lru_cache(maxsize=16384)
def skeleton(word: str) -> str:
    """A consonant skeleton for matching across spellings and scripts ("dimart" ~ "dmart", "jayapur" ~
    "jaipur"): first letter kept, vowels, y and h-after-consonant dropped, repeats collapsed."""
    if not word:
        return word
    w = word.replace("ph", "f").replace("ck", "k").replace("chh", "ch").replace("ch", "\x01")
    w = re.sub(r"c(?=[eiy])", "s", w)
    w = re.sub(r"g(?=[ei])", "j", w)  # "margin" ~ "marjin"
    w = re.sub(r"(?<=[aeiou])w(?![aeiou])", "", w)  # "town" ~ "taun", "new" ~ "nyu" (but "powai" keeps it)
    w = w.translate(_SKELETON_MAP).replace("\x01", "c")
    out = ["a" if w[0] in "aeiou" else w[0]]
    for ch in w[1:]:
        if ch in "aeiouy" or (ch == "h" and out[-1] not in "aeiou") or ch == out[-1] or not ch.isalnum():
            continue
        out.append(ch)
    return "".join(out)


def spans(
    words: list[str],
    offsets: list[int],
    max_ngram: int,
    max_cjk: int,
    vocab: set[str] | None = None,
    starts: set[str] | None = None,
) -> list[tuple[str, int, int]]:
    """Every candidate key of a text: Latin word n-grams joined without spaces, and substrings of runs of
    CJK words joined without spaces (also glued to a Latin word or number before or after them: "GS25" +
    "역삼역점", "이마트" + "24"). Returns (key, start, end) as character offsets in the folded text.
    With `vocab` (the Latin words keys are made of) an n-gram grows only over known words; with `starts`
    (the first two characters of CJK keys) a CJK substring is tried only where a key could begin."""
    out: list[tuple[str, int, int]] = []
    add = out.append
    n_words = len(words)
    cjk = [_CJK.match(w) is not None for w in words]
    i = 0
    while i < n_words:
        if not cjk[i]:
            first = words[i]
            add((first, offsets[i], offsets[i] + len(first)))
            if vocab is None or first in vocab:
                joined = first
                for j in range(i + 1, min(n_words, i + max_ngram)):
                    word = words[j]
                    if cjk[j] or (vocab is not None and word not in vocab):
                        break
                    joined += word
                    add((joined, offsets[i], offsets[j] + len(word)))
            i += 1
            continue
        run_end = i
        where: list[int] = []  # folded-text offset of each character of the run
        while run_end < n_words and cjk[run_end]:
            where.extend(range(offsets[run_end], offsets[run_end] + len(words[run_end])))
            run_end += 1
        run = "".join(words[i:run_end])
        for a in range(len(run)):
            if starts is not None and run[a : a + 2] not in starts:
                continue
            for b in range(a + 2, min(len(run), a + max_cjk) + 1):
                add((run[a:b], where[a], where[b - 1] + 1))
        if i and not cjk[i - 1]:
            for b in range(2, min(len(run), max_cjk) + 1):
                add((words[i - 1] + run[:b], offsets[i - 1], where[b - 1] + 1))
        if run_end < n_words:
            after = words[run_end]
            for a in range(max(0, len(run) - max_cjk), len(run) - 1):
                add((run[a:] + after, where[a], offsets[run_end] + len(after)))
            if after.isdigit() and run_end + 1 < n_words and cjk[run_end + 1]:
                nxt = words[run_end + 1]  # "北" + "24" + "条": a numbered place written across scripts
                for a in range(max(0, len(run) - 4), len(run)):
                    for b in range(1, min(len(nxt), 4) + 1):
                        add((run[a:] + after + nxt[:b], where[a], offsets[run_end + 1] + b))
        i = run_end
    return out


_KAKASI = None


@lru_cache(maxsize=65536)
def romanised_forms(text: str) -> frozenset[str]:
    """Latin keys of a Japanese or Korean place name, as English place tags write it ("札幌" -> "sapporo",
    "大阪" -> "osaka", "부산" -> "busan"), from pykakasi and hangul-romanize."""
    global _KAKASI
    folded = fold(text)
    if not folded or not is_cjk(folded[:1]):
        return frozenset()
    if _HANGUL.search(folded):
        from hangul_romanize import Transliter
        from hangul_romanize.rule import academic

        latin = Transliter(academic).translit(folded)
    else:
        if _KAKASI is None:
            import pykakasi

            _KAKASI = pykakasi.kakasi()
        latin = "".join(part["hepburn"] for part in _KAKASI.convert(folded))
    plain = key(latin)
    short = re.sub(r"(?<=o)u|(?<=o)o|(?<=u)u", "", plain)  # "toukyou" -> "tokyo", "oosaka" -> "osaka"
    return frozenset(k for k in (plain, short) if len(k) >= 3 and k.isascii())


def release_transliterators() -> None:
    """Drop pykakasi's dictionary (about 90 MB) once an index is built; it loads again if needed."""
    global _KAKASI
    if _KAKASI is not None:
        from pykakasi import kanji

        kanji.Kanwa._shared_state["_jisyo_table"] = None  # pykakasi keeps its dictionary in a class-wide dict
    _KAKASI = None
    romanised_forms.cache_clear()


def is_cjk(token: str) -> bool:
    return bool(_CJK.match(token))


def squeeze(text: str) -> str:
    """'sooold ouuuut' -> 'sold out' (three or more repeats of a Latin letter become one)."""
    return _ELONGATED.sub(r"\1", text)


@dataclass(frozen=True, slots=True)
class PostText:
    """A post's text in the forms triage reads."""

    original: str  # as posted
    folded: str  # NFKC, case-folded, Devanagari romanised, URLs removed, elongations squeezed
    words: list[str]  # tokens of `folded`
    offsets: list[int]  # where each word starts in `folded`
    mentions: list[str]  # @handles, folded
    hashtags: list[str]  # #tags, folded (without '#')
    script: str  # dominant script: latin, devanagari, hangul, kana


def script_of(text: str) -> str:
    counts = {
        "hangul": len(_HANGUL.findall(text)),
        "kana": len(_KANA.findall(text)) + len(_KANJI.findall(text)) // 2,
        "devanagari": len(_DEVANAGARI.findall(text)),
        "latin": len(_LATIN.findall(text)) // 3,
    }
    best = max(counts, key=lambda k: counts[k])
    return best if counts[best] else "latin"


def read_text(original: str) -> PostText:
    """Normalise a post's text once for all of triage."""
    nfkc = unicodedata.normalize("NFKC", original or "")
    without_urls = _URL.sub(" ", nfkc)
    mentions = [m.casefold() for m in _MENTION.findall(without_urls)]
    hashtags = [h.casefold() for h in _HASHTAG.findall(without_urls)]
    folded = _SCRIPT_SEAM.sub(" ", squeeze(fold(without_urls)))
    words, offsets = words_at(folded)
    return PostText(
        original=original or "",
        folded=folded,
        words=words,
        offsets=offsets,
        mentions=mentions,
        hashtags=hashtags,
        script=script_of(nfkc),
    )
