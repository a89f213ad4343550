"""Post -> Decision: the triage entry point (work in progress: the real reading lands next)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from restock_bot.post import Post
from restock_bot.retailers import Store, load_stores
from restock_bot.triage.catalog import Product, load_products
from restock_bot.triage.decision import Action, Decision


class Triage:
    """Reads posts against one retailer list and one catalogue. Pure: no I/O after construction."""

    def __init__(self, stores: Iterable[Store], products: Iterable[Product], brand_handles: Iterable[str] = ()):
        self.stores = {s.store_id: s for s in stores}
        self.products = list(products)

    @classmethod
    def from_files(cls, stores_csv: str | Path, products_csv: str | Path) -> Triage:
        stores, _problems = load_stores(stores_csv)
        return cls(stores, load_products(products_csv))

    def decide(self, post: Post, parent: Post | None = None) -> Decision:
        """Triage `post`; `parent` is the post it replies to when that is a report awaiting 'which store?'."""
        return Decision(post_id=post.id, action=Action.IGNORE, stockout=False)
