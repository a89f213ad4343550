"""Storage: SQLModel tables and async repositories (SQLite by default, PostgreSQL in production)."""

from restock_bot.storage.cursors import ChannelCursors
from restock_bot.storage.database import Database
from restock_bot.storage.queue import RetryPolicy, WorkStatus

__all__ = ["ChannelCursors", "Database", "RetryPolicy", "WorkStatus"]
