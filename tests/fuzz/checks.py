"""Checks the properties share."""

from __future__ import annotations

import dataclasses
import json

from restock_bot.post import Post, post_from_dict


def stored_and_read_back(post: Post) -> None:
    """What the inbox stores of a post (UTF-8 JSON, times to the second) reads back as the same post."""
    stored = json.dumps(post.to_dict(), ensure_ascii=False).encode("utf-8")
    to_the_second = dataclasses.replace(post, created_at=post.created_at.replace(microsecond=0))
    assert post_from_dict(json.loads(stored), post.channel) == to_the_second
