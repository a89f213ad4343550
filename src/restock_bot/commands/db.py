"""`restock-bot db`: the schema's version (current), bringing it to head (upgrade), and, for developers,
writing the next migration from a change to storage/tables.py (revision)."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from restock_bot.commands.service import ConfigOption, out, run, settings_from

if TYPE_CHECKING:
    from restock_bot.storage.schema import SchemaVersion

db_app = typer.Typer(no_args_is_help=True, help="The database schema: upgrade it, see its version.")


@db_app.command("upgrade")
def upgrade(
    config: Annotated[Path | None, ConfigOption] = None,
    revision: Annotated[str, typer.Option(help="the revision to reach")] = "head",
) -> None:
    """Run the migrations up to head: the one-shot step before starting new code (safe to run again)."""
    from restock_bot.storage import schema
    from restock_bot.storage.database import Database

    settings = settings_from(config)
    database = Database(settings.database_url, search_path=settings.database_schema)

    async def work() -> tuple[str | None, str | None]:
        try:
            return await schema.upgrade(database, revision)
        finally:
            await database.dispose()

    before, after = run(work(), settings.database_url)
    if before == after:
        out.print(f"schema already at {after}")
    else:
        out.print(f"schema upgraded from {before or 'empty'} to {after}")


@db_app.command("current")
def current(config: Annotated[Path | None, ConfigOption] = None) -> None:
    """Print the schema's revision and the code's head; exit 1 when the database is behind."""
    from restock_bot.storage import schema
    from restock_bot.storage.database import Database

    settings = settings_from(config)
    database = Database(settings.database_url, search_path=settings.database_schema)

    async def work() -> SchemaVersion:
        try:
            return await schema.schema_version(database)
        finally:
            await database.dispose()

    version = run(work(), settings.database_url)
    state = "at head" if version.at_head else "behind: run `restock-bot db upgrade`"
    out.print(f"current {version.current or 'none (empty database)'}, head {version.head} ({state})")
    if not version.at_head:
        raise typer.Exit(1)


@db_app.command("revision")
def revision(message: Annotated[str, typer.Argument(help="what the change is, e.g. 'ticket tags'")]) -> None:
    """For developers: write the next migration from the difference between storage/tables.py and head."""
    from restock_bot.storage import schema

    with tempfile.TemporaryDirectory() as scratch:
        path = run(schema.new_revision(message, Path(scratch)), f"sqlite+aiosqlite:///{scratch}/revision.db")
    out.print(f"wrote {path}: read it, adjust it, then `ruff format` it")
