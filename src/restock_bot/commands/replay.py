"""`restock-bot replay FILE`: a posts JSONL file through the same inbox as every channel, with a progress
bar and a summary. Posts are stored once per (channel, id), so replaying a file again adds nothing."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from restock_bot.commands.service import ConfigOption, err, open_service, out, run, settings_from

if TYPE_CHECKING:
    from restock_bot.channels.replay import BadLine
    from restock_bot.config import Settings
    from restock_bot.restock.service import RestockService
    from restock_bot.storage.replays import Outcome

BATCH = 50


def _count_lines(path: Path) -> int:
    with path.open("rb") as handle:
        return sum(1 for line in handle if line.strip())


class Replay:
    """One replay: reads, stores, then (unless queue-only) triages and records replies, counting all of it."""

    def __init__(self, service: RestockService, progress: Progress, channel: str) -> None:
        self.service = service
        self.progress = progress
        self.channel = channel
        self.accepted: list[str] = []
        self.duplicates = 0
        self.bad: list[BadLine] = []
        self.replies = 0

    async def store(self, path: Path) -> None:
        from restock_bot.channels.replay import BadLine, replay_posts

        total = await asyncio.to_thread(_count_lines, path)
        task = self.progress.add_task("reading", total=total)
        async for item in replay_posts(path, self.channel):
            if isinstance(item, BadLine):
                self.bad.append(item)
            elif await self.service.accept(item):
                self.accepted.append(item.id)
            else:
                self.duplicates += 1
            self.progress.advance(task)

    async def triage(self) -> None:
        """Work the inbox until nothing waits (posts from other channels included: it is one inbox)."""
        from restock_bot.channels.replay import RecordedReplies
        from restock_bot.restock import delivery

        waiting = (await self.service.inbox_counts())["pending"]
        task = self.progress.add_task("triaging", total=waiting)
        while (done := await self.service.process_pending(limit=BATCH)).processed + done.failed:
            self.progress.advance(task, done.processed + done.failed)
        if self.channel == "replay":  # nobody to answer: the replies are recorded, so none waits forever
            senders = {self.channel: RecordedReplies(self.channel)}
            s = self.service
            while (sent := await delivery.deliver_replies(s.database, senders, s.clock, s.retry)).claimed:
                self.replies += sent.delivered

    async def outcome(self) -> Outcome:
        from restock_bot.storage.replays import outcome_of

        async with self.service.database.session() as session:
            return await outcome_of(session, self.channel, self.accepted)


async def _replay(settings: Settings, path: Path, channel: str, queue_only: bool) -> tuple[Replay, Outcome]:
    columns = (TextColumn("{task.description:>9}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    async with open_service(settings, triage=not queue_only) as service:
        with Progress(*columns, console=err, transient=False) as progress:
            replay = Replay(service, progress, channel)
            await replay.store(path)
            if not queue_only:
                await replay.triage()
        return replay, await replay.outcome()


def replay(
    file: Annotated[Path, typer.Argument(help="posts JSONL, one post a line (FORMAT.md)", exists=True, dir_okay=False)],
    channel: Annotated[str, typer.Option(help="the channel the posts are stored under")] = "replay",
    queue_only: Annotated[
        bool, typer.Option("--queue-only", help="only store the posts; the running workers triage them")
    ] = False,
    config: Annotated[Path | None, ConfigOption] = None,
) -> None:
    """Feed a posts file through the inbox: progress bar, then what became of the posts."""
    settings = settings_from(config)
    result, outcome = run(_replay(settings, file, channel, queue_only), settings.database_url)
    table = Table("posts", "count", title=f"replay of {file}")
    rows = [
        ("read", len(result.accepted) + result.duplicates + len(result.bad)),
        ("new", len(result.accepted)),
        ("already in the inbox", result.duplicates),
        ("unreadable lines", len(result.bad)),
        *((f"triaged: {action}", n) for action, n in sorted(outcome.actions.items())),
        ("failed", outcome.statuses["failed"]),
        ("waiting for a worker", outcome.statuses["pending"] + outcome.statuses["claimed"]),
        ("tickets reached", len(outcome.tickets)),
        ("replies recorded", result.replies),
    ]
    for name, n in rows:
        table.add_row(name, str(n))
    out.print(table)
    for bad in result.bad[:20]:
        err.print(f"[yellow]{bad}[/]")
    if len(result.bad) > 20:
        err.print(f"[yellow]… and {len(result.bad) - 20} more unreadable lines[/]")
