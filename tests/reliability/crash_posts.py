"""A synthetic replay for the crash tests: stock-out posts about the packaged demo stores and products,
look-alikes that must not become tickets, reports repeated by other shoppers, and lines sent twice.

Everything is made here from `stores.csv` and `products.csv` with a seeded generator, so a seed always
gives the same file."""

from __future__ import annotations

import csv
import json
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from restock_bot.config import DATA_DIR

FIRST_POST_AT = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)
STORE_POOL = 40  # stores the shoppers write about: enough for hundreds of tickets, few enough for repeats
RESENT_SHARE = 0.06  # lines that repeat an earlier line exactly (a channel delivering a post twice)

STOCKOUT = (
    "Went to {store} today and there's not a single pack of {product} on the shelf 😤 #NibboKahanHai",
    "{store} has had no {product} for a week now, please restock @NibboSnacks",
    "no {product} at {store} again. third time this month 🙄",
    "@NibboSnacks {store} is out of {product}, whole shelf empty",
    "Bhai {store} mein {product} khatam ho gaya hai, 3 din se nahi aaya",
    "Yaar {store} me {product} ka ek bhi packet nahi hai #NibboKahanHai",
    "Can't find {product} anywhere at {store} 😭 restock please",
)
BRAND_ONLY = (
    "{store} has no Nibbo at all since Monday, please restock @NibboSnacks",
    "not one Nibbo pack left at {store} 😤",
)
LOOKALIKE = (
    "Finally found {product} at {store} 🙌 bought 5 packs",
    "{product} is the best baked snack, fight me",
    "Is {store} open on Sunday? need groceries",
    "{store} has no Lays Magic Masala today, annoying",
    "Just had {product} with chai at home, perfect evening ☕",
    "RT @NibboSnacks: Can't find Nibbo at your store? Post the store name with #NibboKahanHai",
    "{store} restocked {product} yesterday, shelf is full now 👍",
)


@dataclass(frozen=True, slots=True)
class Replay:
    """The file's lines (as dicts, in order) and how they were made."""

    lines: list[dict[str, Any]]
    stockouts: int
    lookalikes: int
    resent: int

    @property
    def post_ids(self) -> set[str]:
        return {line["id"] for line in self.lines}

    def write(self, path: Path) -> Path:
        path.write_text("".join(json.dumps(line, ensure_ascii=False) + "\n" for line in self.lines), encoding="utf-8")
        return path


def _rows(name: str) -> list[dict[str, str]]:
    with (DATA_DIR / name).open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def make_replay(count: int, seed: int, spacing: timedelta = timedelta(seconds=30)) -> Replay:
    """`count` lines, `spacing` apart on average: about three in four stock-outs (some naming only the brand),
    the rest look-alikes, with RESENT_SHARE of them a repeat of an earlier line."""
    rng = random.Random(seed)
    stores = rng.sample([s for s in _rows("stores.csv") if s["country"] == "IN"], STORE_POOL)
    products = [p["name"] for p in _rows("products.csv")]
    authors = [(str(100000 + n), f"shopper_{n}") for n in range(count // 3)]
    lines: list[dict[str, Any]] = []
    stockouts = lookalikes = resent = 0
    at = FIRST_POST_AT
    for n in range(count):
        at += spacing * rng.uniform(0.2, 1.8)
        if lines and rng.random() < RESENT_SHARE:
            lines.append(dict(rng.choice(lines)))
            resent += 1
            continue
        store, product = rng.choice(stores), rng.choice(products)
        roll = rng.random()
        if roll < 0.65:
            template, stockouts = rng.choice(STOCKOUT), stockouts + 1
        elif roll < 0.75:
            template, stockouts = rng.choice(BRAND_ONLY), stockouts + 1
        else:
            template, lookalikes = rng.choice(LOOKALIKE), lookalikes + 1
        author_id, username = rng.choice(authors)
        lines.append(
            {
                "id": f"crash-{seed}-{n:06d}",
                "text": template.format(store=store["name"], product=product),
                "created_at": at.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "author": {"id": author_id, "username": username},
                "lang": "en",
                "in_reply_to": None,
            }
        )
    return Replay(lines, stockouts, lookalikes, resent)
