"""A per-client request rate for the inbound webhooks: a token bucket per client address."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

MAX_CLIENTS = 10_000  # past this many tracked addresses, the ones with a full bucket are forgotten


@dataclass(slots=True)
class _Bucket:
    tokens: float
    at: float


class ClientRateLimit:
    """Up to `per_minute` requests a minute per client (bursts up to that many), refilled continuously."""

    def __init__(self, per_minute: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.per_minute = per_minute
        self._rate = per_minute / 60.0
        self._clock = clock
        self._buckets: dict[str, _Bucket] = {}
        self.refused = 0

    def wait_for(self, client: str) -> float:
        """0 when `client` may send a request now (and counts it), else the seconds until it may."""
        now = self._clock()
        bucket = self._buckets.get(client) or _Bucket(self.per_minute, now)
        bucket.tokens = min(self.per_minute, bucket.tokens + (now - bucket.at) * self._rate)
        bucket.at = now
        self._buckets[client] = bucket
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            self._forget_idle()
            return 0.0
        self.refused += 1
        return (1 - bucket.tokens) / self._rate

    def retry_after(self, client: str) -> int | None:
        """None when allowed, else the Retry-After seconds (whole, at least 1)."""
        wait = self.wait_for(client)
        return max(1, math.ceil(wait)) if wait > 0 else None

    def _forget_idle(self) -> None:
        if len(self._buckets) <= MAX_CLIENTS:
            return
        now = self._clock()
        full = [c for c, b in self._buckets.items() if b.tokens + (now - b.at) * self._rate >= self.per_minute]
        for client in full:
            del self._buckets[client]
