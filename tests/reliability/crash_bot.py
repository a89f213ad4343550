"""The bot the crash tests kill: `RestockBot` as `restock-bot run` builds it (role `all`: web app, inbox
worker, SLA sweep, outbox delivery), fed a replay file through its inbox, on a scaled clock.

`restock-bot run` reads the wall clock; a 48-hour SLA needs simulated time, so the clock here starts at
ORIGIN, stands still while the bot starts up and then runs SPEED times faster than the wall clock. The test
starts each process at the simulated time its killed predecessor reached: simulated time passes only while
a bot serves, so a crash costs no SLA time and the expected SLA events follow from the serving time alone.

Each post reaches the inbox when simulated time reaches its `created_at`, as the demo replays it. A restarted
feeder skips the posts the inbox already holds, as a channel resumes from its cursor; the file's repeated
lines, and a post in flight when the bot died, meet the inbox's own dedupe.

    python -m tests.reliability.crash_bot CONFIG REPLAY ORIGIN SPEED [STOP_AT]
"""

from __future__ import annotations

import asyncio
import signal
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

from sqlmodel import select

from restock_bot.app import Inbox, RestockBot, configure_logging
from restock_bot.channels.replay import BadLine, replay_posts
from restock_bot.config import load_settings
from restock_bot.storage.database import Database
from restock_bot.storage.tables import PostRow

CHANNEL = "webhook"  # replies to these posts go to `webhook_reply_url`, where the test's receiver counts them
RUNNING = "crash-bot running"
FED = "crash-bot fed"


class ScaledClock:
    """Simulated time: `origin` until `start()`, then running `speed` times faster than the wall clock, up to
    `stop_at` if given (the last process of a test stops there, so the end state holds still)."""

    def __init__(self, origin: datetime, speed: float, stop_at: datetime | None = None) -> None:
        self.origin, self.speed, self.stop_at = origin, speed, stop_at
        self.wall_origin: float | None = None

    def start(self) -> float:
        """Set the clock going; the wall-clock time (seconds since the epoch) it started at."""
        self.wall_origin = time.time()
        return self.wall_origin

    def now(self) -> datetime:
        if self.wall_origin is None:
            return self.origin
        now = self.origin + timedelta(seconds=(time.time() - self.wall_origin) * self.speed)
        return now if self.stop_at is None else min(now, self.stop_at)


async def stored_posts(database: Database) -> set[str]:
    async with database.session() as session:
        return set((await session.exec(select(PostRow.post_id).where(PostRow.channel == CHANNEL))).all())


async def feed(inbox: Inbox, database: Database, replay: Path, clock: ScaledClock) -> tuple[int, int]:
    """Hand each post not yet stored to the inbox at its `created_at`; (new, already there)."""
    stored = await stored_posts(database)
    new = repeats = 0
    async for item in replay_posts(replay, CHANNEL):
        if isinstance(item, BadLine) or item.id in stored:
            continue
        wait = (item.created_at - clock.now()).total_seconds() / clock.speed
        if wait > 0:
            await asyncio.sleep(wait)
        if await inbox.accept(item):
            new += 1
        else:
            repeats += 1
    return new, repeats


async def serve(config: Path, replay: Path, clock: ScaledClock) -> None:
    """Run the bot and feed it the replay until SIGTERM (SIGKILL, of course, ends it anywhere)."""
    settings = load_settings(config)
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    async with RestockBot(settings, clock=clock) as bot:
        print(f"{RUNNING} since {clock.start()!r} on {bot.url}", file=sys.stderr, flush=True)
        feeding = asyncio.create_task(feed(bot.inbox, bot.service.database, replay, clock))
        feeding.add_done_callback(lambda t: t.cancelled() or print(f"{FED} {t.result()}", file=sys.stderr, flush=True))
        await stop.wait()
        feeding.cancel()


def main(argv: list[str]) -> None:
    config, replay, origin, speed, *stop_at = argv
    configure_logging("warning")
    clock = ScaledClock(datetime.fromisoformat(origin), float(speed), *map(datetime.fromisoformat, stop_at))
    asyncio.run(serve(Path(config), Path(replay), clock))


if __name__ == "__main__":
    main(sys.argv[1:])
