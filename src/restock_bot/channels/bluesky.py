"""The Bluesky channel through `atproto` (async): mentions and search in, replies with proper reply refs out.

`BlueskyApi` logs in with the handle and an app password on first use (atproto then follows the session's
PDS) and turns atproto's errors into the channel's: a refused login stops listening with the setting to fix,
a rate limit waits until `ratelimit-reset`, network trouble and 5xx wait a round. `BlueskyPoller` reads the
notifications (mentions and replies) and/or `searchPosts` for `bluesky.query`, newest first back to the
stored cursor (the newest `indexedAt` seen), and hands the posts oldest first to the sink. `BlueskyReplies`
replies to a post with `root` and `parent` strong refs, so the reply lands in the right thread.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any, TypeVar

import structlog
from atproto import AsyncClient, models
from atproto_client.exceptions import (
    BadRequestError,
    NetworkError,
    RateLimitExceededError,
    RequestErrorBase,
    UnauthorizedError,
)
from atproto_client.request import AsyncRequest

from restock_bot.channels.base import ChannelRefused, ChannelUnavailable, PostSink
from restock_bot.channels.x import CursorStore
from restock_bot.clock import Clock, SystemClock
from restock_bot.config import BlueskySettings, reveal
from restock_bot.post import Author, Post, PostError, parse_time

log = structlog.get_logger(__name__)

CHANNEL = "bluesky"
CREDENTIALS = "bluesky.handle and bluesky.app_password (RESTOCK_BOT_BLUESKY__HANDLE / __APP_PASSWORD)"
REPORT_REASONS = ("mention", "reply")  # notifications that carry a post written to the brand
MAX_REPLY_CHARACTERS = 300  # Bluesky's limit (graphemes; characters are a safe stand-in)
RATE_LIMIT_PAUSE = timedelta(minutes=5)  # when a 429 names no reset time
EXPIRED_TOKEN_ERRORS = {"ExpiredToken", "InvalidToken"}

T = TypeVar("T")


class BlueskyError(Exception):
    """Bluesky refused one request (a bad request, a post that is gone)."""


class BlueskyAccessError(BlueskyError, ChannelRefused):
    """The login was refused: fatal until the handle or app password is fixed."""


class BlueskyUnavailable(BlueskyError, ChannelUnavailable):
    """Bluesky is rate-limiting the bot or cannot be reached; `retry_at` says until when, if known."""


class BlueskyApi:
    """atproto's AsyncClient, logged in on first use, with the channel's errors."""

    def __init__(self, settings: BlueskySettings, clock: Clock | None = None) -> None:
        self.settings = settings
        self._clock = clock or SystemClock()
        request = AsyncRequest(timeout=settings.request_timeout_seconds)
        self.client = AsyncClient(base_url=settings.service_url, request=request)
        self.did: str | None = None

    async def my_did(self) -> str:
        """The account's DID (logging in the first time)."""
        if self.did is None:
            await self._guard("log in", self._login)
        assert self.did is not None
        return self.did

    async def notifications(
        self, cursor: str | None, limit: int
    ) -> models.AppBskyNotificationListNotifications.Response:
        """One page of notifications (mentions and replies), newest first."""
        params = models.AppBskyNotificationListNotifications.Params(
            cursor=cursor, limit=limit, reasons=list(REPORT_REASONS)
        )
        return await self._call(
            "list notifications", lambda: self.client.app.bsky.notification.list_notifications(params)
        )

    async def search(self, query: str, cursor: str | None, limit: int) -> models.AppBskyFeedSearchPosts.Response:
        """One page of searchPosts for `query`, latest first."""
        params = models.AppBskyFeedSearchPosts.Params(q=query, sort="latest", cursor=cursor, limit=limit)
        return await self._call("search posts", lambda: self.client.app.bsky.feed.search_posts(params))

    async def post_view(self, uri: str) -> models.AppBskyFeedDefs.PostView:
        """The post at `uri` as the AppView shows it (its cid, and its reply refs)."""
        params = models.AppBskyFeedGetPosts.Params(uris=[uri])
        found = await self._call("get posts", lambda: self.client.app.bsky.feed.get_posts(params))
        if not found.posts:
            raise BlueskyError(f"post {uri} is gone (deleted, or its author blocks the bot)")
        return found.posts[0]

    async def send_reply(self, text: str, reply_to: models.AppBskyFeedPost.ReplyRef, langs: list[str]) -> str:
        """Create the reply record; returns its AT URI."""
        created = await self._call(
            "create post", lambda: self.client.send_post(text=text, reply_to=reply_to, langs=langs or None)
        )
        return str(created.uri)

    async def close(self) -> None:
        await self.client.request.close()

    async def _login(self) -> None:
        await self.client.login(self.settings.handle, reveal(self.settings.app_password))
        self.did = self.client.me.did if self.client.me else None
        log.info("bluesky_logged_in", handle=self.settings.handle, did=self.did)

    async def _call(self, what: str, request: Callable[[], Awaitable[T]]) -> T:
        """`request` after logging in; one fresh login when the server says the session expired."""
        await self.my_did()
        try:
            return await self._guard(what, request)
        except BlueskyAccessError as exc:
            if (
                not isinstance(exc.__cause__, UnauthorizedError)
                or _xrpc_error(exc.__cause__) not in EXPIRED_TOKEN_ERRORS
            ):
                raise
        self.did = None
        await self.my_did()
        return await self._guard(what, request)

    async def _guard(self, what: str, request: Callable[[], Awaitable[T]]) -> T:
        try:
            return await request()
        except UnauthorizedError as exc:
            raise BlueskyAccessError(f"Bluesky refused {what} ({exc}): check {CREDENTIALS}") from exc
        except RateLimitExceededError as exc:
            retry_at = exc.reset_at or self._clock.now() + RATE_LIMIT_PAUSE
            raise BlueskyUnavailable(f"Bluesky rate-limited {what} until {retry_at:%H:%M:%S} UTC", retry_at) from exc
        except BadRequestError as exc:
            raise BlueskyError(f"Bluesky rejected {what}: {exc}") from exc
        except (NetworkError, RequestErrorBase) as exc:  # timeouts, network, 5xx
            raise BlueskyUnavailable(f"Bluesky did not answer {what}: {exc!r}") from exc


def _xrpc_error(error: RequestErrorBase) -> str:
    content = error.response.content if error.response is not None else None
    return str(getattr(content, "error", "") or "")


def post_of(uri: str, author: Any, record: Any, indexed_at: str) -> Post:
    """A Bluesky post (a notification's or a PostView's uri, author, record) as a Post; raises PostError."""
    try:
        reply = getattr(record, "reply", None)
        langs = getattr(record, "langs", None)
        lang = langs[0] if isinstance(langs, list | tuple) and langs else None
        return Post(
            id=uri,
            text=str(getattr(record, "text", "") or ""),
            author=Author(id=str(author.did), username=str(author.handle)),
            created_at=parse_time(getattr(record, "created_at", None) or indexed_at),
            channel=CHANNEL,
            lang=str(lang).split("-")[0] if lang is not None else None,
            in_reply_to=str(reply.parent.uri) if reply is not None else None,
            raw={"uri": uri, "indexed_at": indexed_at},
        )
    except PostError as exc:
        raise PostError(f"post {uri}: {exc}") from exc


class BlueskyPoller:
    """Polls the account's mentions and/or a search, handing each new post to the sink once."""

    def __init__(self, api: BlueskyApi, sink: PostSink, cursors: CursorStore) -> None:
        self._api = api
        self._sink = sink
        self._cursors = cursors
        settings = api.settings
        self._modes = set(settings.mode)
        self._query = settings.query
        self._page_size = settings.page_size

    async def poll(self) -> int:
        """One poll of every configured mode; returns how many posts were new to the sink."""
        new = 0
        if "mentions" in self._modes:
            new += await self.poll_mentions()
        if "search" in self._modes and self._query:
            new += await self.poll_search()
        return new

    async def poll_mentions(self) -> int:
        me = await self._api.my_did()

        async def page(cursor: str | None) -> tuple[list[tuple[str, Any, Any, str]], str | None]:
            answer = await self._api.notifications(cursor, self._page_size)
            items = [
                (n.uri, n.author, n.record, n.indexed_at)
                for n in answer.notifications
                if n.reason in REPORT_REASONS and n.author.did != me
            ]
            return items, answer.cursor if answer.notifications else None

        return await self._poll(f"bluesky:mentions:{me}", page)

    async def poll_search(self) -> int:
        me = await self._api.my_did()

        async def page(cursor: str | None) -> tuple[list[tuple[str, Any, Any, str]], str | None]:
            answer = await self._api.search(self._query, cursor, self._page_size)
            items = [(p.uri, p.author, p.record, p.indexed_at) for p in answer.posts if p.author.did != me]
            return items, answer.cursor if answer.posts else None

        return await self._poll(f"bluesky:search:{self._query}", page)

    async def _poll(self, key: str, page: Callable[[str | None], Awaitable[tuple[list[Any], str | None]]]) -> int:
        """Pages newest first back to the stored `indexedAt` (only the first page before any is stored)."""
        stored = await self._cursors.get_cursor(key)
        since = parse_time(stored) if stored else None
        items: list[tuple[str, Any, Any, str]] = []
        cursor: str | None = None
        while True:
            found, cursor = await page(cursor)
            items.extend(found)
            reached = since is None or any(parse_time(item[3]) < since for item in found)
            if reached or not cursor:
                break
        posts = []
        for uri, author, record, indexed_at in items:
            if since is not None and parse_time(indexed_at) < since:
                continue  # seen before; equal times are offered again (the sink takes each post once)
            try:
                posts.append(post_of(uri, author, record, indexed_at))
            except PostError as exc:
                log.warning("bluesky_unreadable_post", error=str(exc))
        new = 0
        for post in sorted(posts, key=lambda p: (p.raw["indexed_at"], p.id)):
            if await self._sink.accept(post):
                new += 1
        newest = max((item[3] for item in items), key=parse_time, default=None)
        if newest and (since is None or parse_time(newest) > since):
            await self._cursors.set_cursor(key, newest)
        log.info("bluesky_polled", timeline=key, posts=len(posts), new=new, cursor=newest or stored)
        return new


class BlueskyReplies:
    """The Bluesky ReplySender: replies in the post's thread (root and parent refs), or logs in dry-run mode."""

    channel = CHANNEL

    def __init__(self, api: BlueskyApi, dry_run: bool = False) -> None:
        self._api = api
        self._dry_run = dry_run

    async def reply(self, to: Post, text: str) -> str | None:
        """Reply to the post `to` (its AT URI); returns the reply's AT URI (None in dry-run mode)."""
        if self._dry_run:
            log.info("bluesky_reply_dry_run", in_reply_to=to.id, author=to.author.username, text=text)
            return None
        view = await self._api.post_view(to.id)
        parent = models.ComAtprotoRepoStrongRef.Main(uri=view.uri, cid=view.cid)
        thread = getattr(view.record, "reply", None)
        root = models.ComAtprotoRepoStrongRef.Main(uri=thread.root.uri, cid=thread.root.cid) if thread else parent
        reply_to = models.AppBskyFeedPost.ReplyRef(parent=parent, root=root)
        langs = [to.lang] if to.lang else []
        return await self._api.send_reply(text[:MAX_REPLY_CHARACTERS], reply_to, langs)
