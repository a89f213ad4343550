"""`restock-bot reporters`: export everything kept about a reporter as JSON, or forget them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from restock_bot.commands.service import ConfigOption, err, open_service, out, run, settings_from

if TYPE_CHECKING:
    from restock_bot.restock.service import RestockService

reporters_app = typer.Typer(no_args_is_help=True, help="A reporter's data: export it, forget it.")

ReporterArgument = typer.Argument(help="channel:author_id (as on /reporters and the gift desk) or @handle")


async def _one_reporter(service: RestockService, who: str) -> str:
    from restock_bot.storage.reporter_data import find_reporters

    async with service.database.session() as session:
        found = await find_reporters(session, who)
    if len(found) == 1:
        return found[0]
    if not found:
        raise LookupError(f"no reporter {who!r} in the database")
    raise LookupError(f"{who!r} names {len(found)} reporters ({', '.join(found)}): give one of these keys")


@reporters_app.command("export")
def export(
    reporter: Annotated[str, ReporterArgument],
    to: Annotated[Path | None, typer.Option("--out", help="write the JSON here (default: stdout)")] = None,
    config: Annotated[Path | None, ConfigOption] = None,
) -> None:
    """Everything kept about one reporter, as JSON: posts, triage, reports, replies, gifts, events."""
    from restock_bot.storage.reporter_data import export_reporter

    settings = settings_from(config)

    async def work() -> dict[str, Any]:
        async with open_service(settings) as service:
            key = await _one_reporter(service, reporter)
            async with service.database.session() as session:
                return await export_reporter(session, key, service.clock.now())

    try:
        data = run(work(), settings.database_url)
    except (LookupError, ValueError) as exc:
        err.print(f"[red]{exc}[/]")
        raise typer.Exit(1) from exc
    text = json.dumps(data, ensure_ascii=False, indent=2)
    if to is None:
        print(text)
    else:
        to.write_text(text + "\n", encoding="utf-8")
        err.print(f"wrote {to}: {len(data['posts'])} post(s), {len(data['reports'])} report(s) of {data['reporter']}")


@reporters_app.command("forget")
def forget(
    reporter: Annotated[str, ReporterArgument],
    yes: Annotated[bool, typer.Option("--yes", help="do not ask for confirmation")] = False,
    config: Annotated[Path | None, ConfigOption] = None,
) -> None:
    """Erase a reporter: their posts, reports, replies and gifts go; tickets stay with one report fewer."""
    from restock_bot.storage.reporter_data import forget_reporter

    if not yes:
        typer.confirm(f"Erase everything kept about {reporter}? This cannot be undone", abort=True)
    settings = settings_from(config)

    async def work() -> tuple[str, dict[str, int]]:
        async with open_service(settings) as service:
            key = await _one_reporter(service, reporter)
            async with service.database.session() as session, session.begin():
                return key, await forget_reporter(session, key)

    try:
        key, counts = run(work(), settings.database_url)
    except (LookupError, ValueError) as exc:
        err.print(f"[red]{exc}[/]")
        raise typer.Exit(1) from exc
    gone = ", ".join(f"{n} {name}" for name, n in counts.items())
    out.print(f"forgot {key}: {gone}")
