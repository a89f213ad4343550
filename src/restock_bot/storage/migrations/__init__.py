"""Alembic migrations of the database schema (run through `restock_bot.storage.schema`)."""
