"""Hostile inputs: huge texts, lone surrogates, invalid UTF-8, RTL and zero-width characters, emoji sequences,
mixed scripts, deeply nested JSON, and objects with missing or wrong-typed fields."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from hypothesis import strategies as st

LONE_SURROGATES = ["\ud800", "\udbff", "\udc00", "\udfff"]
RTL = ["\u200f", "\u202e", "\u202b", "\u2067", "\u061c", "שלום", "مرحبا", "لا يوجد"]
ZERO_WIDTH = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad", "\u180e"]
EMOJI = ["👨\u200d👩\u200d👧\u200d👦", "🇮🇳", "👍🏽", "🏳️\u200d🌈", "1️⃣", "🫙", "😡" * 3, "\U0001f9d1\u200d\U0001f4bb"]
MIXED = ["नहीं मिला", "없어요", "ありません", "缺货", "Nibbo", "nibbo", "DMart", "Powai", "Mumbai", "Ηello", "Нibbo"]
CONTROL = ["\x00", "\r", "\r\n", "\t", "\x1b[31m", "\x7f", "\u2028", "\u2029", "\x85", "e\u0301\u0302\u0303"]
WORDS = ["no", "not", "out of stock", "khatam", "at", "@", "#", "RT @x", "http://x.y/z", "'", '"', ",", "|", "  ", "\n"]
SPECIALS = LONE_SURROGATES + RTL + ZERO_WIDTH + EMOJI + MIXED + CONTROL + WORDS

# Every code point hypothesis can draw, surrogates included (its default leaves them out).
any_character = st.characters(codec=None, exclude_categories=())
pieces = st.one_of(st.sampled_from(SPECIALS), st.text(any_character, max_size=8), st.text(max_size=12))


@st.composite
def huge_texts(draw: st.DrawFn, max_size: int = 1_000_000) -> str:
    """A text of up to `max_size` characters: a hostile piece repeated, then cut."""
    unit = "".join(draw(st.lists(pieces, min_size=1, max_size=6))) or "x"
    size = draw(st.integers(min_value=max_size // 2, max_value=max_size))
    return (unit * (size // len(unit) + 1))[:size]


def hostile_texts(max_size: int = 1_000_000) -> st.SearchStrategy[str]:
    """Short texts of mixed hostile pieces (most draws), and now and then one near `max_size` characters."""
    short = st.lists(pieces, max_size=20).map("".join)
    return st.one_of(short, short, short, st.text(any_character), huge_texts(max_size))


def clean_texts(**kwargs: Any) -> st.SearchStrategy[str]:
    """Any text that is valid Unicode (no lone surrogates): what a well-formed post may carry."""
    return st.text(st.characters(codec="utf-8"), **kwargs)


# Every JSON value, with the strings hostile; floats include NaN and the infinities (Python's json reads them).
json_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(2**70), max_value=2**70), st.floats(), hostile_texts(200)
)
json_values = st.recursive(
    json_scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(hostile_texts(20), inner, max_size=4)
)


@st.composite
def deep_json(draw: st.DrawFn, max_depth: int = 100_000) -> str:
    """Arrays or objects nested up to `max_depth` levels (100,000 by default), closed or not."""
    depth = draw(st.one_of(st.integers(1, 50), st.integers(900, max_depth), st.just(max_depth)))
    opener, closer = draw(st.sampled_from([("[", "]"), ('{"a":', "}"), ('{"id":"1","text":', "}")]))
    closed = draw(st.booleans())
    return opener * depth + ("1" + closer * depth if closed else "")


def wrong_or_missing(valid: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """A field's value: valid, or any JSON value at all (usually of the wrong type)."""
    return st.one_of(valid, json_values)


def iso_times() -> st.SearchStrategy[str]:
    """created_at as senders write it, from plain to odd to broken."""
    return st.one_of(
        st.datetimes(timezones=st.just(UTC)).map(lambda d: d.isoformat()),
        st.datetimes().map(lambda d: d.isoformat() + "Z"),
        st.datetimes(timezones=st.timezones()).map(lambda d: d.isoformat()),
        st.sampled_from(["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00", "yesterday", "", "2026-02-30"]),
        hostile_texts(40),
    )


post_fields = {
    "id": wrong_or_missing(st.one_of(clean_texts(min_size=1, max_size=30), st.integers())),
    "text": wrong_or_missing(hostile_texts(5000)),
    "created_at": wrong_or_missing(iso_times()),
    "author": wrong_or_missing(
        st.fixed_dictionaries({}, optional={"id": wrong_or_missing(clean_texts()), "username": json_values})
    ),
    "lang": wrong_or_missing(st.sampled_from(["en", "hi", "ja", "ko", "und"])),
    "geo": wrong_or_missing(
        st.fixed_dictionaries({}, optional={"lat": st.one_of(st.floats(), json_values), "lon": st.floats()})
    ),
    "place": wrong_or_missing(hostile_texts(100)),
    "in_reply_to": wrong_or_missing(clean_texts(max_size=20)),
    "channel": wrong_or_missing(st.sampled_from(["kiosk", "site", "webhook"])),
}
post_dicts = st.fixed_dictionaries({}, optional=post_fields)


@st.composite
def valid_posts(draw: st.DrawFn) -> dict[str, Any]:
    """A post in the documented shape with every field right, at a whole second (the shape keeps seconds)."""
    when = draw(st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30)))
    data: dict[str, Any] = {
        "id": draw(clean_texts(min_size=1, max_size=40).filter(str.strip)),
        "text": draw(clean_texts(max_size=2000)),
        "created_at": when.replace(microsecond=0).isoformat() + "Z",
        "author": {"id": draw(clean_texts(min_size=1, max_size=20)), "username": draw(clean_texts(max_size=20))},
    }
    optional = {
        "lang": st.sampled_from(["en", "hi", "ja", "ko"]),
        "geo": st.builds(
            lambda lat, lon: {"lat": lat, "lon": lon},
            st.floats(min_value=-90, max_value=90),
            st.floats(min_value=-180, max_value=180),
        ),
        "place": clean_texts(min_size=1, max_size=60),
        "in_reply_to": clean_texts(min_size=1, max_size=20),
    }
    data.update(draw(st.fixed_dictionaries({}, optional=optional)))
    return data


def _dumps(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False).encode("utf-8", "surrogatepass")


INVALID_UTF8 = [b"\xff", b"\xfe\xff", b"\xc3\x28", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\xe2\x82", b"\x80\x80"]


@st.composite
def bodies(draw: st.DrawFn, max_size: int = 1 << 20) -> bytes:
    """Request bodies: JSON of posts (good, bad, wrong-typed), deep nesting, invalid UTF-8, cut JSON, noise, and
    bodies around `max_size` bytes."""
    kind = draw(st.sampled_from(["posts", "post", "value", "deep", "utf8", "cut", "noise", "huge"]))
    if kind == "posts":
        return _dumps(draw(st.lists(st.one_of(post_dicts, valid_posts(), json_values), max_size=6)))
    if kind == "post":
        return _dumps(draw(st.one_of(post_dicts, valid_posts())))
    if kind == "value":
        return _dumps(draw(json_values))
    if kind == "deep":
        return draw(deep_json()).encode()
    if kind == "utf8":
        good = _dumps(draw(valid_posts()))
        at = draw(st.integers(min_value=0, max_value=len(good)))
        return good[:at] + draw(st.sampled_from(INVALID_UTF8)) + good[at:]
    if kind == "cut":
        good = _dumps(draw(st.lists(valid_posts(), min_size=1, max_size=3)))
        return good[: draw(st.integers(min_value=0, max_value=len(good) - 1))]
    if kind == "noise":
        return draw(st.binary(max_size=2000))
    size = draw(st.integers(min_value=max_size - 64, max_value=max_size + 64))
    filler = "x" * max(0, size - 60)
    return _dumps({"id": "big", "text": filler, "created_at": "2026-03-02T09:15:00Z"})
