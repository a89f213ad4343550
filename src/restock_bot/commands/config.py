"""`restock-bot config show`: the settings as the bot reads them (defaults, TOML file, environment and secret
files merged), as JSON, with every secret shown as ********** and the database password hidden."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from restock_bot.commands.service import ConfigOption, out, settings_from

config_app = typer.Typer(no_args_is_help=True, help="The settings: show what the bot reads.")


@config_app.command("show")
def show(config: Annotated[Path | None, ConfigOption] = None) -> None:
    """Print the merged settings as JSON, secrets masked (safe to paste into a ticket)."""
    settings = settings_from(config)
    shown = settings.model_dump(mode="json")  # secrets dump as "**********", the database URL without password
    out.print_json(json.dumps(shown, ensure_ascii=False))
