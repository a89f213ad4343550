"""A ticket's priority: more distinct reporters and repeat stock-outs of the product at the store rank it higher."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class PriorityPolicy:
    """Weights of distinct reporters and of repeat stock-outs (earlier tickets for the same store and
    product within `repeat_window_days`, and reopenings)."""

    reporter_weight: int = 1
    repeat_weight: int = 2
    repeat_window_days: float = 90.0


def priority(distinct_reporters: int, repeat_stockouts: int, policy: PriorityPolicy) -> int:
    """The priority of a ticket; higher is more urgent."""
    return policy.reporter_weight * max(0, distinct_reporters) + policy.repeat_weight * max(0, repeat_stockouts)
