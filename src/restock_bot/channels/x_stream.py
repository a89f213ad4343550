"""The filtered stream: tweepy's AsyncStreamingClient, with rules kept as config says and reconnects under control.

tweepy's own loop reconnects at once after a clean close and forever after errors, with real sleeps. Here
each tweepy connection is one attempt (`max_retries=0`, its hooks end it), and `XStream.listen` decides:
back off (1 s doubling to 16 s after drops, stalls and clean closes; 5 s to 320 s after HTTP errors; 60 s to
960 s after 429), give up after `x.stream_max_reconnects` failed connections in a row, stop on refused
credentials or plan. After every reconnect (and restart) a recent search since the newest streamed post
fetches what the stream missed while it was down; the sink takes each post once.
"""

from __future__ import annotations

import asyncio
import json
import sys
from dataclasses import dataclass
from datetime import UTC, timedelta
from typing import Any

import aiohttp
import structlog
from tweepy.asynchronous import AsyncStreamingClient

from restock_bot.channels.base import PostSink
from restock_bot.channels.x import FIELDS, CursorStore, XApi, XPoller
from restock_bot.channels.x_errors import BEARER_TOKEN, XAccessError, XBudgetSpent, XUnavailable, refusal
from restock_bot.channels.x_posts import posts_of
from restock_bot.clock import Clock, SystemClock
from restock_bot.config import reveal
from restock_bot.retry import RetryPolicy, Sleep

log = structlog.get_logger(__name__)

DROPPED = RetryPolicy(attempts=1_000_000, base_delay=1.0, max_delay=16.0)  # drops, stalls, clean closes
HTTP_ERROR = RetryPolicy(attempts=1_000_000, base_delay=5.0, max_delay=320.0)  # 5xx and other HTTP errors
RATE_LIMITED = RetryPolicy(attempts=1_000_000, base_delay=60.0, max_delay=960.0)  # 429 (too many connections)
PAUSE_AFTER_GIVING_UP = timedelta(minutes=15)


@dataclass(frozen=True, slots=True)
class StreamEnd:
    """Why one connection ended, and how many posts it delivered."""

    reason: str
    posts: int = 0
    status: int | None = None  # the HTTP status when X refused the connection
    budget_spent: bool = False


class _ConnectionEnded(Exception):
    """Raised inside tweepy's hooks to end its connection loop after one attempt."""

    def __init__(self, reason: str, status: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status


class _Connection(AsyncStreamingClient):
    """One connection of tweepy's streaming client; every way it can end is turned into a StreamEnd."""

    def __init__(self, stream: XStream, bearer_token: str | None) -> None:
        super().__init__(bearer_token, return_type=dict, max_retries=0)
        self._stream = stream
        self.posts = 0
        self.ended: BaseException | None = None

    async def on_data(self, raw_data: bytes | str) -> None:
        try:
            message = json.loads(raw_data)
        except (ValueError, RecursionError):  # RecursionError: nested too deeply for json
            log.warning("x_stream_unreadable_line", line=str(raw_data)[:200])
            return
        if not isinstance(message, dict):
            return
        if message.get("errors") and "data" not in message:
            log.warning("x_stream_error_message", errors=message["errors"])
            return
        if "data" in message:
            self.posts += 1
            await self._stream.take(message)

    async def on_closed(self, resp: aiohttp.ClientResponse) -> None:
        raise _ConnectionEnded("closed by X")

    async def on_connection_error(self) -> None:
        error = sys.exc_info()[1]
        stalled = isinstance(error, TimeoutError)
        raise _ConnectionEnded("stalled (no data or keep-alive)" if stalled else f"dropped ({error!r})")

    async def on_request_error(self, status_code: int) -> None:
        raise _ConnectionEnded(f"refused with HTTP {status_code}", status=status_code)

    async def on_exception(self, exception: Exception) -> None:
        self.ended = exception

    async def on_connect(self) -> None:
        log.info("x_stream_connected")


class XStream:
    """Listens to the filtered stream until stopped, handing each post to the sink once."""

    def __init__(
        self,
        api: XApi,
        sink: PostSink,
        cursors: CursorStore,
        *,
        sleep: Sleep = asyncio.sleep,
        clock: Clock | None = None,
    ) -> None:
        self._api = api
        self._sink = sink
        self._cursors = cursors
        self._sleep = sleep
        self._clock = clock or SystemClock()
        settings = api.settings
        self.rules = settings.rules
        self._max_reconnects = settings.stream_max_reconnects
        self._catch_up = settings.stream_catch_up and bool(self.rules)
        self.key = f"x:stream:{' OR '.join(self.rules)}"
        self._cursor: int | None = None
        self._me: str | None = None
        self._connection: _Connection | None = None
        self._stopping = False
        self.connections = 0
        self.waits: list[float] = []

    # -- rules

    async def sync_rules(self) -> None:
        """Make the app's stream rules exactly x.stream_rules (or x.query): add the missing, delete the rest."""
        current = await self._api.stream_rules()
        wanted = set(self.rules)
        stale = [str(rule["id"]) for rule in current if rule.get("value") not in wanted]
        missing = sorted(wanted - {str(rule.get("value")) for rule in current})
        if stale:
            await self._api.delete_stream_rules(stale)
        if missing:
            await self._api.add_stream_rules(missing)
        log.info("x_stream_rules", rules=self.rules, added=missing, deleted=stale)

    # -- listening

    async def listen(self) -> None:
        """Sync rules, then connect, catch up and reconnect with backoff; raises XUnavailable after too many
        failed connections in a row (or when the budget is spent), XAccessError when X refuses."""
        self._stopping = False
        await self.sync_rules()
        self._me = await self._api.my_user_id() if self._api.has_user_keys else None
        stored = await self._cursors.get_cursor(self.key)
        self._cursor = int(stored) if stored and stored.isdigit() else None
        failures = streak = 0  # failed connections in a row; in a row of the same kind (the backoff's step)
        last: RetryPolicy | None = None
        while not self._stopping:
            await self.catch_up()
            end = await self.connect_once()
            if self._stopping:
                return
            failures = 1 if end.posts else failures + 1
            log.warning("x_stream_ended", reason=end.reason, posts=end.posts, failures_in_a_row=failures)
            self._raise_if_final(end, failures)
            backoff = _backoff(end)
            streak = streak + 1 if backoff is last and not end.posts else 1
            last = backoff
            wait = backoff.delay(streak)
            self.waits.append(wait)
            await self._sleep(wait)

    async def stop(self) -> None:
        """End the current connection and listening."""
        self._stopping = True
        if self._connection is not None:
            self._connection.disconnect()

    async def connect_once(self) -> StreamEnd:
        """One connection of tweepy's stream, until X closes it, it drops or stalls, or the budget is spent."""
        self._api.budget.before_read("the filtered stream")
        await self._api.budget.count_request()
        connection = _Connection(self, reveal(self._api.settings.bearer_token))
        connection.session = self._api.stream_session
        self._connection = connection
        self.connections += 1
        try:
            await connection.filter(**FIELDS)
        finally:
            self._connection = None
        ended = connection.ended
        if isinstance(ended, _ConnectionEnded):
            return StreamEnd(ended.reason, connection.posts, ended.status)
        if isinstance(ended, XBudgetSpent):
            return StreamEnd(str(ended), connection.posts, budget_spent=True)
        if ended is not None:
            return StreamEnd(f"failed: {ended!r}", connection.posts)
        return StreamEnd("disconnected", connection.posts)

    async def catch_up(self) -> int:
        """Recent search for the rules since the newest streamed post: what came while the stream was down."""
        if not self._catch_up or self._cursor is None:
            return 0
        query = " OR ".join(f"({rule})" for rule in self.rules) if len(self.rules) > 1 else self.rules[0]
        poller = XPoller(self._api, self._sink, self._cursors, query)
        try:
            new = await poller.poll_search(query, self.key, self._me)
        except XAccessError as exc:  # the plan may stream but not search: keep streaming without catching up
            log.error("x_stream_catch_up_off", error=str(exc))
            self._catch_up = False
            return 0
        stored = await self._cursors.get_cursor(self.key)
        self._cursor = int(stored) if stored and stored.isdigit() else self._cursor
        log.info("x_stream_caught_up", new=new, cursor=self._cursor)
        return new

    async def take(self, message: dict[str, Any]) -> None:
        """One stream message: its post into the sink, then the cursor; ends the connection past the budget."""
        within_budget = await self._api.budget.count_posts_read(1)
        page = {"data": [message["data"]], "includes": message.get("includes") or {}}
        for post in posts_of(page, self._me):
            await self._sink.accept(post)
        data = message["data"]
        tweet_id = str(data.get("id", "")) if isinstance(data, dict) else ""
        if tweet_id.isascii() and tweet_id.isdigit() and (self._cursor is None or int(tweet_id) > self._cursor):
            self._cursor = int(tweet_id)
            await self._cursors.set_cursor(self.key, tweet_id)
        if not within_budget:
            self._api.budget.before_read("the filtered stream")  # raises XBudgetSpent: ends this connection

    def _raise_if_final(self, end: StreamEnd, failures: int) -> None:
        if end.budget_spent:
            raise XBudgetSpent(end.reason, retry_at=self._api.budget.next_window())
        if end.status is not None:
            refused = refusal(end.status, {}, "the filtered stream", BEARER_TOKEN)
            if refused is not None:
                raise refused
        if failures > self._max_reconnects:
            retry_at = self._clock.now().astimezone(UTC) + PAUSE_AFTER_GIVING_UP
            raise XUnavailable(
                f"the filtered stream failed {failures} times in a row (last: {end.reason}); "
                f"pausing until {retry_at:%H:%M} UTC",
                retry_at=retry_at,
            )


def _backoff(end: StreamEnd) -> RetryPolicy:
    if end.status == 429:
        return RATE_LIMITED
    if end.status is not None:
        return HTTP_ERROR
    return DROPPED
