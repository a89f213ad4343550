"""The X channel against a fake X API on loopback: tweepy speaks real HTTP, the fake answers recorded ones."""

from __future__ import annotations

from datetime import UTC, datetime

import aiohttp
import pytest

from restock_bot.channels.x import XApi, XCredentialsError, XPoller, XReplies, XUnavailable
from restock_bot.clock import FixedClock
from restock_bot.config import XSettings
from restock_bot.post import Author, GeoPoint, Post
from restock_bot.retry import RetryPolicy
from tests.fakes.memory import MemorySink, RecordedSleeps
from tests.fakes.x_api import FakeXApi

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
QUERY = "restock"
SEARCH_CURSOR = f"x:search:{QUERY}"
HUNTSVILLE = "1377650277642338305"  # stream tweet with exact geo.coordinates
BOURNEMOUTH_REPLY = "1377650093109743620"  # stream tweet replying to another
BERLIN = "1501963039859363843"  # the expanded lookup tweet, text with &amp;
RECORDED_SEARCH = "1578522108187283456"  # default-fields search tweet: "2022-10-07 23:06:12.640564 tweepy"
NEWEST = "1578522194770296832"


def x_settings(fake: FakeXApi, **changes: object) -> XSettings:
    """Read-only settings (bearer token only) pointing tweepy at the fake."""
    values: dict[str, object] = {"bearer_token": "test-bearer", "query": QUERY, "api_base": fake.base_url}
    return XSettings.model_validate(values | changes)


def with_user_keys(fake: FakeXApi, **changes: object) -> XSettings:
    keys = {"consumer_key": "ck", "consumer_secret": "cs", "access_token": "at", "access_token_secret": "ats"}
    return x_settings(fake, **keys, **changes)


def x_api(settings: XSettings, http: aiohttp.ClientSession, sleeps: RecordedSleeps, attempts: int = 5) -> XApi:
    policy = RetryPolicy(attempts=attempts, base_delay=1.0, max_delay=30.0)
    return XApi(settings, http, retry=policy, sleep=sleeps, clock=FixedClock(NOW))


def a_post(post_id: str = HUNTSVILLE) -> Post:
    return Post(
        id=post_id,
        text="no Munchu at Sharma",
        author=Author("238869624", "dreasaurusrex92"),
        created_at=NOW,
        channel="x",
    )


async def test_poll_turns_recorded_tweets_into_posts(fake_x, http, sink, cursors, sleeps) -> None:
    poller = XPoller(x_api(x_settings(fake_x), http, sleeps), sink, cursors, QUERY)

    new = await poller.poll()

    assert new == len(fake_x.search_tweets) == 18
    huntsville = sink.by_id(HUNTSVILLE)
    assert huntsville.channel == "x"
    assert huntsville.author == Author("238869624", "dreasaurusrex92")
    assert huntsville.place == "Huntsville, AL"
    assert huntsville.geo == GeoPoint(lat=34.75192228, lon=-86.58216981)
    assert huntsville.created_at == datetime(2021, 4, 1, 15, 53, 16, tzinfo=UTC)
    assert huntsville.lang == "en"
    reply = sink.by_id(BOURNEMOUTH_REPLY)
    assert (reply.in_reply_to, reply.place, reply.geo) == (
        "1377266697850257410",
        "Bournemouth, England",
        None,
    )
    berlin = sink.by_id(BERLIN)
    assert "Fields & Expansions" in berlin.text
    assert (berlin.author.username, berlin.place) == ("IgorBrigadir", "Berlin, Germany")


async def test_tweet_without_created_at_gets_the_time_in_its_id(fake_x, http, sink, cursors, sleeps) -> None:
    await XPoller(x_api(x_settings(fake_x), http, sleeps), sink, cursors, QUERY).poll()

    recorded = sink.by_id(RECORDED_SEARCH)
    assert recorded.created_at.replace(microsecond=0) == datetime(2022, 10, 7, 23, 6, 12, tzinfo=UTC)
    assert recorded.author.id == "" and recorded.geo is None


async def test_poll_asks_for_the_expansions_and_fields_triage_reads(fake_x, http, sink, cursors, sleeps) -> None:
    await XPoller(x_api(x_settings(fake_x), http, sleeps), sink, cursors, QUERY).poll()

    query = fake_x.seen("/2/tweets/search/recent")[0].query
    assert query["query"] == QUERY
    assert query["expansions"].split(",") == ["author_id", "geo.place_id", "referenced_tweets.id"]
    assert {
        "created_at",
        "lang",
        "geo",
        "conversation_id",
        "referenced_tweets",
        "in_reply_to_user_id",
    } <= set(query["tweet.fields"].split(","))
    assert query["user.fields"] == "username"
    assert set(query["place.fields"].split(",")) == {"full_name", "geo"}


async def test_one_poll_follows_every_page(fake_x, http, sink, cursors, sleeps) -> None:
    await XPoller(x_api(x_settings(fake_x), http, sleeps), sink, cursors, QUERY).poll()

    searches = fake_x.seen("/2/tweets/search/recent")
    assert len(searches) == 6  # 18 tweets, 3 a page
    assert [s.query.get("next_token") for s in searches] == [None, "3", "6", "9", "12", "15"]
    assert len(sink.posts) == 18


async def test_restart_resumes_from_the_stored_since_id(fake_x, http, sink, cursors, sleeps) -> None:
    await XPoller(x_api(x_settings(fake_x), http, sleeps), sink, cursors, QUERY).poll()
    assert cursors.cursors[SEARCH_CURSOR] == NEWEST
    fresh_tweet = {
        "id": "1790000000000000001",
        "text": "no Munchu at Sharma General Store &gt;:(",
        "author_id": "42",
        "created_at": "2026-03-02T09:15:00.000Z",
        "lang": "en",
    }
    fake_x.add_search_tweet(fresh_tweet, {"users": [{"id": "42", "name": "Priya", "username": "priya_k"}]})

    after_restart = MemorySink()
    async with aiohttp.ClientSession() as new_session:
        restarted = XPoller(x_api(x_settings(fake_x), new_session, sleeps), after_restart, cursors, QUERY)
        new = await restarted.poll()

    assert new == 1
    assert after_restart.ids == ["1790000000000000001"]
    assert after_restart.by_id("1790000000000000001").text == "no Munchu at Sharma General Store >:("
    assert after_restart.by_id("1790000000000000001").author.username == "priya_k"
    assert fake_x.seen("/2/tweets/search/recent")[-1].query["since_id"] == NEWEST
    assert cursors.cursors[SEARCH_CURSOR] == "1790000000000000001"


async def test_quiet_poll_keeps_the_cursor(fake_x, http, sink, cursors, sleeps) -> None:
    cursors.cursors[SEARCH_CURSOR] = "1790000000000000099"

    new = await XPoller(x_api(x_settings(fake_x), http, sleeps), sink, cursors, QUERY).poll()

    assert new == 0
    assert cursors.cursors[SEARCH_CURSOR] == "1790000000000000099"


async def test_rate_limited_poll_waits_until_the_reset_then_succeeds(fake_x, http, sink, cursors, sleeps) -> None:
    fake_x.fail_next(429, reset=int(NOW.timestamp()) + 90)

    new = await XPoller(x_api(x_settings(fake_x), http, sleeps), sink, cursors, QUERY).poll()

    assert sleeps.waits == [90.0]
    assert new == 18


async def test_server_errors_back_off_then_succeed(fake_x, http, sink, cursors, sleeps) -> None:
    fake_x.fail_next(503, times=2)

    new = await XPoller(x_api(x_settings(fake_x), http, sleeps), sink, cursors, QUERY).poll()

    assert sleeps.waits == [1.0, 2.0]
    assert new == 18


async def test_x_down_through_every_retry_leaves_the_cursor_alone(fake_x, http, sink, cursors, sleeps) -> None:
    fake_x.fail_next(503, times=3)
    poller = XPoller(x_api(x_settings(fake_x), http, sleeps, attempts=3), sink, cursors, QUERY)

    with pytest.raises(XUnavailable, match="recent search after 3 tries"):
        await poller.poll()

    assert sleeps.waits == [1.0, 2.0]
    assert cursors.cursors == {} and sink.posts == {}


async def test_wrong_bearer_token_is_fatal_and_names_the_setting(fake_x, http, sink, cursors, sleeps) -> None:
    settings = x_settings(fake_x, bearer_token="revoked")

    with pytest.raises(XCredentialsError, match="RESTOCK_BOT_X__BEARER_TOKEN"):
        await XPoller(x_api(settings, http, sleeps), sink, cursors, QUERY).poll()

    assert sleeps.waits == []


async def test_mentions_are_polled_with_user_keys(fake_x, http, sink, cursors, sleeps) -> None:
    poller = XPoller(x_api(with_user_keys(fake_x), http, sleeps), sink, cursors, QUERY)

    await poller.poll()

    me = fake_x.me["id"]
    assert fake_x.seen(f"/2/users/{me}/mentions")
    assert {"1578522401263919106", "1578522395434192896"} <= set(sink.ids)
    assert cursors.cursors[f"x:mentions:{me}"] == "1578522401263919106"


async def test_the_bots_own_tweets_are_not_taken_as_reports(fake_x, http, sink, cursors, sleeps) -> None:
    fake_x.add_search_tweet(
        {
            "id": "1790000000000000002",
            "text": "Which store was it?",
            "author_id": fake_x.me["id"],
            "created_at": "2026-03-02T09:16:00.000Z",
        }
    )

    await XPoller(x_api(with_user_keys(fake_x), http, sleeps), sink, cursors, QUERY).poll()

    assert "1790000000000000002" not in sink.ids
    assert cursors.cursors[SEARCH_CURSOR] == "1790000000000000002"


async def test_reply_goes_out_through_create_tweet(fake_x, http, sleeps) -> None:
    replies = XReplies(x_api(with_user_keys(fake_x), http, sleeps))

    reply_id = await replies.reply(a_post(), "Sorry! Which Sharma store was it?")

    assert fake_x.posted == [
        {"text": "Sorry! Which Sharma store was it?", "reply": {"in_reply_to_tweet_id": HUNTSVILLE}}
    ]
    assert reply_id == "1522929456142245889"
    assert fake_x.seen("/2/tweets")[-1].auth == "OAuth"


async def test_dry_run_posts_nothing(fake_x, http, sleeps) -> None:
    replies = XReplies(x_api(with_user_keys(fake_x, dry_run=True), http, sleeps), dry_run=True)

    assert await replies.reply(a_post(), "Sorry! Which store?") is None
    assert fake_x.posted == []
    assert fake_x.requests == []


async def test_reply_with_wrong_user_keys_names_them(fake_x, http, sleeps) -> None:
    replies = XReplies(x_api(with_user_keys(fake_x), http, sleeps))
    fake_x.fail_next(401)

    with pytest.raises(XCredentialsError, match="consumer_key"):
        await replies.reply(a_post(), "Sorry! Which store?")
