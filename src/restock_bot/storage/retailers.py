"""The retailer list in the database: `import_stores` upserts stores by store_id."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import islice
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite

from restock_bot.retailers import Store
from restock_bot.storage.database import Database
from restock_bot.storage.tables import StoreRow

BATCH = 500  # rows per statement: well under SQLite's limit on bound parameters


def store_values(store: Store) -> dict[str, Any]:
    """The `stores` row of one Store."""
    return {
        "store_id": store.store_id,
        "name": store.name,
        "chain": store.chain,
        "aliases": list(store.aliases),
        "handle": store.handle,
        "address": store.address,
        "locality": store.locality,
        "city": store.city,
        "state": store.state,
        "country": store.country,
        "postcode": store.postcode,
        "lat": store.lat,
        "lon": store.lon,
        "distributor_id": store.distributor_id,
        "extra": dict(store.extra),
    }


def _batches(stores: Iterable[Store]) -> Iterator[list[dict[str, Any]]]:
    rows = (store_values(store) for store in stores)
    while batch := list(islice(rows, BATCH)):
        yield batch


async def upsert_stores(database: Database, stores: Iterable[Store]) -> int:
    """Insert new stores and update known ones (by store_id) in one transaction; returns how many."""
    table = StoreRow.__table__  # type: ignore[attr-defined]
    insert = postgresql.insert if database.dialect == "postgresql" else sqlite.insert
    count = 0
    async with database.session() as session, session.begin():
        for batch in _batches(stores):
            statement = insert(table).values(batch)
            updates = {c.name: statement.excluded[c.name] for c in table.columns if c.name != "store_id"}
            await session.exec(statement.on_conflict_do_update(index_elements=["store_id"], set_=updates))
            count += len(batch)
    return count


async def import_stores(
    database_url: str, stores: Iterable[Store], *, search_path: str | None = None, auto_migrate: bool = True
) -> int:
    """Load a retailer list into the database at `database_url` (the schema upgraded first when allowed)."""
    from restock_bot.storage.schema import prepare

    database = Database(database_url, search_path=search_path)
    try:
        await prepare(database, auto_migrate=auto_migrate)
        return await upsert_stores(database, stores)
    finally:
        await database.dispose()
