"""The two small interfaces every channel adapter implements or calls, and the two ways a channel fails."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from restock_bot.post import Post


class PostSink(Protocol):
    """Where a channel hands each post it receives. Implementations store it first (idempotent on
    (channel, post id)) and process it in a worker, so a crash after `accept` loses nothing."""

    async def accept(self, post: Post) -> bool:
        """Record the post; True when it is new, False when (channel, id) was seen before."""
        ...


class ReplySender(Protocol):
    """Sends the bot's replies back through the channel a post came from."""

    channel: str

    async def reply(self, to: Post, text: str) -> str | None:
        """Reply to `to`; returns the id of the reply post when the channel gives one."""
        ...


class SinkUnavailable(Exception):
    """The sink could not store the post right now (its database is away): nothing was taken, so the channel
    must have the post sent again, after `retry_after_seconds`."""

    def __init__(self, message: str, retry_after_seconds: int = 5) -> None:
        super().__init__(message)
        self.retry_after_seconds = retry_after_seconds


class ChannelRefused(Exception):
    """The channel's service refused the bot's credentials or plan: nothing works until the operator fixes the
    setting the message names, so listening stops instead of retrying."""


class ChannelUnavailable(Exception):
    """The channel's service could not be reached or asked the bot to wait; `retry_at` says until when, if known."""

    def __init__(self, message: str, retry_at: datetime | None = None) -> None:
        super().__init__(message)
        self.retry_at = retry_at
