"""The Bluesky channel through atproto's AsyncClient against a fake XRPC server on loopback."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest

from restock_bot.channels.bluesky import (
    BlueskyAccessError,
    BlueskyApi,
    BlueskyPoller,
    BlueskyReplies,
    BlueskyUnavailable,
)
from restock_bot.clock import FixedClock
from restock_bot.config import BlueskySettings
from restock_bot.post import Author, Post
from tests.fakes.bluesky import APP_PASSWORD, FakeBluesky
from tests.fakes.memory import MemoryCursors, MemorySink

NOW = datetime(2026, 3, 9, 8, 0, tzinfo=UTC)
PRIYA = "did:plc:priyak5rwz3ufq2lhxnvo6ta"
REPORT = f"at://{PRIYA}/app.bsky.feed.post/3mgq2kfrl7c2a"
ANSWER = f"at://{PRIYA}/app.bsky.feed.post/3mgq2nyc5hs2d"
QUESTION = "at://did:plc:nibbobrand7kq3xw2uyj6m4d/app.bsky.feed.post/3mgq2lw6ybk2p"
ARJUN_POST = "at://did:plc:arjunm3fo7q4kxbz2nw6yslr/app.bsky.feed.post/3mgq3a2hqbc2k"


@pytest.fixture
async def fake_bsky() -> AsyncIterator[FakeBluesky]:
    async with FakeBluesky() as fake:
        yield fake


@pytest.fixture
async def api(fake_bsky: FakeBluesky) -> AsyncIterator[BlueskyApi]:
    bluesky = BlueskyApi(settings_for(fake_bsky), clock=FixedClock(NOW))
    yield bluesky
    await bluesky.close()


def settings_for(fake: FakeBluesky, **changes: object) -> BlueskySettings:
    values: dict[str, object] = {
        "handle": fake.handle,
        "app_password": APP_PASSWORD,
        "service_url": fake.base_url,
        "mode": "mentions,search",
        "query": "#NibboKahanHai",
    }
    return BlueskySettings.model_validate(values | changes)


async def test_mentions_and_replies_become_posts(fake_bsky, api, sink: MemorySink, cursors: MemoryCursors) -> None:
    await BlueskyPoller(api, sink, cursors).poll_mentions()

    assert sink.ids == [REPORT, ANSWER]  # oldest first; the like is no report
    report = sink.by_id(REPORT)
    assert report.channel == "bluesky"
    assert report.author == Author(PRIYA, "priya-k.bsky.social")
    assert report.text.startswith("@nibbo.bsky.social DMart Powai has had no Nibbo Peri Peri")
    assert (report.lang, report.created_at) == ("en", datetime(2026, 3, 9, 5, 52, 59, 41000, tzinfo=UTC))
    assert sink.by_id(ANSWER).in_reply_to == QUESTION  # read together with the bot's question by triage
    assert fake_bsky.called("app.bsky.notification.listNotifications")[0].query["reasons"] == ["mention", "reply"]
    assert fake_bsky.logins == 1


async def test_search_finds_posts_for_the_brands_terms(fake_bsky, api, sink, cursors) -> None:
    await BlueskyPoller(api, sink, cursors).poll_search()

    assert sink.ids == [REPORT, ARJUN_POST]
    search = fake_bsky.called("app.bsky.feed.searchPosts")[0]
    assert (search.query["q"], search.query["sort"]) == (["#NibboKahanHai"], ["latest"])


async def test_a_restart_neither_misses_nor_repeats_posts(fake_bsky, api, sink, cursors) -> None:
    await BlueskyPoller(api, sink, cursors).poll()
    newer = {
        "uri": f"at://{PRIYA}/app.bsky.feed.post/3mgq4b7kzrc2s",
        "cid": "bafyreiabtvhgpyvvhcxf4fhqgdbfw5rhlkx7mzpfcx3oqkkrwdsfwh2i4q",
        "author": {"did": PRIYA, "handle": "priya-k.bsky.social"},
        "record": {
            "$type": "app.bsky.feed.post",
            "createdAt": "2026-03-09T09:14:00.000Z",
            "langs": ["en"],
            "text": "@nibbo.bsky.social still no Nibbo at DMart Powai #NibboKahanHai",
        },
        "indexedAt": "2026-03-09T09:14:00.450Z",
        "labels": [],
    }
    fake_bsky.add_post(newer, reason="mention")

    restarted = BlueskyApi(settings_for(fake_bsky), clock=FixedClock(NOW))  # the inbox (sink) outlives it
    try:
        new = await BlueskyPoller(restarted, sink, cursors).poll()
    finally:
        await restarted.close()

    assert new == 1 and sink.ids == [REPORT, ANSWER, ARJUN_POST, newer["uri"]]
    since = fake_bsky.called("app.bsky.notification.listNotifications")[-1]
    assert "cursor" not in since.query  # one page reached the stored time: no paging back through history


async def test_a_reply_lands_in_the_posts_thread(fake_bsky, api) -> None:
    answer = Post(ANSWER, "The one in Powai", Author(PRIYA, "priya-k.bsky.social"), NOW, "bluesky", lang="en")

    reply_uri = await BlueskyReplies(api).reply(answer, "Thanks! Logged as ticket #1 for DMart Powai, Mumbai.")

    [created] = fake_bsky.created
    record = created["record"]
    assert created["repo"] == "did:plc:nibbobrand7kq3xw2uyj6m4d" and record["$type"] == "app.bsky.feed.post"
    assert record["text"] == "Thanks! Logged as ticket #1 for DMart Powai, Mumbai."
    assert record["reply"]["parent"]["uri"] == ANSWER  # the post answered
    assert record["reply"]["root"]["uri"] == REPORT  # the thread it belongs to
    assert record["reply"]["parent"]["cid"] == next(p["cid"] for p in fake_bsky.posts if p["uri"] == ANSWER)
    assert record["langs"] == ["en"]
    assert reply_uri is not None and reply_uri.startswith("at://did:plc:nibbobrand7kq3xw2uyj6m4d/app.bsky.feed.post/")


async def test_a_reply_to_a_thread_start_uses_it_as_root_and_parent(fake_bsky, api) -> None:
    report = Post(REPORT, "no Nibbo", Author(PRIYA, "priya-k.bsky.social"), NOW, "bluesky")

    await BlueskyReplies(api).reply(report, "Which DMart was it?")

    reply = fake_bsky.created[0]["record"]["reply"]
    assert reply["root"] == reply["parent"] and reply["parent"]["uri"] == REPORT


async def test_dry_run_posts_nothing(fake_bsky, api) -> None:
    report = Post(REPORT, "no Nibbo", Author(PRIYA), NOW, "bluesky")

    assert await BlueskyReplies(api, dry_run=True).reply(report, "Which DMart was it?") is None
    assert fake_bsky.created == [] and fake_bsky.calls == []


async def test_a_wrong_app_password_names_the_settings(fake_bsky, sink, cursors) -> None:
    api = BlueskyApi(settings_for(fake_bsky, app_password="main-password"), clock=FixedClock(NOW))
    try:
        with pytest.raises(BlueskyAccessError, match="bluesky.app_password"):
            await BlueskyPoller(api, sink, cursors).poll()
    finally:
        await api.close()


async def test_a_rate_limit_is_waited_out_until_its_reset(fake_bsky, api, sink, cursors) -> None:
    await api.my_did()
    reset = int(datetime(2026, 3, 9, 8, 5, tzinfo=UTC).timestamp())
    fake_bsky.fail_next(429, reset=reset)

    with pytest.raises(BlueskyUnavailable) as waiting:
        await BlueskyPoller(api, sink, cursors).poll()

    assert waiting.value.retry_at == datetime(2026, 3, 9, 8, 5, tzinfo=UTC)
    assert cursors.cursors == {}
    await BlueskyPoller(api, sink, cursors).poll()
    assert set(sink.ids) == {REPORT, ANSWER, ARJUN_POST}


async def test_server_errors_wait_a_round(fake_bsky, api, sink, cursors) -> None:
    await api.my_did()
    fake_bsky.fail_next(500)

    with pytest.raises(BlueskyUnavailable, match="did not answer list notifications"):
        await BlueskyPoller(api, sink, cursors).poll()
