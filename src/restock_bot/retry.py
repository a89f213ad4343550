"""Retry policy as data: how often to try again and how long to wait in between."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

Sleep = Callable[[float], Awaitable[None]]
"""An awaitable pause (asyncio.sleep in production; tests pass one that only records)."""


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Up to `attempts` tries in all, waiting base_delay * 2**(retry - 1) seconds, capped at max_delay."""

    attempts: int = 5
    base_delay: float = 1.0
    max_delay: float = 60.0

    def delay(self, retry: int) -> float:
        """Seconds to wait before retry number `retry` (1 is the first retry)."""
        return min(self.max_delay, self.base_delay * 2 ** max(retry - 1, 0))

    def allows(self, retry: int) -> bool:
        """Whether retry number `retry` is still within the budget."""
        return retry < self.attempts
