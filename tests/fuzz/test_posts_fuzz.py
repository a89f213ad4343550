"""Posts from JSON lines and objects: any input is a Post or a PostError naming the field; good posts round-trip."""

from __future__ import annotations

import json
import re
from typing import Any

from hypothesis import example, given
from hypothesis import strategies as st

from restock_bot.post import Post, PostError, post_from_dict, post_from_json
from tests.fuzz import tally
from tests.fuzz.checks import stored_and_read_back
from tests.fuzz.strategies import deep_json, hostile_texts, json_values, post_dicts, valid_posts

FIELD_AT_FAULT = re.compile(
    r"^(?:post .*?: )?(?:id|text|author(?:\.id|\.username)?|created_at|lang|geo|place|in_reply_to|channel): "
    r"|^not JSON: |^expected a JSON object",
    re.DOTALL,
)


def read_or_reason(target: str, read: Any, value: Any) -> Post | None:
    """The Post read from `value`, or None after checking the PostError names what is wrong."""
    try:
        post = read(value)
    except PostError as exc:
        assert FIELD_AT_FAULT.match(str(exc)), f"the error names no field: {exc}"
        tally.rejected(target, str(exc))
        return None
    tally.accepted(target)
    return post


AT = "2026-03-02T09:15:00Z"


@given(st.one_of(post_dicts, json_values))
@example({"id": "1", "created_at": "0001-01-01T00:00:00+01:00"})  # no UTC time: crashed when stored
@example({"id": "1", "created_at": AT, "geo": {"lat": 10**400, "lon": 1}})  # OverflowError
@example({"id": "1", "created_at": AT, "text": "\ud800"})  # a lone surrogate: crashed when stored
@example({"id": "1", "created_at": AT, "author": {"id": ["x"]}})  # was stored as "['x']"
def test_any_object_is_a_post_or_a_named_field(data: Any) -> None:
    post = read_or_reason("posts: objects", post_from_dict, data)
    if post is not None:
        stored_and_read_back(post)


@given(st.one_of(post_dicts.map(json.dumps), hostile_texts(20_000), deep_json()))
@example("[" * 100_000)  # RecursionError
@example('{"id": ' + "9" * 5000 + "}")  # ValueError: over 4300 digits
def test_any_line_is_a_post_or_a_reason(line: str) -> None:
    post = read_or_reason("posts: JSON lines", post_from_json, line)
    if post is not None:
        stored_and_read_back(post)


@given(valid_posts())
@example({"id": "1", "text": "", "created_at": "0005-01-01T00:00:00Z", "author": {"id": "a", "username": ""}})
def test_a_good_post_round_trips(data: dict[str, Any]) -> None:
    post = post_from_json(json.dumps(data))
    tally.accepted("posts: valid round trip")
    assert post.id == data["id"] and post.text == data["text"]
    assert post.to_dict() == post_from_dict(post.to_dict(), post.channel).to_dict()
    stored_and_read_back(post)
