"""`restock-bot outbox`: the dead letters (notifications and replies that failed for good) and retrying them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from restock_bot.commands.service import ConfigOption, err, open_service, out, run, settings_from

if TYPE_CHECKING:
    from restock_bot.storage.outbox import DeadLetter

OUTBOXES = ("notifications", "replies")  # storage.outbox.OUTBOXES, without importing the database layer

outbox_app = typer.Typer(no_args_is_help=True, help="Dead letters of the notification and reply outboxes.")


def letter_name(letter: DeadLetter) -> str:
    """How commands name a dead letter: outbox/id, e.g. notifications/12."""
    return f"{letter.outbox}/{letter.id}"


def parse_letter(name: str) -> tuple[str, int]:
    box, _, number = name.partition("/")
    if box not in OUTBOXES or not number.isdigit():
        raise typer.BadParameter(f"{name!r}: give outbox/id, e.g. notifications/12 ({', '.join(OUTBOXES)})")
    return box, int(number)


@outbox_app.command("list")
def list_command(
    as_json: Annotated[bool, typer.Option("--json", help="JSON lines on stdout")] = False,
    config: Annotated[Path | None, ConfigOption] = None,
) -> None:
    """Dead letters, newest first, with the error naming each."""
    settings = settings_from(config)

    async def work() -> list[DeadLetter]:
        async with open_service(settings) as service:
            return await service.dead_letters()

    letters = run(work(), settings.database_url)
    if as_json:
        for d in letters:
            print(json.dumps({"letter": letter_name(d), "key": d.key, "ticket_id": d.ticket_id, "error": d.error}))
        return
    table = Table("letter", "kind", "to", "ticket", "attempts", "error")
    for d in letters:
        to, ticket = f"{d.channel}: {d.recipient}", str(d.ticket_id or "")
        table.add_row(letter_name(d), d.kind, to, ticket, str(d.attempts), d.error)
    out.print(table)
    out.print(f"{len(letters)} dead letter(s)")


@outbox_app.command("retry")
def retry(
    letters: Annotated[list[str] | None, typer.Argument(help="outbox/id as `outbox list` names them")] = None,
    every: Annotated[bool, typer.Option("--all", help="retry every dead letter")] = False,
    config: Annotated[Path | None, ConfigOption] = None,
) -> None:
    """Give dead letters a fresh round of attempts (the workers send them at their next delivery)."""
    if not letters and not every:
        err.print("[red]name the letters to retry (outbox/id) or give --all[/]")
        raise typer.Exit(2)
    wanted = [parse_letter(name) for name in letters or []]
    settings = settings_from(config)

    async def work() -> tuple[list[str], list[str]]:
        async with open_service(settings) as service:
            targets = wanted or [(d.outbox, d.id) for d in await service.dead_letters(limit=100_000)]
            done: list[str] = []
            missing: list[str] = []
            for box, row_id in targets:
                retried = await service.retry_dead_letter(box, row_id)
                (done if retried else missing).append(f"{box}/{row_id}")
            return done, missing

    done, missing = run(work(), settings.database_url)
    out.print(f"{len(done)} letter(s) back in the outbox" + (f": {', '.join(done)}" if done and wanted else ""))
    if missing:
        err.print(f"[yellow]not dead letters (already retried, delivered or unknown): {', '.join(missing)}[/]")
        raise typer.Exit(1)
