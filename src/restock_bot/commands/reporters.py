"""`restock-bot reporters`: export everything kept about a reporter as JSON, forget (delete) them, purge
shipping addresses whose time is up, list reports held by the ticket caps."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from restock_bot.commands.service import ConfigOption, err, open_service, out, run, settings_from

if TYPE_CHECKING:
    from restock_bot.restock.service import RestockService

reporters_app = typer.Typer(
    no_args_is_help=True, help="A reporter's data: export it, forget it; purge addresses; held reports."
)

ReporterArgument = typer.Argument(
    help="channel:author_id (as on /reporters and the gift desk), @handle, or a channel followed by a handle"
)
HandleArgument = typer.Argument(help="the handle on that channel (with the channel as the first argument)")


async def _one_reporter(service: RestockService, who: str, handle: str | None = None) -> str:
    from restock_bot.storage.reporter_data import find_reporters

    async with service.database.session() as session:
        found = await (find_reporters(session, handle, channel=who) if handle else find_reporters(session, who))
    named = f"{who} {handle}" if handle else who
    if len(found) == 1:
        return found[0]
    if not found:
        raise LookupError(f"no reporter {named!r} in the database")
    raise LookupError(f"{named!r} names {len(found)} reporters ({', '.join(found)}): give one of these keys")


@reporters_app.command("export")
def export(
    reporter: Annotated[str, ReporterArgument],
    handle: Annotated[str | None, HandleArgument] = None,
    to: Annotated[Path | None, typer.Option("--out", help="write the JSON here (default: stdout)")] = None,
    config: Annotated[Path | None, ConfigOption] = None,
) -> None:
    """Everything kept about one reporter, as JSON: posts, triage, reports, held reports, replies, gifts
    with any shipping address, events."""
    from restock_bot.storage.reporter_data import export_reporter

    settings = settings_from(config)

    async def work() -> dict[str, Any]:
        async with open_service(settings) as service:
            key = await _one_reporter(service, reporter, handle)
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


def _forget(reporter: str, handle: str | None, yes: bool, config: Path | None) -> None:
    from restock_bot.storage.reporter_data import forget_reporter

    named = f"{reporter} {handle}" if handle else reporter
    if not yes:
        typer.confirm(f"Erase everything kept about {named}? This cannot be undone", abort=True)
    settings = settings_from(config)

    async def work() -> tuple[str, dict[str, int]]:
        async with open_service(settings) as service:
            key = await _one_reporter(service, reporter, handle)
            async with service.database.session() as session, session.begin():
                return key, await forget_reporter(session, key)

    try:
        key, counts = run(work(), settings.database_url)
    except (LookupError, ValueError) as exc:
        err.print(f"[red]{exc}[/]")
        raise typer.Exit(1) from exc
    gone = ", ".join(f"{n} {name}" for name, n in counts.items())
    out.print(f"forgot {key}: {gone}")


YesOption = typer.Option("--yes", help="do not ask for confirmation")


@reporters_app.command("forget")
def forget(
    reporter: Annotated[str, ReporterArgument],
    handle: Annotated[str | None, HandleArgument] = None,
    yes: Annotated[bool, YesOption] = False,
    config: Annotated[Path | None, ConfigOption] = None,
) -> None:
    """Erase a reporter: replies, gifts and shipping addresses are deleted; posts, reports and events are
    pseudonymised (no text, handle or id left); tickets keep their report counts."""
    _forget(reporter, handle, yes, config)


@reporters_app.command("delete")
def delete(
    reporter: Annotated[str, ReporterArgument],
    handle: Annotated[str | None, HandleArgument] = None,
    yes: Annotated[bool, YesOption] = False,
    config: Annotated[Path | None, ConfigOption] = None,
) -> None:
    """The same as `forget` (the word a data-deletion request uses)."""
    _forget(reporter, handle, yes, config)


@reporters_app.command("purge-addresses")
def purge_addresses(config: Annotated[Path | None, ConfigOption] = None) -> None:
    """Delete the shipping addresses whose time is up: `gift_address_days` after shipping, at once for
    rejected gifts (the web app also does this hourly; run it from cron on worker-only deployments)."""
    from restock_bot.restock.fulfilment import delete_due_addresses

    settings = settings_from(config)

    async def work() -> int:
        async with open_service(settings) as service:
            return await delete_due_addresses(service.database, service.clock.now())

    out.print(f"{run(work(), settings.database_url)} shipping address(es) deleted")


@reporters_app.command("held")
def held(
    limit: Annotated[int, typer.Option(help="how many, newest first")] = 50,
    as_json: Annotated[bool, typer.Option("--json", help="JSON lines instead of a table")] = False,
    config: Annotated[Path | None, ConfigOption] = None,
) -> None:
    """Reports the ticket caps held (no ticket, no distributor told), with the reason, newest first."""
    from restock_bot.storage.held_reports import held_reports

    settings = settings_from(config)

    async def work() -> list[dict[str, Any]]:
        async with open_service(settings) as service, service.database.session() as session:
            rows = await held_reports(session, limit)
        return [r.model_dump(mode="json", exclude={"post_row_id"}) for r in rows]

    for row in run(work(), settings.database_url):
        if as_json:
            print(json.dumps(row, ensure_ascii=False))
        else:
            out.print(f"#{row['id']} {row['held_at']} {row['reporter']} {row['store_id']}: {row['reason']}")
