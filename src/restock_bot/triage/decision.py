"""What triage answers for one post, with the reasons a person can read."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Action(StrEnum):
    TICKET = "ticket"  # a stock-out at one known store: open or join a restock ticket
    CLARIFY = "clarify"  # a stock-out but the store cannot be told: ask the poster which store
    IGNORE = "ignore"  # not a stock-out report


@dataclass(frozen=True, slots=True)
class Candidate:
    """A store triage considered, with its score and how it was found."""

    store_id: str
    label: str
    score: float
    why: str = ""
    distance_km: float | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "store_id": self.store_id,
            "label": self.label,
            "score": round(self.score, 1),
            "why": self.why,
        }
        if self.distance_km is not None:
            out["distance_km"] = round(self.distance_km, 2)
        return out


@dataclass(frozen=True, slots=True)
class Decision:
    """Triage's answer: the action, the product and store it found, and why."""

    post_id: str
    action: Action
    stockout: bool
    store_id: str | None = None
    sku: str | None = None
    brand: str | None = None
    language: str = "und"
    candidates: tuple[Candidate, ...] = ()
    reasons: tuple[str, ...] = field(default=())
    resolves: str | None = None  # the original post id this reply completes

    def to_answer(self) -> dict[str, Any]:
        """The one-line answer of ../shared/eval/FORMAT.md."""
        return {
            "id": self.post_id,
            "stockout": self.stockout,
            "store_id": self.store_id,
            "sku": self.sku,
            "action": self.action.value,
        }

    def explain(self) -> dict[str, Any]:
        """The answer plus the reasons, for `triage --explain` and the portal."""
        out = self.to_answer()
        out.update(
            {
                "brand": self.brand,
                "language": self.language,
                "resolves": self.resolves,
                "reasons": list(self.reasons),
                "candidates": [c.to_dict() for c in self.candidates],
            }
        )
        return out
