"""The X budget: requests and posts read, posts created, per window, from `x.budget`.

X bills per post read and per post created, and the plans cap both per month. Every request asks the budget
first; past the limit it raises XBudgetSpent with the start of the next window, so the bot waits instead of
spinning. Usage is kept in the cursor store (`x:usage`), so a restart does not reset the count.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

import structlog

from restock_bot.channels.x_errors import XBudgetSpent
from restock_bot.clock import Clock
from restock_bot.config import XBudgetSettings

log = structlog.get_logger(__name__)

USAGE_KEY = "x:usage"


class UsageStore(Protocol):
    """Where usage survives restarts: any CursorStore (get_cursor / set_cursor of strings)."""

    async def get_cursor(self, key: str) -> str | None: ...

    async def set_cursor(self, key: str, value: str) -> None: ...


@dataclass(slots=True)
class Usage:
    """What one window has used so far."""

    window_start: datetime
    read_requests: int = 0
    posts_read: int = 0
    posts_created: int = 0

    def to_json(self) -> str:
        values = asdict(self) | {"window_start": self.window_start.isoformat()}
        return json.dumps(values)

    @classmethod
    def from_json(cls, text: str) -> Usage:
        values = json.loads(text)
        return cls(
            window_start=datetime.fromisoformat(values["window_start"]),
            read_requests=int(values.get("read_requests", 0)),
            posts_read=int(values.get("posts_read", 0)),
            posts_created=int(values.get("posts_created", 0)),
        )


class XBudget:
    """Counts X usage per window and refuses work past `x.budget`; `usage()` shows where it stands."""

    def __init__(self, settings: XBudgetSettings, clock: Clock, store: UsageStore | None = None) -> None:
        self.settings = settings
        self._clock = clock
        self._store = store
        self._window = timedelta(hours=settings.window_hours)
        self._usage = Usage(self._window_start())

    async def restore(self, store: UsageStore) -> None:
        """Keep usage in `store` from now on, continuing this window's count if one is stored."""
        self._store = store
        stored = await store.get_cursor(USAGE_KEY)
        if not stored:
            return
        try:
            usage = Usage.from_json(stored)
        except (ValueError, KeyError, TypeError) as exc:
            log.warning("x_usage_unreadable", key=USAGE_KEY, error=str(exc))
            return
        if usage.window_start == self._window_start():
            self._usage = usage

    # -- reads

    def before_read(self, what: str, min_posts: int = 1) -> None:
        """Raise XBudgetSpent unless one more request, returning at least `min_posts` posts, fits."""
        usage = self._current()
        if usage.read_requests >= self.settings.read_requests:
            self._spent(what, f"{usage.read_requests} of {self.settings.read_requests} read requests")
        if self.settings.posts_read - usage.posts_read < min_posts:
            self._spent(what, f"{usage.posts_read} of {self.settings.posts_read} posts read")

    def page_size(self, wanted: int) -> int:
        """`wanted` cut to the posts still allowed in this window."""
        return max(0, min(wanted, self.settings.posts_read - self._current().posts_read))

    async def count_request(self) -> None:
        """One read request went out."""
        self._current().read_requests += 1
        await self._save()

    async def count_posts_read(self, posts: int) -> bool:
        """X delivered `posts` posts; True while the window still allows more."""
        usage = self._current()
        usage.posts_read += posts
        await self._save()
        return usage.posts_read < self.settings.posts_read

    # -- creates

    async def reserve_create(self, what: str) -> None:
        """Count one post about to be created, or raise XBudgetSpent when the window allows no more."""
        usage = self._current()
        if usage.posts_created >= self.settings.posts_created:
            self._spent(what, f"{usage.posts_created} of {self.settings.posts_created} posts created")
        usage.posts_created += 1
        await self._save()

    async def release_create(self) -> None:
        """X answered that it did not create the reserved post."""
        usage = self._current()
        usage.posts_created = max(0, usage.posts_created - 1)
        await self._save()

    # -- showing it

    def usage(self) -> dict[str, Any]:
        """This window's usage against the limits, as JSON-ready data."""
        usage = self._current()
        limits = self.settings
        return {
            "window_start": usage.window_start.isoformat(),
            "window_end": (usage.window_start + self._window).isoformat(),
            "read_requests": {"used": usage.read_requests, "limit": limits.read_requests},
            "posts_read": {"used": usage.posts_read, "limit": limits.posts_read},
            "posts_created": {"used": usage.posts_created, "limit": limits.posts_created},
        }

    def next_window(self) -> datetime:
        return self._current().window_start + self._window

    # -- inside

    def _window_start(self) -> datetime:
        seconds = self._window.total_seconds()
        now = self._clock.now().timestamp()
        return datetime.fromtimestamp(now - now % seconds, UTC)

    def _current(self) -> Usage:
        start = self._window_start()
        if self._usage.window_start != start:
            self._usage = Usage(start)
        return self._usage

    def _spent(self, what: str, used: str) -> None:
        until = self.next_window()
        message = f"X budget spent: {what} would exceed {used} (x.budget) in this window"
        raise XBudgetSpent(f"{message}; waiting until {until:%Y-%m-%d %H:%M} UTC", retry_at=until)

    async def _save(self) -> None:
        if self._store is not None:
            await self._store.set_cursor(USAGE_KEY, self._usage.to_json())
