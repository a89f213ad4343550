"""Where each channel left off (e.g. the X since_id), so a restart resumes instead of re-reading."""

from __future__ import annotations

from sqlalchemy.dialects import postgresql, sqlite

from restock_bot.clock import Clock
from restock_bot.storage.database import Database
from restock_bot.storage.tables import ChannelCursor


class ChannelCursors:
    """Key -> value positions kept in the database."""

    def __init__(self, database: Database, clock: Clock) -> None:
        self._database = database
        self._clock = clock

    async def get_cursor(self, key: str) -> str | None:
        async with self._database.session() as session:
            row = await session.get(ChannelCursor, key)
            return row.value if row else None

    async def set_cursor(self, key: str, value: str) -> None:
        insert = postgresql.insert if self._database.dialect == "postgresql" else sqlite.insert
        now = self._clock.now()
        statement = insert(ChannelCursor.__table__).values(key=key, value=value, updated_at=now)  # type: ignore[attr-defined]
        statement = statement.on_conflict_do_update(index_elements=["key"], set_={"value": value, "updated_at": now})
        async with self._database.session() as session, session.begin():
            await session.exec(statement)
