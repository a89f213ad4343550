"""Triage on any text: a Decision every time, the same Decision every time, and only stores and products that exist.
Texts include a megabyte, lone surrogates, RTL marks, zero-width joiners, mixed scripts and emoji sequences."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import example, given, settings
from hypothesis import strategies as st

from restock_bot.post import Author, GeoPoint, Post
from restock_bot.triage.decide import Triage
from restock_bot.triage.decision import Action, Decision
from tests.fuzz import tally
from tests.fuzz.conftest import examples
from tests.fuzz.strategies import LONE_SURROGATES, hostile_texts

geo_points = st.one_of(
    st.none(),
    st.builds(GeoPoint, st.floats(-90, 90), st.floats(-180, 180)),
    st.sampled_from([GeoPoint(19.1176, 72.9060), GeoPoint(90, 180), GeoPoint(-90, -180), GeoPoint(0, 0)]),
)


def a_post(text: str, post_id: str = "1", author: str = "shopper", **fields: object) -> Post:
    # Post itself refuses lone surrogates (they cannot be stored): build it as the triage of a raw string needs.
    post = Post.__new__(Post)
    values = {
        "id": post_id,
        "text": text,
        "author": Author(author, author),
        "created_at": datetime(2026, 3, 10, 9, 0, tzinfo=UTC),
        "channel": "fuzz",
        "lang": None,
        "geo": None,
        "place": None,
        "in_reply_to": None,
        "raw": {},
    }
    values.update(fields)
    for name, value in values.items():
        object.__setattr__(post, name, value)
    return post


def sound(triage: Triage, decision: Decision) -> None:
    assert isinstance(decision, Decision) and decision.action in Action
    assert decision.reasons and all(isinstance(r, str) for r in decision.reasons)
    if decision.store_id is not None:
        assert decision.store_id in triage.index.stores.by_id()
    if decision.sku is not None:
        assert decision.sku in triage.catalogue.products
    assert (decision.action == Action.TICKET) == (decision.store_id is not None and decision.stockout)


@settings(max_examples=examples(0.5))
@given(text=hostile_texts(), geo=geo_points)
@example(text="no Nibbo at DMart Powai " * 45_000, geo=None)
@example(text="".join(LONE_SURROGATES) + " Nibbo nahi mila \u202eDMart\u202c 👨\u200d👩\u200d👧", geo=None)
@example(text="\u200f\u200d\u200b" * 300_000, geo=GeoPoint(19.1, 72.9))
def test_triage_decides_any_text_and_always_the_same_way(real_triage: Triage, text: str, geo: GeoPoint | None) -> None:
    post = a_post(text, geo=geo)
    decision = real_triage.decide(post)
    sound(real_triage, decision)
    assert real_triage.decide(post) == decision
    tally.outcome("triage", decision.action.value)


@settings(max_examples=examples(0.5))
@given(text=hostile_texts(20_000), parent_text=hostile_texts(20_000), same_author=st.booleans())
def test_triage_decides_any_reply_with_its_parent(
    real_triage: Triage, text: str, parent_text: str, same_author: bool
) -> None:
    parent = a_post(parent_text, post_id="0")
    post = a_post(text, author="shopper" if same_author else "other", in_reply_to="0")
    decision = real_triage.decide(post, parent)
    sound(real_triage, decision)
    assert real_triage.decide(post, parent) == decision
    tally.outcome("triage: replies", decision.action.value)
