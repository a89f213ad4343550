"""The X channel: polls recent search and the bot's mentions through tweepy, and replies with create_tweet.

`XApi` is tweepy's AsyncClient with the bot's manners (one shared session, configured base URL, the budget,
rate-limit waits, backoff on 5xx and non-JSON answers, clear operator errors); `XPoller` turns new tweets into
Posts for the sink and keeps `since_id` in a `CursorStore`, so a restart neither misses nor repeats posts;
`XReplies` is the channel's ReplySender. The filtered stream is in x_stream.py, webhooks in x_activity.py.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from typing import Any, Protocol

import aiohttp
import structlog
from tweepy import StreamRule
from tweepy.asynchronous import AsyncClient, AsyncStreamingClient
from tweepy.errors import HTTPException, TooManyRequests
from yarl import URL

from restock_bot.channels.base import PostSink
from restock_bot.channels.x_budget import XBudget
from restock_bot.channels.x_errors import (
    BEARER_TOKEN,
    USER_KEYS,
    XAccessError,
    XBudgetSpent,
    XCredentialsError,
    XError,
    XPlanError,
    XUnavailable,
    refusal,
)
from restock_bot.channels.x_posts import CHANNEL, Page, newest_id, posts_of
from restock_bot.clock import Clock, SystemClock
from restock_bot.config import XSettings, reveal
from restock_bot.post import Post
from restock_bot.retry import RetryPolicy, Sleep

__all__ = [
    "CursorStore",
    "XAccessError",
    "XApi",
    "XBudgetSpent",
    "XCredentialsError",
    "XError",
    "XPlanError",
    "XPoller",
    "XReplies",
    "XUnavailable",
]

log = structlog.get_logger(__name__)

TWEEPY_HOST = "https://api.twitter.com"  # the host tweepy's AsyncClient.request always builds URLs on
EXPANSIONS = ["author_id", "geo.place_id", "referenced_tweets.id"]
TWEET_FIELDS = [
    "author_id",
    "created_at",
    "lang",
    "geo",
    "conversation_id",
    "referenced_tweets",
    "in_reply_to_user_id",
    "note_tweet",
]
USER_FIELDS = ["username"]
PLACE_FIELDS = ["full_name", "geo"]
FIELDS = {  # the keyword arguments tweepy turns into expansions=… and *.fields=…
    "expansions": EXPANSIONS,
    "tweet_fields": TWEET_FIELDS,
    "user_fields": USER_FIELDS,
    "place_fields": PLACE_FIELDS,
}
RULE_TAG = "restock-bot"
SEARCH_MIN_RESULTS = 10  # what recent search accepts as max_results: 10..100
MENTIONS_MIN_RESULTS = 5  # the mentions timeline: 5..100
MAX_INLINE_WAIT = 900.0  # a rate-limit reset further away ends the call (the round waits) instead of sleeping in it
RATE_LIMIT_BACKOFF = RetryPolicy(attempts=5, base_delay=15.0, max_delay=900.0)  # 429 without x-rate-limit-reset
RETRYABLE = (aiohttp.ClientError, TimeoutError)  # network, timeouts, and non-JSON answers (ContentTypeError)


class CursorStore(Protocol):
    """Where the newest seen post id of each X timeline survives restarts."""

    async def get_cursor(self, key: str) -> str | None:
        """The stored cursor for `key`, or None before the first poll."""
        ...

    async def set_cursor(self, key: str, value: str) -> None:
        """Store `value` as the cursor for `key`."""
        ...


class ApiBaseSession:
    """The one aiohttp session tweepy talks through, with a timeout, sending api.twitter.com requests to `api_base`.

    tweepy builds every URL on a fixed host but uses `client.session` when it is set, so this thin wrapper
    rebases the URL and leaves tweepy's auth, parameters and error handling untouched. OAuth 1.0a signatures
    still name api.twitter.com, so `api_base` suits fakes and pass-through proxies. `close()` does nothing:
    tweepy's stream closes its session after every connection, and this one belongs to the bot.
    """

    def __init__(self, session: aiohttp.ClientSession, api_base: str | None, timeout: aiohttp.ClientTimeout) -> None:
        self._session = session
        self._base = (api_base or "").rstrip("/")
        self._timeout = timeout
        self.headers: dict[str, str] = {}  # tweepy's stream sets its User-Agent here

    @property
    def closed(self) -> bool:
        return self._session.closed

    async def close(self) -> None:
        """Leave the shared session open."""

    def request(
        self, method: str, url: str | URL, **kwargs: Any
    ) -> AbstractAsyncContextManager[aiohttp.ClientResponse]:
        """The same request as aiohttp's, on the rebased URL, with this wrapper's timeout."""
        headers = self.headers | (kwargs.pop("headers", None) or {})
        kwargs.setdefault("timeout", self._timeout)
        return self._session.request(method, self.rebase(url), headers=headers, **kwargs)

    def rebase(self, url: str | URL) -> URL:
        """`url` with tweepy's fixed host replaced by `api_base` (path and query kept as encoded)."""
        original = url if isinstance(url, URL) else URL(url)
        if not self._base or not str(original).startswith(TWEEPY_HOST):
            return original
        return URL(self._base + original.raw_path_qs, encoded=True)


class XApi:
    """tweepy's AsyncClient with the budget, rate-limit waits, backoff on 5xx and clear operator errors.

    `clock` must follow the wall clock (X's x-rate-limit-reset is real Unix time), not the demo's fast one.
    """

    def __init__(
        self,
        settings: XSettings,
        session: aiohttp.ClientSession,
        *,
        retry: RetryPolicy | None = None,
        rate_limit_retry: RetryPolicy = RATE_LIMIT_BACKOFF,
        sleep: Sleep = asyncio.sleep,
        clock: Clock | None = None,
        budget: XBudget | None = None,
    ) -> None:
        self.settings = settings
        self._client = AsyncClient(
            bearer_token=reveal(settings.bearer_token),
            consumer_key=reveal(settings.consumer_key),
            consumer_secret=reveal(settings.consumer_secret),
            access_token=reveal(settings.access_token),
            access_token_secret=reveal(settings.access_token_secret),
            return_type=dict,
        )
        rest_timeout = aiohttp.ClientTimeout(total=settings.request_timeout_seconds)
        self.session = ApiBaseSession(session, settings.api_base, rest_timeout)
        # a stream has no total time; it is stalled when no byte (not even a keep-alive) comes for this long
        stream_timeout = aiohttp.ClientTimeout(total=None, sock_connect=30, sock_read=settings.stream_stall_seconds)
        self.stream_session = ApiBaseSession(session, settings.api_base, stream_timeout)
        self._client.session = self.session
        self._rules = AsyncStreamingClient(reveal(settings.bearer_token), return_type=dict, max_retries=0)
        self._rules.session = self.session
        self.has_user_keys = settings.has_user_keys
        self.has_bearer_token = bool(settings.bearer_token)
        self._retry = retry or RetryPolicy()
        self._rate_limit_retry = rate_limit_retry
        self._sleep = sleep
        self._clock = clock or SystemClock()
        self.budget = budget or XBudget(settings.budget, self._clock)
        self._my_user_id: str | None = None

    async def search_page(self, query: str, since_id: str | None, token: str | None, max_results: int) -> Page:
        """One page of recent search, newest first, with the expansions triage reads."""
        size = self._page_size("recent search", max_results, SEARCH_MIN_RESULTS)
        search = self._client.search_recent_tweets
        request = partial(search, query, since_id=since_id, next_token=token, max_results=size, **FIELDS)
        return await self._read("recent search", BEARER_TOKEN, request, SEARCH_MIN_RESULTS)

    async def mentions_page(self, user_id: str, since_id: str | None, token: str | None, max_results: int) -> Page:
        """One page of the mentions timeline of `user_id`, newest first."""
        size = self._page_size("the mentions timeline", max_results, MENTIONS_MIN_RESULTS)
        mentions = self._client.get_users_mentions
        request = partial(mentions, user_id, since_id=since_id, pagination_token=token, max_results=size, **FIELDS)
        return await self._read("the mentions timeline", BEARER_TOKEN, request, MENTIONS_MIN_RESULTS)

    async def my_user_id(self) -> str:
        """The bot's own user id (asked once, then remembered)."""
        if self._my_user_id is None:
            me = await self._read("users/me", USER_KEYS, partial(self._client.get_me, user_auth=True), 0)
            self._my_user_id = str(me["data"]["id"])
        return self._my_user_id

    async def create_tweet(self, text: str, in_reply_to: str | None = None) -> str:
        """Post `text` (as a reply to `in_reply_to` when given); returns the new tweet's id."""
        what = f"create tweet (reply to {in_reply_to})" if in_reply_to else "create tweet"
        await self.budget.reserve_create(what)
        create = partial(self._client.create_tweet, text=text, in_reply_to_tweet_id=in_reply_to, user_auth=True)
        try:
            created = await self._call(what, USER_KEYS, create)
        except (XAccessError, XUnavailable, XError) as exc:
            if not isinstance(exc.__cause__, TimeoutError):  # X answered, so nothing was created
                await self.budget.release_create()
            raise
        return str(created["data"]["id"])

    # -- filtered stream rules

    async def stream_rules(self) -> list[dict[str, Any]]:
        """The app's filtered-stream rules ({"id", "value", "tag"})."""
        page = await self._read("stream rules", BEARER_TOKEN, self._rules.get_rules, 0)
        return list(page.get("data") or [])

    async def add_stream_rules(self, values: list[str]) -> list[dict[str, Any]]:
        """Add rules (tagged restock-bot); returns those X created, logs those it refused."""
        rules = [StreamRule(value=value, tag=RULE_TAG) for value in values]
        page = await self._read("add stream rules", BEARER_TOKEN, partial(self._rules.add_rules, rules), 0)
        for error in page.get("errors") or []:
            log.error("x_stream_rule_refused", rule=error.get("value"), error=error.get("title"), detail=error)
        return list(page.get("data") or [])

    async def delete_stream_rules(self, ids: list[str]) -> None:
        """Delete rules by id."""
        await self._read("delete stream rules", BEARER_TOKEN, partial(self._rules.delete_rules, ids), 0)

    # -- every request goes through here

    def _page_size(self, what: str, wanted: int, floor: int) -> int:
        self.budget.before_read(what, min_posts=floor)
        return max(floor, self.budget.page_size(wanted))

    async def _read(self, what: str, credential: str, request: Callable[[], Awaitable[Page]], min_posts: int) -> Page:
        async def counted() -> Page:
            self.budget.before_read(what, min_posts=min_posts)
            await self.budget.count_request()
            return await request()

        page = await self._call(what, credential, counted)
        data = page.get("data")
        if isinstance(data, list) and min_posts:
            await self.budget.count_posts_read(len(data))
        return page

    async def _call(self, what: str, credential: str, request: Callable[[], Awaitable[Page]]) -> Page:
        attempt = 0
        while True:
            attempt += 1
            try:
                return await request()
            except HTTPException as exc:
                error: Exception = exc
                problem = await _problem(exc.response)
                status = exc.response.status
                headers = exc.response.headers
            except aiohttp.ClientResponseError as exc:  # a non-JSON answer (an HTML 503 page)
                error, problem, status, headers = exc, {}, exc.status, exc.headers or {}
            except RETRYABLE as exc:
                error, problem, status, headers = exc, {}, 0, {}
            wait = self._wait_before_retry(what, credential, error, attempt, status, problem, headers)
            log.warning("x_retry", request=what, attempt=attempt, status=status, wait_seconds=wait)
            await self._sleep(wait)

    def _wait_before_retry(
        self,
        what: str,
        credential: str,
        error: Exception,
        attempt: int,
        status: int,
        problem: dict[str, Any],
        headers: Any,
    ) -> float:
        """Seconds to wait before trying again, or the error to raise (refusal, unavailable, rejected)."""
        refused = refusal(status, problem, what, credential)
        if refused is not None:
            raise refused from error
        if status == 429:
            return self._rate_limit_wait(what, error, attempt, headers)
        if status and status < 500 and status != 200:
            detail = problem.get("detail") or problem.get("title") or error
            raise XError(f"X rejected {what} ({status}): {detail}") from error
        if not self._retry.allows(attempt):
            raise XUnavailable(f"X did not answer {what} after {attempt} tries: {_describe(error, status)}") from error
        return self._retry.delay(attempt)

    def _rate_limit_wait(self, what: str, error: Exception, attempt: int, headers: Any) -> float:
        """Until x-rate-limit-reset when X sends it; otherwise a bounded backoff, never an immediate retry."""
        reset = _reset_time(error, headers)
        if reset is not None:
            wait = max(reset.timestamp() - self._clock.now().timestamp(), 1.0)
            if wait <= MAX_INLINE_WAIT and self._retry.allows(attempt):
                return wait
            raise XUnavailable(f"X rate-limited {what} until {reset:%H:%M:%S} UTC", retry_at=reset) from error
        if not self._rate_limit_retry.allows(attempt):
            retry_at = datetime.fromtimestamp(self._clock.now().timestamp() + self._rate_limit_retry.max_delay, UTC)
            message = f"X kept rate-limiting {what} (429, no reset time) after {attempt} tries"
            raise XUnavailable(message, retry_at) from error
        return self._rate_limit_retry.delay(attempt)


async def _problem(response: Any) -> dict[str, Any]:
    """The problem JSON of an error answer tweepy already read (empty when it was not JSON)."""
    try:
        body = await response.json(content_type=None)
    except (ValueError, aiohttp.ClientError, AttributeError):
        return {}
    return body if isinstance(body, dict) else {}


def _reset_time(error: Exception, headers: Any) -> datetime | None:
    seconds = error.reset_time if isinstance(error, TooManyRequests) else None
    if seconds is None and headers and "x-rate-limit-reset" in headers:
        try:
            seconds = int(headers["x-rate-limit-reset"])
        except ValueError:
            seconds = None
    return datetime.fromtimestamp(seconds, UTC) if seconds is not None else None


def _describe(error: Exception, status: int) -> str:
    if isinstance(error, aiohttp.ContentTypeError):
        return f"{status} with a non-JSON body"
    return repr(error)


PageFetch = Callable[[str | None, str | None], Awaitable[Page]]  # (since_id, page token) -> page


class XPoller:
    """Polls recent search for the configured query and the bot's mentions, handing new posts to the sink."""

    def __init__(
        self,
        api: XApi,
        sink: PostSink,
        cursors: CursorStore,
        query: str,
        *,
        page_size: int = 100,
        search: bool = True,
        mentions: bool = True,
    ) -> None:
        self._api = api
        self._sink = sink
        self._cursors = cursors
        self._query = query
        self._page_size = page_size
        self._search = search and bool(query) and api.has_bearer_token
        self._mentions = mentions and api.has_user_keys and api.has_bearer_token

    async def poll(self) -> int:
        """One poll of search and mentions; returns how many posts were new to the sink."""
        me = await self._api.my_user_id() if self._api.has_user_keys else None
        new = 0
        if self._search:
            new += await self.poll_search(self._query, f"x:search:{self._query}", me)
        if self._mentions and me:
            fetch = partial(self._api.mentions_page, me, max_results=self._page_size)
            new += await self.poll_timeline(f"x:mentions:{me}", fetch, me)
        return new

    async def poll_search(self, query: str, key: str, me: str | None = None) -> int:
        """Every search result for `query` newer than the cursor under `key`."""
        fetch = partial(self._api.search_page, query, max_results=self._page_size)
        return await self.poll_timeline(key, fetch, me)

    async def poll_timeline(self, key: str, fetch: PageFetch, me: str | None = None) -> int:
        """Every page newer than the stored cursor, oldest post first into the sink, then the new cursor.

        When X fails (or the budget ends) half-way, the posts of the pages read are kept and the place in the
        pages is stored under `<key>:resume`, so the next poll, even after a restart, reads on from there; the
        cursor moves only once the whole set was read. The sink takes each post once."""
        since_id = await self._cursors.get_cursor(key)
        resume = _Resume.read(await self._cursors.get_cursor(f"{key}:resume"))
        if resume is not None:
            since_id = resume.since_id
        pages: list[Page] = []
        try:
            await _all_pages(fetch, since_id, pages, resume.token if resume else None)
        except XError:
            await self._accept(pages, me)
            if pages:
                newest = newest_id(pages, resume.newest if resume else None)
                token = (pages[-1].get("meta") or {}).get("next_token")
                await self._cursors.set_cursor(f"{key}:resume", _Resume(since_id, token, newest).write())
            raise
        new = await self._accept(pages, me)
        newest = newest_id(pages, _newer(since_id, resume.newest if resume else None))
        if newest and newest != since_id:
            await self._cursors.set_cursor(key, newest)
        if resume is not None:
            await self._cursors.set_cursor(f"{key}:resume", "")
        log.info("x_polled", timeline=key, pages=len(pages), new=new, cursor=newest)
        return new

    async def _accept(self, pages: list[Page], me: str | None) -> int:
        posts = sorted((post for page in pages for post in posts_of(page, me)), key=lambda post: int(post.id))
        new = 0
        for post in posts:
            if await self._sink.accept(post):
                new += 1
        return new


async def _all_pages(fetch: PageFetch, since_id: str | None, pages: list[Page], token: str | None) -> None:
    """Follow meta.next_token (from `token`) to the last page into `pages`: everything since `since_id`."""
    pages.append(await fetch(since_id, token))
    while token := (pages[-1].get("meta") or {}).get("next_token"):
        pages.append(await fetch(since_id, token))


def _newer(a: str | None, b: str | None) -> str | None:
    ids = [int(value) for value in (a, b) if value]
    return str(max(ids)) if ids else None


@dataclass(frozen=True, slots=True)
class _Resume:
    """Where a poll cut short stopped: its since_id, the next page token, the newest id it saw."""

    since_id: str | None
    token: str | None
    newest: str | None

    def write(self) -> str:
        return json.dumps({"since_id": self.since_id, "token": self.token, "newest": self.newest})

    @classmethod
    def read(cls, stored: str | None) -> _Resume | None:
        if not stored:
            return None
        try:
            values = json.loads(stored)
            return cls(values.get("since_id"), values.get("token"), values.get("newest"))
        except (ValueError, AttributeError):
            return None


class XReplies:
    """The X ReplySender: replies with create_tweet, or only logs them in dry-run mode."""

    channel = CHANNEL

    def __init__(self, api: XApi, dry_run: bool = False) -> None:
        self._api = api
        self._dry_run = dry_run

    async def reply(self, to: Post, text: str) -> str | None:
        """Reply to the tweet `to`; returns the reply's tweet id (None in dry-run mode)."""
        if self._dry_run:
            log.info("x_reply_dry_run", in_reply_to=to.id, author=to.author.username, text=text)
            return None
        return await self._api.create_tweet(text, in_reply_to=to.id)
