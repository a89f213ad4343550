"""Alembic's entry point: runs the migrations on the connection `restock_bot.storage.schema` hands over."""

from __future__ import annotations

from typing import Any, Literal

from alembic import context
from alembic.autogenerate.api import AutogenContext
from sqlmodel import SQLModel
from sqlmodel.sql.sqltypes import AutoString

from restock_bot.storage import tables

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations with `restock-bot db upgrade` (restock_bot.storage.schema), not alembic's CLI")


def render_item(type_: str, obj: Any, autogen_context: AutogenContext) -> str | Literal[False]:
    """Write the models' own column types as plain SQLAlchemy ones, so migrations never import the models."""
    if type_ != "type":
        return False
    if isinstance(obj, tables.UTCDateTime):
        return "sa.DateTime(timezone=True)"
    if isinstance(obj, AutoString):
        return f"sa.String(length={obj.length})" if obj.length else "sa.String()"
    return False


context.configure(
    connection=connection,
    target_metadata=SQLModel.metadata,
    render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters a table by copying it
    compare_type=True,
    render_item=render_item,
)
with context.begin_transaction():
    context.run_migrations()
