"""X's faults and the budget, over real HTTP to the fake X API: the bot waits, backs off, names the setting to
fix, never spins, and loses no post and takes none twice whatever goes wrong half-way through a poll."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import aiohttp
import pytest

from restock_bot.channels.x import XApi, XError, XPlanError, XPoller, XReplies, XUnavailable
from restock_bot.channels.x_budget import USAGE_KEY, XBudget
from restock_bot.channels.x_errors import XBudgetSpent
from restock_bot.clock import FixedClock
from restock_bot.config import XBudgetSettings, XSettings
from restock_bot.retry import RetryPolicy
from tests.channels.test_x_functional import HUNTSVILLE, NOW, QUERY, SEARCH_CURSOR, a_post
from tests.fakes.memory import MemoryCursors, MemorySink, RecordedSleeps
from tests.fakes.x_api import FakeXApi

SEARCH = "/2/tweets/search/recent"
ALL_SEARCH_IDS = 18


def settings_for(fake: FakeXApi, *, user_keys: bool = True, **changes: object) -> XSettings:
    keys = {"consumer_key": "ck", "consumer_secret": "cs", "access_token": "at", "access_token_secret": "ats"}
    values: dict[str, object] = {"bearer_token": "test-bearer", "query": QUERY, "api_base": fake.base_url}
    return XSettings.model_validate(values | (keys if user_keys else {}) | changes)


def api_for(
    settings: XSettings,
    http: aiohttp.ClientSession,
    sleeps: RecordedSleeps,
    clock: FixedClock | None = None,
    attempts: int = 5,
) -> XApi:
    policy = RetryPolicy(attempts=attempts, base_delay=1.0, max_delay=30.0)
    rate_limited = RetryPolicy(attempts=attempts, base_delay=15.0, max_delay=900.0)
    clock = clock or FixedClock(NOW)
    return XApi(settings, http, retry=policy, rate_limit_retry=rate_limited, sleep=sleeps, clock=clock)


def search_poller(api: XApi, sink: MemorySink, cursors: MemoryCursors) -> XPoller:
    return XPoller(api, sink, cursors, QUERY, mentions=False)


async def test_429_without_a_reset_time_backs_off_instead_of_retrying_at_once(
    fake_x, http, sink, cursors, sleeps
) -> None:
    fake_x.fail_next(429, times=2)

    new = await search_poller(api_for(settings_for(fake_x), http, sleeps), sink, cursors).poll()

    assert sleeps.waits == [15.0, 30.0]
    assert new == ALL_SEARCH_IDS


async def test_429_resetting_far_away_ends_the_round_with_the_time_to_come_back(
    fake_x, http, sink, cursors, sleeps
) -> None:
    reset = NOW + timedelta(hours=2)
    fake_x.fail_next(429, reset=int(reset.timestamp()), path=SEARCH)

    with pytest.raises(XUnavailable) as waiting:
        await search_poller(api_for(settings_for(fake_x), http, sleeps), sink, cursors).poll()

    assert waiting.value.retry_at == reset
    assert sleeps.waits == [] and len(fake_x.seen(SEARCH)) == 1


async def test_an_html_503_is_backed_off_like_any_5xx(fake_x, http, sink, cursors, sleeps) -> None:
    fake_x.fail_next(503, times=2, html=True)

    new = await search_poller(api_for(settings_for(fake_x), http, sleeps), sink, cursors).poll()

    assert sleeps.waits == [1.0, 2.0]
    assert new == ALL_SEARCH_IDS


async def test_a_slow_answer_times_out_and_is_tried_again(fake_x, http, sink, cursors, sleeps) -> None:
    fake_x.answer_slowly(path=SEARCH)
    api = api_for(settings_for(fake_x, request_timeout_seconds=0.2), http, sleeps)

    new = await search_poller(api, sink, cursors).poll()

    assert sleeps.waits == [1.0]
    assert new == ALL_SEARCH_IDS


async def test_out_of_credits_names_the_billing_setting(fake_x, http, sink, cursors, sleeps) -> None:
    fake_x.fail_next(402)

    with pytest.raises(XPlanError, match=r"402 Payment Required.*credits.*x\.budget"):
        await search_poller(api_for(settings_for(fake_x), http, sleeps), sink, cursors).poll()

    assert sleeps.waits == []


async def test_a_plan_without_search_names_the_plan_and_x_mode(fake_x, http, sink, cursors, sleeps) -> None:
    fake_x.fail_next(403, path=SEARCH)

    with pytest.raises(XPlanError, match=r"403: When authenticating.*plan.*x\.mode"):
        await search_poller(api_for(settings_for(fake_x), http, sleeps), sink, cursors).poll()


FAR_RESET = int((NOW + timedelta(hours=1)).timestamp())
FAULTS = {  # how page 3 of 6 fails, for as many tries as the round has
    "429 without reset": {"status": 429, "times": 2},
    "429 resetting in an hour": {"status": 429, "reset": FAR_RESET},
    "503 as an HTML page": {"status": 503, "times": 2, "html": True},
    "503 as JSON": {"status": 503, "times": 2},
    "401 until the token is fixed": {"status": 401},
    "402 until credits are bought": {"status": 402},
    "no answer in time": {"slow": True, "times": 2},
}


@pytest.mark.parametrize("fault", list(FAULTS))
async def test_no_post_is_lost_or_taken_twice_when_x_fails_half_way(fault: str, fake_x, http, sleeps) -> None:
    """The round fails on page 3 of 6 and gives up; the next round, after a restart, reads the rest."""
    spoil = dict(FAULTS[fault])
    if spoil.pop("slow", False):
        fake_x.answer_slowly(times=int(spoil["times"]), path=SEARCH, after=2)
    else:
        fake_x.fail_next(int(spoil.pop("status")), path=SEARCH, after=2, **spoil)  # type: ignore[arg-type]
    cursors = MemoryCursors()
    first_round = MemorySink()
    settings = settings_for(fake_x, request_timeout_seconds=0.2)

    with pytest.raises(XError):
        await search_poller(api_for(settings, http, sleeps, attempts=2), first_round, cursors).poll()

    assert len(first_round.ids) == 6  # the two pages read were kept
    assert SEARCH_CURSOR not in cursors.cursors  # but the cursor waits for the whole set
    after_restart = MemorySink()
    async with aiohttp.ClientSession() as new_session:
        await search_poller(api_for(settings, new_session, sleeps), after_restart, cursors).poll()
    assert len(set(first_round.ids) | set(after_restart.ids)) == ALL_SEARCH_IDS
    assert cursors.cursors[SEARCH_CURSOR] == "1578522194770296832"
    quiet = MemorySink()
    await search_poller(api_for(settings, http, sleeps), quiet, cursors).poll()
    assert quiet.ids == []  # nothing is handed over again once the cursor moved
    assert all(wait >= 1.0 for wait in sleeps.waits)  # never an immediate retry


async def test_the_read_budget_stops_a_poll_and_the_next_window_finishes_it(fake_x, http, sink, sleeps) -> None:
    cursors = MemoryCursors()
    clock = FixedClock(NOW)
    settings = settings_for(fake_x, user_keys=False, budget=XBudgetSettings(read_requests=3, posts_read=1000))
    api = api_for(settings, http, sleeps, clock=clock)

    with pytest.raises(XBudgetSpent, match="3 of 3 read requests") as spent:
        await search_poller(api, sink, cursors).poll()

    assert len(fake_x.seen(SEARCH)) == 3 and len(sink.ids) == 9
    assert api.budget.usage()["read_requests"] == {"used": 3, "limit": 3}
    assert spent.value.retry_at == datetime(2026, 3, 3, tzinfo=UTC)
    clock.advance(timedelta(days=1))
    await search_poller(api, sink, cursors).poll()
    assert len(sink.ids) == ALL_SEARCH_IDS
    assert sleeps.waits == []


async def test_pages_shrink_to_the_posts_left_in_the_budget(fake_x, http, sink, cursors, sleeps) -> None:
    settings = settings_for(fake_x, user_keys=False, budget=XBudgetSettings(posts_read=12))
    api = api_for(settings, http, sleeps)

    with pytest.raises(XBudgetSpent, match="3 of 12 posts read"):
        await XPoller(api, sink, cursors, QUERY, page_size=100, mentions=False).poll()

    assert [request.query["max_results"] for request in fake_x.seen(SEARCH)] == ["12"]  # then 9 left: < 10
    assert api.budget.usage()["posts_read"]["used"] == 3


async def test_replies_stop_at_the_create_budget(fake_x, http, sleeps) -> None:
    api = api_for(settings_for(fake_x, budget=XBudgetSettings(posts_created=1)), http, sleeps)
    replies = XReplies(api)

    await replies.reply(a_post(), "Logged as ticket #1")
    with pytest.raises(XBudgetSpent, match="1 of 1 posts created"):
        await replies.reply(a_post("1377650387579248643"), "Logged as ticket #2")

    assert [p["reply"]["in_reply_to_tweet_id"] for p in fake_x.posted] == [HUNTSVILLE]


async def test_a_refused_reply_does_not_use_the_budget(fake_x, http, sleeps) -> None:
    api = api_for(settings_for(fake_x), http, sleeps)
    fake_x.fail_next(503, times=5)

    with pytest.raises(XUnavailable):
        await XReplies(api).reply(a_post(), "Logged as ticket #1")

    assert api.budget.usage()["posts_created"]["used"] == 0


async def test_usage_survives_a_restart_within_the_window(fake_x, http, sink, sleeps) -> None:
    store = MemoryCursors()
    clock = FixedClock(NOW)
    api = api_for(settings_for(fake_x, user_keys=False), http, sleeps, clock=clock)
    await api.budget.restore(store)
    await search_poller(api, sink, MemoryCursors()).poll()

    restarted = XBudget(XBudgetSettings(), clock)
    await restarted.restore(store)

    assert restarted.usage()["read_requests"]["used"] == 6
    assert restarted.usage()["posts_read"]["used"] == ALL_SEARCH_IDS
    assert USAGE_KEY in store.cursors
    clock.advance(timedelta(days=1))
    assert restarted.usage()["read_requests"]["used"] == 0
