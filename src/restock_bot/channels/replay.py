"""The replay channel: a posts JSONL file read as Posts, and replies recorded instead of sent."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path

import structlog

from restock_bot.channels.base import PostSink
from restock_bot.post import Post, PostError, post_from_json

log = structlog.get_logger(__name__)

READ_BATCH_BYTES = 1 << 16


@dataclass(frozen=True, slots=True)
class BadLine:
    """A line of a posts file that could not be read, with the reason naming the field at fault."""

    file: Path
    line: int
    error: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.error}"


def read_line(file: Path, number: int, raw: bytes, channel: str) -> Post | BadLine:
    """One raw JSONL line as a Post, or a BadLine naming file:line and the field."""
    try:
        text = raw.decode("utf-8-sig" if number == 1 else "utf-8")
    except UnicodeDecodeError as exc:
        return BadLine(file, number, f"not UTF-8 (bad byte at offset {exc.start})")
    try:
        return post_from_json(text, channel)
    except PostError as exc:
        return BadLine(file, number, str(exc))


async def replay_posts(path: Path | str, channel: str = "replay") -> AsyncIterator[Post | BadLine]:
    """Each non-blank line of a posts JSONL file as a Post, or a BadLine; one bad line stops nothing."""
    file = Path(path)
    lines = await asyncio.to_thread(file.open, "rb")
    try:
        number = 0
        while batch := await asyncio.to_thread(lines.readlines, READ_BATCH_BYTES):
            for raw in batch:
                number += 1
                if raw.strip():
                    yield read_line(file, number, raw, channel)
    finally:
        lines.close()


@dataclass(slots=True)
class ReplaySummary:
    """What a replay handed to the sink: new posts, ones seen before, and lines it could not read."""

    accepted: int = 0
    duplicates: int = 0
    bad_lines: list[BadLine] = field(default_factory=list)


async def replay_into(sink: PostSink, path: Path | str, channel: str = "replay") -> ReplaySummary:
    """Hand every post of a JSONL file to `sink`, logging and counting the lines that are bad."""
    summary = ReplaySummary()
    async for item in replay_posts(path, channel):
        if isinstance(item, BadLine):
            log.warning("replay_bad_line", where=f"{item.file}:{item.line}", error=item.error)
            summary.bad_lines.append(item)
        elif await sink.accept(item):
            summary.accepted += 1
        else:
            summary.duplicates += 1
    return summary


@dataclass(frozen=True, slots=True)
class SentReply:
    """A reply the bot would have posted, and the post it answers."""

    id: str
    to: Post
    text: str


class RecordedReplies:
    """A ReplySender for replays and the demo: keeps every reply, and shows it through `show` if given."""

    def __init__(self, channel: str = "replay", show: Callable[[str], None] | None = None) -> None:
        self.channel = channel
        self.sent: list[SentReply] = []
        self._show = show

    async def reply(self, to: Post, text: str) -> str | None:
        """Record the reply and return its made-up id (`<channel>-reply-<n>`)."""
        reply = SentReply(id=f"{self.channel}-reply-{len(self.sent) + 1}", to=to, text=text)
        self.sent.append(reply)
        if self._show is not None:
            self._show(f"↩ @{to.author.username or to.author.id} (post {to.id}): {text}")
        return reply.id
