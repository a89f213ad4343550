"""X's JSON (API v2 pages and stream lines, v1.1 Account Activity events): any shape is Posts, or a PostError
naming the field; a Post X gives us is stored and read back as the same post; no shape takes a listener down."""

from __future__ import annotations

import json
from typing import Any

import aiohttp
from aiohttp import web
from hypothesis import example, given, settings
from hypothesis import strategies as st
from pydantic import SecretStr

from restock_bot.channels.rate_limit import ClientRateLimit
from restock_bot.channels.x import XApi
from restock_bot.channels.x_activity import SIGNATURE_HEADER, X_WEBHOOK_PATH, XActivityWebhook, x_signature
from restock_bot.channels.x_posts import PageIncludes, newest_id, posts_of, tweet_to_post, v1_tweet_to_post
from restock_bot.channels.x_stream import XStream, _Connection
from restock_bot.config import XBudgetSettings, XSettings
from restock_bot.post import Post, PostError
from restock_bot.restock import RestockService
from tests.fuzz import tally
from tests.fuzz.checks import stored_and_read_back
from tests.fuzz.conftest import examples
from tests.fuzz.strategies import bodies, deep_json, hostile_texts, iso_times, json_values, wrong_or_missing

SECRET = "consumer-secret"

snowflakes = st.one_of(
    st.integers(0, 2**64).map(str), st.sampled_from(["-1", "9" * 40, "²", "0x10", ""]), hostile_texts(30)
)
v2_tweets = st.fixed_dictionaries(
    {},
    optional={
        "id": wrong_or_missing(snowflakes),
        "text": wrong_or_missing(hostile_texts(3000)),
        "note_tweet": wrong_or_missing(st.fixed_dictionaries({"text": hostile_texts(30_000)})),
        "author_id": wrong_or_missing(snowflakes),
        "created_at": wrong_or_missing(iso_times()),
        "lang": json_values,
        "geo": wrong_or_missing(
            st.fixed_dictionaries(
                {},
                optional={
                    "coordinates": wrong_or_missing(
                        st.fixed_dictionaries({"type": st.just("Point"), "coordinates": st.lists(json_values)})
                    ),
                    "place_id": json_values,
                },
            )
        ),
        "referenced_tweets": wrong_or_missing(
            st.lists(st.fixed_dictionaries({"type": json_values, "id": json_values}))
        ),
    },
)
v1_tweets = st.fixed_dictionaries(
    {},
    optional={
        "id_str": wrong_or_missing(snowflakes),
        "text": json_values,
        "extended_tweet": wrong_or_missing(st.fixed_dictionaries({"full_text": hostile_texts(30_000)})),
        "user": wrong_or_missing(
            st.fixed_dictionaries({}, optional={"id_str": snowflakes, "screen_name": json_values})
        ),
        "created_at": wrong_or_missing(
            st.sampled_from(
                ["Wed Oct 10 20:19:24 +0000 2018", "Mon Jan 01 00:00:00 +0100 0001", "Fri Dec 31 23:59:59 -0100 9999"]
            )
        ),
        "coordinates": json_values,
        "place": wrong_or_missing(st.fixed_dictionaries({"full_name": json_values})),
        "in_reply_to_status_id_str": json_values,
        "retweeted_status": json_values,
    },
)
pages = st.fixed_dictionaries(
    {},
    optional={
        "data": wrong_or_missing(st.lists(st.one_of(v2_tweets, json_values), max_size=5)),
        "includes": wrong_or_missing(
            st.fixed_dictionaries(
                {},
                optional={"users": wrong_or_missing(st.lists(json_values)), "places": st.lists(json_values)},
            )
        ),
    },
)


def kept(target: str, post: Post) -> None:
    """A Post from X is what the inbox stores and reads back (as the worker does before triage)."""
    stored_and_read_back(post)
    tally.accepted(target)


@given(st.one_of(v2_tweets, json_values))
def test_any_v2_tweet_is_a_post_or_a_named_field(tweet: Any) -> None:
    try:
        post = tweet_to_post(tweet, PageIncludes())
    except PostError as exc:
        tally.rejected("x: v2 tweets", str(exc))
        return
    kept("x: v2 tweets", post)


@given(st.one_of(v1_tweets, json_values))
def test_any_v1_tweet_is_a_post_or_a_named_field(tweet: Any) -> None:
    try:
        post = v1_tweet_to_post(tweet)
    except PostError as exc:
        tally.rejected("x: v1.1 tweets", str(exc))
        return
    kept("x: v1.1 tweets", post)


@given(pages, st.one_of(st.none(), snowflakes))
def test_any_page_gives_its_readable_posts(page: dict[str, Any], since_id: str | None) -> None:
    posts = posts_of(page)
    for post in posts:
        stored_and_read_back(post)
    if since_id is None or (since_id.isascii() and since_id.isdigit()):
        newest_id([page], since_id)
    (tally.accepted if posts else tally.tried)("x: pages")


async def _stream(service: RestockService, session: aiohttp.ClientSession) -> _Connection:
    settings = XSettings(bearer_token=SecretStr("token"), query="nibbo", budget=XBudgetSettings(posts_read=10**9))
    stream = XStream(XApi(settings, session), service, service)
    return _Connection(stream, "token")


@settings(max_examples=examples(0.4))
@given(
    st.one_of(
        pages.map(lambda p: {"data": p.get("data", {}), "includes": p.get("includes")}).map(json.dumps),
        st.fixed_dictionaries({"data": st.one_of(v2_tweets, json_values)}).map(json.dumps),
        hostile_texts(2000),
        deep_json(),
    ).map(lambda text: text.encode("utf-8", "surrogatepass"))
    | bodies()
)
@example(b'{"data": ' * 50_000)
@example(b'{"data": [1, "x", {"id": "1"}]}')
async def test_no_stream_line_ends_the_connection(service: RestockService, line: bytes) -> None:
    async with aiohttp.ClientSession() as session:
        connection = await _stream(service, session)
        await connection.on_data(line)
    tally.tried("x: stream lines")


@settings(max_examples=examples(0.3))
@given(
    st.one_of(
        st.fixed_dictionaries(
            {
                "for_user_id": json_values,
                "tweet_create_events": wrong_or_missing(st.lists(st.one_of(v1_tweets, json_values))),
            }
        ).map(lambda e: json.dumps(e).encode("utf-8", "surrogatepass")),
        bodies(),
    )
)
@example(b'{"tweet_create_events": 5}')
@example(b'{"tweet_create_events": [{"id_str": "1", "user": [1]}]}')
@example(b"[" * 100_000)
async def test_every_signed_event_gets_an_answer_never_a_500(
    aiohttp_client: Any, service: RestockService, body: bytes
) -> None:
    app = web.Application()
    app.add_routes(XActivityWebhook(service, SECRET, rate=ClientRateLimit(1e9)).routes())
    client = await aiohttp_client(app)
    headers = {SIGNATURE_HEADER: x_signature(SECRET, body), "Content-Type": "application/json"}
    response = await client.post(X_WEBHOOK_PATH, data=body, headers=headers)
    answer = await response.json()
    assert response.status < 500, answer
    if response.status == 200:
        for error in answer["errors"]:
            tally.rejected("x: activity tweets", error["error"])
        tally.accepted("x: activity events")
    else:
        assert answer["error"]
        tally.rejected("x: activity events", f"{response.status} {answer['error']}")
