"""In-memory stand-ins for the bot's own ports in channel tests: the post inbox, cursor store, pause."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

from restock_bot.post import Post


class MemorySink:
    """A PostSink keeping posts in arrival order, idempotent on (channel, post id) like the real inbox."""

    def __init__(self) -> None:
        self.posts: dict[tuple[str, str], Post] = {}

    async def accept(self, post: Post) -> bool:
        key = (post.channel, post.id)
        if key in self.posts:
            return False
        self.posts[key] = post
        return True

    def by_id(self, post_id: str) -> Post:
        """The one accepted post with this id."""
        return next(post for (_, seen_id), post in self.posts.items() if seen_id == post_id)

    @property
    def ids(self) -> list[str]:
        return [post_id for _, post_id in self.posts]


class MemoryCursors:
    """A CursorStore in a dict; share one instance between two pollers to play a restart."""

    def __init__(self) -> None:
        self.cursors: dict[str, str] = {}

    async def get_cursor(self, key: str) -> str | None:
        return self.cursors.get(key)

    async def set_cursor(self, key: str, value: str) -> None:
        self.cursors[key] = value


class RecordedSleeps:
    """A sleep that only records how long it was asked to wait."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


class WatchedSink(MemorySink):
    """A MemorySink that counts every hand-over and lets a test wait (on an event, not a clock) for posts."""

    def __init__(self) -> None:
        super().__init__()
        self.offered: dict[str, int] = {}
        self._changed = asyncio.Event()

    async def accept(self, post: Post) -> bool:
        self.offered[post.id] = self.offered.get(post.id, 0) + 1
        new = await super().accept(post)
        self._changed.set()
        return new

    async def until_has(self, ids: Iterable[str]) -> None:
        """Return once every id in `ids` was accepted (a guard of 20 s only stops a hung test)."""
        wanted = set(ids)
        async with asyncio.timeout(20):
            while not wanted <= set(self.ids):
                self._changed.clear()
                await self._changed.wait()
