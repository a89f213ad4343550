"""Triage fixtures: the bundled Nibbo catalogue and retailer list, read once per test session."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from restock_bot.config import DATA_DIR
from restock_bot.post import Post, post_from_dict
from restock_bot.triage.decide import Triage

POSTS_DIR = Path(__file__).parent.parent / "posts"


@pytest.fixture(scope="session")
def triage() -> Triage:
    return Triage.from_files(DATA_DIR / "stores.csv", DATA_DIR / "products.csv")


def make_post(text: str, *, post_id: str = "1", author: str = "shopper", **fields: Any) -> Post:
    """A post as a channel would hand it over, with only what a test cares about."""
    data: dict[str, Any] = {
        "id": post_id,
        "text": text,
        "author": {"id": author, "username": author},
        "created_at": datetime(2026, 3, 10, 9, 0, tzinfo=UTC).isoformat(),
    }
    data.update(fields)
    return post_from_dict(data)


def labelled(name: str) -> list[dict[str, Any]]:
    """The labelled test posts of one file under tests/posts/ (post fields plus gold fields)."""
    with (POSTS_DIR / name).open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]
