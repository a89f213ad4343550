"""Failed logins per client address: after `max_failures` wrong tokens within `window_seconds`, every token
that address offers (login form, Bearer header, `?token=`) is refused with 429 until the oldest failure
leaves the window. Guessing a token is then a matter of centuries, not minutes."""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable

MAX_CLIENTS = 10_000  # past this many tracked addresses, those with no failure in the window are forgotten


class FailedLogins:
    """Wrong tokens by client address, over a sliding window."""

    def __init__(self, max_failures: int, window_seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.max_failures = max_failures
        self.window_seconds = window_seconds
        self._clock = clock
        self._failures: dict[str, deque[float]] = {}

    def retry_after(self, client: str) -> int | None:
        """None when `client` may offer a token now, else the whole seconds until it may."""
        failures = self._recent(client, self._clock())
        if len(failures) < self.max_failures:
            return None
        return max(1, math.ceil(failures[0] + self.window_seconds - self._clock()))

    def failed(self, client: str) -> None:
        """Count one wrong token from `client`."""
        now = self._clock()
        self._recent(client, now).append(now)
        if len(self._failures) > MAX_CLIENTS:
            for idle in [c for c, f in self._failures.items() if not self._recent(c, now)]:
                del self._failures[idle]

    def _recent(self, client: str, now: float) -> deque[float]:
        failures = self._failures.setdefault(client, deque())
        while failures and failures[0] <= now - self.window_seconds:
            failures.popleft()
        return failures
