"""How operator commands reach the bot's data: the same RestockService `run` uses, opened from the config,
and failures turned into one red line and an exit code (2: fix the config or schema; 1: the database).

Heavy modules are imported inside the functions, so `restock-bot triage` and `--help` start quickly."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Coroutine, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import typer
from rich.console import Console

if TYPE_CHECKING:
    from restock_bot.config import Settings
    from restock_bot.post import Post
    from restock_bot.restock.service import RestockService
    from restock_bot.triage.decision import Decision

T = TypeVar("T")

err = Console(stderr=True, soft_wrap=True, highlight=False)
out = Console(soft_wrap=True, highlight=False)

ConfigOption = typer.Option(help="TOML config file (else RESTOCK_BOT_CONFIG, RESTOCK_BOT_* variables)", dir_okay=False)


class NoTriage:
    """The triage of commands that only read and change tickets: it is never asked."""

    def decide(self, post: Post, parent: Post | None = None, earlier: Sequence[Post] = ()) -> Decision:
        raise RuntimeError(f"post {post.channel}/{post.id}: this command does not triage posts")


def settings_from(config: Path | None) -> Settings:
    """The settings, or exit 2 naming what is wrong with them; the bot's own logs down to warnings (the
    command prints what it did)."""
    from restock_bot.app import configure_logging
    from restock_bot.config import load_settings

    configure_logging("warning")
    try:
        return load_settings(config)
    except (FileNotFoundError, ValueError) as exc:
        err.print(f"[red]{exc}[/]")
        raise typer.Exit(2) from exc


@asynccontextmanager
async def open_service(settings: Settings, *, triage: bool = False) -> AsyncIterator[RestockService]:
    """The service on the configured database (migrated at start as `run` does); triage loaded when asked."""
    import aiohttp

    from restock_bot.clock import SystemClock
    from restock_bot.notify.distributor import DistributorWebhooks
    from restock_bot.restock.service import RestockService

    async with aiohttp.ClientSession() as http:
        service = await RestockService.open(
            settings,
            clock=SystemClock(),
            notifier=DistributorWebhooks(settings.distributors, http),
            triage=None if triage else NoTriage(),
        )
        try:
            yield service
        finally:
            await service.close()


def run(work: Coroutine[Any, Any, T], database_url: str) -> T:
    """Run a command's coroutine; a schema or database problem exits with one line saying so."""
    from sqlalchemy.exc import DBAPIError

    from restock_bot.storage.schema import SchemaError

    try:
        return asyncio.run(work)
    except SchemaError as exc:
        err.print(f"[red]{exc}[/]")
        raise typer.Exit(2) from exc
    except (DBAPIError, OSError) as exc:
        where = database_url.split("@")[-1]
        err.print(f"[red]cannot reach the database ({where}): {exc}[/]")
        raise typer.Exit(1) from exc
