"""In-memory stand-ins for the bot's own ports in channel tests: the post inbox, cursor store, pause."""

from __future__ import annotations

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
