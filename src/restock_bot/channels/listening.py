"""Listening in the background: one channel's round (a poll, a stream session) again and again until stopped.

Whatever a round does, the next one waits at least `every` seconds, so a failing channel never spins: a
refused credential or plan (ChannelRefused) stops listening with the operator's message, an unavailable
service (ChannelUnavailable) waits until its `retry_at`, anything else is logged and tried next round.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import structlog

from restock_bot.channels.base import ChannelRefused, ChannelUnavailable
from restock_bot.clock import Clock, SystemClock
from restock_bot.retry import Sleep

log = structlog.get_logger(__name__)

Round = Callable[[], Awaitable[object]]


class Listening:
    """Runs `round` every `every` seconds in a background task (`start` / `stop`)."""

    def __init__(
        self,
        name: str,
        round: Round,
        every: float,
        *,
        sleep: Sleep = asyncio.sleep,
        clock: Clock | None = None,
        on_stop: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        self.name = name
        self._round = round
        self._every = every
        self._sleep = sleep
        self._clock = clock or SystemClock()
        self._on_stop = on_stop
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        self.stopped_because: str | None = None  # the refusal that ended listening, for operators

    @property
    def running(self) -> bool:
        """Listening in the background right now."""
        return self._task is not None and not self._task.done()

    def start(self) -> None:
        """Listen in the background (again, after a `stop`: e.g. a listener elected leader once more)."""
        self._stopping = False
        self._task = asyncio.create_task(self.run(), name=self.name)

    async def run(self) -> None:
        """Round after round until a refusal (or cancellation)."""
        while not self._stopping:
            wait = await self.one_round()
            if wait is None or self._stopping:  # a stream swallows the cancellation; the flag does not
                return
            await self._sleep(wait)

    async def one_round(self) -> float | None:
        """Run the round once; returns the seconds to wait before the next, or None to stop listening."""
        try:
            await self._round()
        except ChannelRefused as exc:
            self.stopped_because = str(exc)
            log.error("listening_stopped", channel=self.name, error=str(exc))
            return None
        except ChannelUnavailable as exc:
            log.warning("listening_waits", channel=self.name, error=str(exc), until=exc.retry_at)
            if exc.retry_at is not None:
                return max(self._every, (exc.retry_at - self._clock.now()).total_seconds())
        except Exception:  # one bad round must not end listening
            log.exception("listening_round_failed", channel=self.name)
        return self._every

    async def stop(self) -> None:
        self._stopping = True
        if self._on_stop is not None:
            await self._on_stop()
        if self._task is None:
            return
        self._task.cancel()
        await asyncio.gather(self._task, return_exceptions=True)
        self._task = None
