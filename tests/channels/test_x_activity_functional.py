"""X's Account Activity webhooks at /hooks/x, over a real aiohttp server: the CRC check, signed events only."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any

import pytest
from aiohttp import web

from restock_bot.channels.x_activity import SIGNATURE_HEADER, X_WEBHOOK_PATH, XActivityWebhook
from restock_bot.post import GeoPoint
from tests.fakes.memory import MemorySink

CONSUMER_SECRET = "consumer-secret-of-the-app"
BOT = "1519013735512313856"


def v1_tweet(tweet_id: str, text: str, user_id: str = "141834703", **changes: Any) -> dict[str, Any]:
    """A v1.1 tweet as Account Activity delivers it (trimmed to the fields the bot reads, plus a few)."""
    tweet = {
        "created_at": "Mon Mar 09 05:52:59 +0000 2026",
        "id": int(tweet_id),
        "id_str": tweet_id,
        "text": text,
        "source": '<a href="https://mobile.twitter.com" rel="nofollow">Twitter Web App</a>',
        "truncated": False,
        "in_reply_to_status_id": None,
        "in_reply_to_status_id_str": None,
        "in_reply_to_user_id_str": None,
        "user": {"id": int(user_id), "id_str": user_id, "name": "Priya", "screen_name": "priya_k"},
        "geo": None,
        "coordinates": None,
        "place": None,
        "is_quote_status": False,
        "entities": {"hashtags": [], "urls": [], "user_mentions": [], "symbols": []},
        "lang": "en",
        "timestamp_ms": "1773035579000",
    }
    return tweet | changes


def signed(body: bytes, secret: str = CONSUMER_SECRET) -> dict[str, str]:
    digest = hmac.new(secret.encode(), body, hashlib.sha256).digest()
    return {SIGNATURE_HEADER: "sha256=" + base64.b64encode(digest).decode(), "Content-Type": "application/json"}


@pytest.fixture
async def hooks(aiohttp_client, sink):
    webhook = XActivityWebhook(sink, CONSUMER_SECRET)
    app = web.Application()
    app.add_routes(webhook.routes())
    return webhook, await aiohttp_client(app)


async def test_the_crc_check_is_answered_with_the_signed_token(hooks) -> None:
    _, client = hooks

    response = await client.get(X_WEBHOOK_PATH, params={"crc_token": "challenge-123"})

    expected = hmac.new(CONSUMER_SECRET.encode(), b"challenge-123", hashlib.sha256).digest()
    assert response.status == 200
    assert await response.json() == {"response_token": "sha256=" + base64.b64encode(expected).decode()}
    assert (await client.get(X_WEBHOOK_PATH)).status == 400


async def test_a_signed_mention_becomes_a_post(hooks, sink: MemorySink) -> None:
    webhook, client = hooks
    long_text = "DMart Powai has had no Nibbo Peri Peri for a week now &amp; nobody restocks #NibboKahanHai"
    mention = v1_tweet(
        "1900000000000000001",
        long_text[:60],
        truncated=True,
        extended_tweet={"full_text": long_text},
        coordinates={"type": "Point", "coordinates": [72.9052, 19.1176]},
        place={"id": "1b8680cd52a711cb", "full_name": "Powai, Mumbai", "country_code": "IN"},
    )
    body = json.dumps({"for_user_id": BOT, "user_has_blocked": False, "tweet_create_events": [mention]}).encode()

    response = await client.post(X_WEBHOOK_PATH, data=body, headers=signed(body))

    assert response.status == 200
    assert (await response.json())["accepted"] == ["1900000000000000001"]
    post = sink.by_id("1900000000000000001")
    assert post.text.endswith("& nobody restocks #NibboKahanHai")
    assert (post.channel, post.author.username, post.author.id) == ("x", "priya_k", "141834703")
    assert (post.place, post.geo) == ("Powai, Mumbai", GeoPoint(lat=19.1176, lon=72.9052))
    assert post.created_at.isoformat() == "2026-03-09T05:52:59+00:00"
    assert webhook.counts() == {"accepted": 1, "duplicates": 0, "refused": 0, "replayed": 0}


async def test_unsigned_and_badly_signed_events_are_refused_and_counted(hooks, sink: MemorySink) -> None:
    webhook, client = hooks
    body = json.dumps({"for_user_id": BOT, "tweet_create_events": [v1_tweet("1900000000000000002", "hi")]}).encode()

    unsigned = await client.post(X_WEBHOOK_PATH, data=body, headers={"Content-Type": "application/json"})
    forged = await client.post(X_WEBHOOK_PATH, data=body, headers=signed(body, secret="guessed"))
    tampered = await client.post(X_WEBHOOK_PATH, data=body + b" ", headers=signed(body))

    assert (unsigned.status, forged.status, tampered.status) == (401, 401, 401)
    assert SIGNATURE_HEADER in (await unsigned.json())["error"]
    assert sink.posts == {} and webhook.refused == 3


async def test_the_bots_own_tweets_retweets_and_redeliveries_are_not_new_reports(hooks, sink: MemorySink) -> None:
    webhook, client = hooks
    report = v1_tweet("1900000000000000003", "No Nibbo at DMart Powai")
    own = v1_tweet("1900000000000000004", "Logged as ticket #1", user_id=BOT)
    retweet = v1_tweet("1900000000000000005", "RT @priya_k: No Nibbo", retweeted_status=report)
    body = json.dumps({"for_user_id": BOT, "tweet_create_events": [report, own, retweet]}).encode()

    other = json.dumps({"for_user_id": BOT, "user_has_blocked": False, "tweet_create_events": [report]}).encode()

    first = await client.post(X_WEBHOOK_PATH, data=body, headers=signed(body))
    again = await client.post(X_WEBHOOK_PATH, data=body, headers=signed(body))  # X delivers the same event again
    echoed = await client.post(X_WEBHOOK_PATH, data=other, headers=signed(other))  # the tweet in another event

    assert (await first.json())["accepted"] == ["1900000000000000003"]
    assert (again.status, (await again.json())["replayed"]) == (200, True)
    assert (await echoed.json())["duplicates"] == ["1900000000000000003"]
    assert sink.ids == ["1900000000000000003"]
    assert webhook.counts() == {"accepted": 1, "duplicates": 1, "refused": 0, "replayed": 1}


async def test_other_account_activity_is_acknowledged_and_ignored(hooks, sink: MemorySink) -> None:
    _, client = hooks
    body = json.dumps({"for_user_id": BOT, "favorite_events": [{"id": "a1", "favorited_status": {}}]}).encode()

    response = await client.post(X_WEBHOOK_PATH, data=body, headers=signed(body))

    assert response.status == 200 and sink.posts == {}
