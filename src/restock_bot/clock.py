"""Injectable clocks: the core never reads the wall clock itself."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    """The real time, in UTC."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class FixedClock:
    """A clock that only moves when told to (tests)."""

    def __init__(self, start: datetime) -> None:
        self._now = start

    def now(self) -> datetime:
        return self._now

    def advance(self, delta: timedelta) -> None:
        self._now += delta

    def set(self, when: datetime) -> None:
        self._now = when


class AcceleratedClock:
    """Simulated time running `speed` times faster than the wall clock (the demo's `--speed`)."""

    def __init__(self, start: datetime, speed: float) -> None:
        self._start = start
        self._speed = speed
        self._wall_start = time.monotonic()
        self._offset = timedelta(0)

    def now(self) -> datetime:
        elapsed = time.monotonic() - self._wall_start
        return self._start + timedelta(seconds=elapsed * self._speed) + self._offset

    def jump(self, delta: timedelta) -> None:
        """Skip ahead (the demo jumps over quiet hours)."""
        self._offset += delta

    def wall_seconds_until(self, when: datetime) -> float:
        """Real seconds to wait until simulated time reaches `when`."""
        return max(0.0, (when - self.now()).total_seconds() / self._speed)
