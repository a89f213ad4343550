"""Signatures of webhook deliveries already taken, kept for the replay window: a delivery sent again
(captured and replayed, or repeated by a sender) is recognised instead of being processed twice."""

from __future__ import annotations

import time
from collections.abc import Callable

MAX_ENTRIES = 100_000  # past this many, the oldest are forgotten first (they are the nearest to expiring)


class SeenSignatures:
    """Each signature is remembered for `window_seconds` after it was first seen (in this process)."""

    def __init__(self, window_seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.window_seconds = window_seconds
        self._clock = clock
        self._until: dict[str, float] = {}  # signature -> when it may be forgotten, in insertion order

    def seen(self, signature: str) -> bool:
        """True when `signature` was remembered within the window: the delivery is a replay."""
        self._forget_expired(self._clock())
        return signature in self._until

    def remember(self, signature: str) -> None:
        """Remember a delivery once it was taken (not when it failed: the sender may send it again)."""
        self._until.setdefault(signature, self._clock() + self.window_seconds)
        if len(self._until) > MAX_ENTRIES:
            del self._until[next(iter(self._until))]

    def _forget_expired(self, now: float) -> None:
        for signature, until in list(self._until.items()):
            if until > now:
                break  # entries expire in the order they were added
            del self._until[signature]
