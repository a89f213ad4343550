"""The X channel: polls recent search and the bot's mentions through tweepy, and replies with create_tweet.

`XApi` is tweepy's AsyncClient with the bot's manners (configured base URL, rate-limit waits, retries,
clear credential errors); `XPoller` turns new tweets into Posts for the sink and keeps `since_id` in a
`CursorStore`, so a restart neither misses nor repeats posts; `XReplies` is the channel's ReplySender.
"""

from __future__ import annotations

import asyncio
import html
from collections.abc import Awaitable, Callable, Iterable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from typing import Any, Protocol

import aiohttp
import structlog
from tweepy.asynchronous import AsyncClient
from tweepy.errors import Forbidden, HTTPException, TooManyRequests, TwitterServerError, Unauthorized
from yarl import URL

from restock_bot.channels.base import PostSink
from restock_bot.clock import Clock, SystemClock
from restock_bot.config import XSettings
from restock_bot.post import Author, GeoPoint, Post, PostError, parse_time
from restock_bot.retry import RetryPolicy, Sleep

log = structlog.get_logger(__name__)

CHANNEL = "x"
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
TWITTER_EPOCH_MS = 1288834974657  # snowflake ids carry their creation time in ms since this instant

BEARER_TOKEN = "the bearer token (x.bearer_token / RESTOCK_BOT_X__BEARER_TOKEN)"
USER_KEYS = (
    "the OAuth 1.0a user keys (x.consumer_key, x.consumer_secret, x.access_token, "
    "x.access_token_secret / RESTOCK_BOT_X__CONSUMER_KEY …)"
)
RETRYABLE = (TooManyRequests, TwitterServerError, aiohttp.ClientError, TimeoutError)

Page = dict[str, Any]


class XError(Exception):
    """X refused or could not answer a request."""


class XCredentialsError(XError):
    """X rejected the configured credentials (401/403): fatal until the named setting is fixed."""


class XUnavailable(XError):
    """X kept failing (rate limit, 5xx, network) through every retry; the next poll tries again."""


class CursorStore(Protocol):
    """Where the newest seen post id of each X timeline survives restarts."""

    async def get_cursor(self, key: str) -> str | None:
        """The stored cursor for `key`, or None before the first poll."""
        ...

    async def set_cursor(self, key: str, value: str) -> None:
        """Store `value` as the cursor for `key`."""
        ...


class ApiBaseSession:
    """The aiohttp session tweepy talks through, sending its api.twitter.com requests to `api_base`.

    tweepy's AsyncClient builds every URL on a fixed host but uses `client.session` when it is set, so
    this thin wrapper rebases the URL and leaves tweepy's auth, parameters and error handling untouched.
    OAuth 1.0a signatures still name api.twitter.com, so `api_base` suits fakes and pass-through proxies.
    """

    def __init__(self, session: aiohttp.ClientSession, api_base: str) -> None:
        self._session = session
        self._base = api_base.rstrip("/")

    def request(
        self, method: str, url: str | URL, **kwargs: Any
    ) -> AbstractAsyncContextManager[aiohttp.ClientResponse]:
        """The same request as aiohttp's, on the rebased URL."""
        return self._session.request(method, self.rebase(url), **kwargs)

    def rebase(self, url: str | URL) -> URL:
        """`url` with tweepy's fixed host replaced by `api_base` (path and query kept as encoded)."""
        original = url if isinstance(url, URL) else URL(url)
        if not str(original).startswith(TWEEPY_HOST):
            return original
        return URL(self._base + original.raw_path_qs, encoded=True)


class XApi:
    """tweepy's AsyncClient with rate-limit waits, retries on 5xx and clear credential errors.

    `clock` must follow the wall clock (X's x-rate-limit-reset is real Unix time), not the demo's fast one.
    """

    def __init__(
        self,
        settings: XSettings,
        session: aiohttp.ClientSession,
        *,
        retry: RetryPolicy | None = None,
        sleep: Sleep = asyncio.sleep,
        clock: Clock | None = None,
    ) -> None:
        self._client = AsyncClient(
            bearer_token=settings.bearer_token,
            consumer_key=settings.consumer_key,
            consumer_secret=settings.consumer_secret,
            access_token=settings.access_token,
            access_token_secret=settings.access_token_secret,
            return_type=dict,
        )
        self._client.session = ApiBaseSession(session, settings.api_base) if settings.api_base else session
        user_keys = (
            settings.consumer_key,
            settings.consumer_secret,
            settings.access_token,
            settings.access_token_secret,
        )
        self.has_user_keys = all(user_keys)
        self._retry = retry or RetryPolicy()
        self._sleep = sleep
        self._clock = clock or SystemClock()
        self._my_user_id: str | None = None

    async def search_page(
        self, query: str, since_id: str | None, token: str | None, max_results: int
    ) -> Page:
        """One page of recent search, newest first, with the expansions triage reads."""
        return await self._call(
            "recent search",
            BEARER_TOKEN,
            partial(
                self._client.search_recent_tweets,
                query,
                since_id=since_id,
                next_token=token,
                max_results=max_results,
                **FIELDS,
            ),
        )

    async def mentions_page(
        self, user_id: str, since_id: str | None, token: str | None, max_results: int
    ) -> Page:
        """One page of the mentions timeline of `user_id`, newest first."""
        return await self._call(
            "the mentions timeline",
            BEARER_TOKEN,
            partial(
                self._client.get_users_mentions,
                user_id,
                since_id=since_id,
                pagination_token=token,
                max_results=max_results,
                **FIELDS,
            ),
        )

    async def my_user_id(self) -> str:
        """The bot's own user id (asked once, then remembered)."""
        if self._my_user_id is None:
            me = await self._call("users/me", USER_KEYS, partial(self._client.get_me, user_auth=True))
            self._my_user_id = str(me["data"]["id"])
        return self._my_user_id

    async def create_tweet(self, text: str, in_reply_to: str | None = None) -> str:
        """Post `text` (as a reply to `in_reply_to` when given); returns the new tweet's id."""
        created = await self._call(
            "create tweet",
            USER_KEYS,
            partial(
                self._client.create_tweet,
                text=text,
                in_reply_to_tweet_id=in_reply_to,
                user_auth=True,
            ),
        )
        return str(created["data"]["id"])

    async def _call(self, what: str, credential: str, request: Callable[[], Awaitable[Page]]) -> Page:
        attempt = 0
        while True:
            attempt += 1
            try:
                return await request()
            except (Unauthorized, Forbidden) as exc:
                raise XCredentialsError(f"X refused {what} ({exc}): check {credential}") from exc
            except RETRYABLE as exc:
                wait = self._wait_before_retry(what, exc, attempt)
            except HTTPException as exc:
                raise XError(f"X rejected {what}: {exc}") from exc
            log.warning("x_retry", request=what, attempt=attempt, wait_seconds=wait)
            await self._sleep(wait)

    def _wait_before_retry(self, what: str, error: Exception, attempt: int) -> float:
        """Seconds to wait before trying again; raises XUnavailable when the retry budget is spent."""
        if not self._retry.allows(attempt):
            raise XUnavailable(f"X did not answer {what} after {attempt} tries: {error!r}") from error
        if isinstance(error, TooManyRequests) and error.reset_time is not None:
            return max(error.reset_time - self._clock.now().timestamp(), 1.0)
        return self._retry.delay(attempt)


@dataclass(frozen=True, slots=True)
class PageIncludes:
    """The users and places a page's `includes` expands, by id."""

    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    places: dict[str, dict[str, Any]] = field(default_factory=dict)

    @classmethod
    def of(cls, page: Page) -> PageIncludes:
        """Index the `includes` of one API page."""
        includes = page.get("includes") or {}
        return cls(
            users={str(user["id"]): user for user in includes.get("users", []) if "id" in user},
            places={str(place["id"]): place for place in includes.get("places", []) if "id" in place},
        )

    def username(self, user_id: str) -> str:
        """The username of `user_id`, or "" when the page did not expand it."""
        return str(self.users.get(user_id, {}).get("username") or "")

    def place_name(self, place_id: str | None) -> str | None:
        """The place's full name ("Andheri West, Mumbai"), or None."""
        place = self.places.get(place_id or "")
        return str(place["full_name"]) if place and place.get("full_name") else None


def tweet_to_post(tweet: dict[str, Any], includes: PageIncludes) -> Post:
    """One API v2 tweet as a Post; raises PostError naming the post and field at fault."""
    tweet_id = str(tweet.get("id") or "")
    if not tweet_id:
        raise PostError("id: missing")
    author_id = str(tweet.get("author_id") or "")
    geo = tweet.get("geo") or {}
    try:
        return Post(
            id=tweet_id,
            text=html.unescape(_full_text(tweet)),
            author=Author(id=author_id, username=includes.username(author_id)),
            created_at=_created_at(tweet_id, tweet.get("created_at")),
            channel=CHANNEL,
            lang=tweet.get("lang") or None,
            geo=_point(geo.get("coordinates")),
            place=includes.place_name(geo.get("place_id")),
            in_reply_to=_replied_to(tweet.get("referenced_tweets") or []),
            raw=tweet,
        )
    except PostError as exc:
        raise PostError(f"post {tweet_id}: {exc}") from exc


def _full_text(tweet: dict[str, Any]) -> str:
    """The whole text: long posts carry it in note_tweet, `text` holds only the first 280 characters."""
    note = tweet.get("note_tweet") or {}
    return str(note.get("text") or tweet.get("text") or "")


def _created_at(tweet_id: str, created_at: Any) -> datetime:
    """created_at when asked for and sent, else the time inside the snowflake id."""
    if created_at is not None:
        return parse_time(created_at)
    try:
        return datetime.fromtimestamp(((int(tweet_id) >> 22) + TWITTER_EPOCH_MS) / 1000, UTC)
    except ValueError as exc:
        raise PostError("created_at: missing, and the id is not a snowflake") from exc


def _point(coordinates: Any) -> GeoPoint | None:
    """A GeoJSON Point ([lon, lat]) as a GeoPoint; None when absent or malformed."""
    if not isinstance(coordinates, dict) or coordinates.get("type") != "Point":
        return None
    try:
        lon, lat = (float(value) for value in coordinates["coordinates"])
    except (KeyError, TypeError, ValueError):
        return None
    return GeoPoint(lat, lon) if -90 <= lat <= 90 and -180 <= lon <= 180 else None


def _replied_to(referenced: Iterable[dict[str, Any]]) -> str | None:
    replies = (str(ref["id"]) for ref in referenced if ref.get("type") == "replied_to" and ref.get("id"))
    return next(replies, None)


def posts_of(page: Page, skip_author: str | None = None) -> list[Post]:
    """The Posts of one API page; a tweet that cannot be read is logged and skipped."""
    includes = PageIncludes.of(page)
    posts: list[Post] = []
    for tweet in page.get("data") or []:
        if skip_author and str(tweet.get("author_id")) == skip_author:
            continue
        try:
            posts.append(tweet_to_post(tweet, includes))
        except PostError as exc:
            log.warning("x_unreadable_tweet", error=str(exc))
    return posts


def newest_id(pages: Iterable[Page], since_id: str | None) -> str | None:
    """The newest tweet id seen across pages, or `since_id` when nothing newer came."""
    ids = [int(since_id)] if since_id else []
    for page in pages:
        ids.extend(int(tweet["id"]) for tweet in page.get("data") or [] if str(tweet.get("id", "")).isdigit())
    return str(max(ids)) if ids else None


PageFetch = Callable[[str | None, str | None], Awaitable[Page]]  # (since_id, page token) -> page


class XPoller:
    """Polls recent search for the configured query and the bot's mentions, handing new posts to the sink."""

    def __init__(
        self, api: XApi, sink: PostSink, cursors: CursorStore, query: str, *, page_size: int = 100
    ) -> None:
        self._api = api
        self._sink = sink
        self._cursors = cursors
        self._query = query
        self._page_size = page_size

    async def poll(self) -> int:
        """One poll of search and mentions; returns how many posts were new to the sink."""
        me = await self._api.my_user_id() if self._api.has_user_keys else None
        new = 0
        if self._query:
            fetch = partial(self._api.search_page, self._query, max_results=self._page_size)
            new += await self.poll_timeline(f"x:search:{self._query}", fetch, me)
        if me:
            fetch = partial(self._api.mentions_page, me, max_results=self._page_size)
            new += await self.poll_timeline(f"x:mentions:{me}", fetch, me)
        return new

    async def poll_timeline(self, key: str, fetch: PageFetch, me: str | None = None) -> int:
        """Every page newer than the stored cursor, oldest post first into the sink, then the new cursor."""
        since_id = await self._cursors.get_cursor(key)
        pages = await _all_pages(fetch, since_id)
        posts = sorted((post for page in pages for post in posts_of(page, me)), key=lambda post: int(post.id))
        new = 0
        for post in posts:
            if await self._sink.accept(post):
                new += 1
        newest = newest_id(pages, since_id)
        if newest and newest != since_id:
            await self._cursors.set_cursor(key, newest)
        log.info("x_polled", timeline=key, pages=len(pages), posts=len(posts), new=new, cursor=newest)
        return new


async def _all_pages(fetch: PageFetch, since_id: str | None) -> list[Page]:
    """Follow meta.next_token until the last page, so one poll sees everything since `since_id`."""
    pages = [await fetch(since_id, None)]
    while token := (pages[-1].get("meta") or {}).get("next_token"):
        pages.append(await fetch(since_id, token))
    return pages


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
