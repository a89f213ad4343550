"""Bluesky posts as atproto hands them over (uri, author, record, indexedAt): a Post or a PostError naming the
field; a Post we take is stored and read back as the same post."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from hypothesis import example, given
from hypothesis import strategies as st

from restock_bot.channels.bluesky import post_of
from restock_bot.post import PostError
from tests.fuzz import tally
from tests.fuzz.checks import stored_and_read_back
from tests.fuzz.strategies import hostile_texts, iso_times, json_values

uris = st.one_of(st.just("at://did:plc:abc/app.bsky.feed.post/3k"), hostile_texts(60))
authors = st.builds(SimpleNamespace, did=st.one_of(st.just("did:plc:abc"), json_values), handle=json_values)
replies = st.one_of(st.none(), st.builds(lambda uri: SimpleNamespace(parent=SimpleNamespace(uri=uri)), json_values))


@st.composite
def records(draw: st.DrawFn) -> Any:
    fields = draw(
        st.fixed_dictionaries(
            {},
            optional={
                "text": st.one_of(hostile_texts(3000), json_values),
                "created_at": st.one_of(iso_times(), json_values),
                "langs": st.one_of(
                    st.lists(st.one_of(st.sampled_from(["en", "hi-IN", "ja"]), json_values)), json_values
                ),
                "reply": replies,
            },
        )
    )
    return SimpleNamespace(**fields)


@given(uri=uris, author=authors, record=records(), indexed_at=iso_times())
@example(  # lang "-1" became "", which the stored post reads back as no language
    uri="at://did:plc:abc/app.bsky.feed.post/3k",
    author=SimpleNamespace(did="did:plc:abc", handle=None),
    record=SimpleNamespace(langs=[-1]),
    indexed_at="2000-01-01T00:00:00+00:00",
)
@example(uri="", author=SimpleNamespace(did="d", handle="h"), record=SimpleNamespace(langs={}), indexed_at="x")
def test_any_bluesky_post_is_a_post_or_a_named_field(uri: str, author: Any, record: Any, indexed_at: str) -> None:
    try:
        post = post_of(uri, author, record, indexed_at)
    except PostError as exc:
        tally.rejected("bluesky: posts", str(exc))
        return
    stored_and_read_back(post)
    tally.accepted("bluesky: posts")
