"""`restock-bot stores geocode FILE`: fill the missing lat/lon of a stores.csv from Nominatim."""

from __future__ import annotations

import asyncio
import csv
import io
import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from restock_bot import __version__
from restock_bot.commands.service import err, out

if TYPE_CHECKING:
    from restock_bot.geocoding import GeocodeRun

NOMINATIM_URL = "https://nominatim.openstreetmap.org"  # restock_bot.geocoding's, without importing geopy
Row = dict[str, str]

OFFLINE_EXIT = 3


def _read(path: Path) -> tuple[list[str], list[Row]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        fields = list(reader.fieldnames or [])
        return fields, [dict(row) for row in reader]


def _write(path: Path, fields: list[str], rows: list[Row]) -> None:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    partial = path.with_name(path.name + ".partial")
    partial.write_text(buffer.getvalue(), encoding="utf-8")
    os.replace(partial, path)  # readers never see half a file


async def _complete(
    file: Path, target: Path, url: str, user_agent: str, delay: float, request_seconds: float
) -> tuple[int, GeocodeRun]:
    """Read the file, look up the stores without coordinates, write the result; (missing, what was filled)."""
    from restock_bot.geocoding import GeocodeRun, fill_coordinates, lacks_coordinates, nominatim

    fields, rows = await asyncio.to_thread(_read, file)
    if "lat" not in fields or "lon" not in fields:
        raise ValueError(f"{file}: no lat/lon columns (see `restock-bot stores validate`)")
    missing = sum(1 for row in rows if lacks_coordinates(row))
    if not missing:
        return 0, GeocodeRun()
    err.print(f"looking up {missing} store(s) at {url}, one request every {delay:g} s")
    async with nominatim(url, user_agent=user_agent, min_delay_seconds=delay, request_seconds=request_seconds) as find:
        result = await fill_coordinates(rows, find)
    await asyncio.to_thread(_write, target, fields, rows)
    return missing, result


def geocode(
    file: Annotated[Path, typer.Argument(help="stores.csv to complete", exists=True, dir_okay=False)],
    to: Annotated[Path | None, typer.Option("--out", help="write here (default: FILE itself)")] = None,
    nominatim_url: Annotated[str, typer.Option(help="the Nominatim server")] = NOMINATIM_URL,
    user_agent: Annotated[
        str, typer.Option(help="names your deployment to Nominatim (its usage policy asks for it)")
    ] = f"restock-bot/{__version__}",
    min_delay: Annotated[float, typer.Option(help="seconds between requests (Nominatim: at least 1)", min=0)] = 1.0,
    request_seconds: Annotated[float, typer.Option(help="seconds to wait for one answer", min=0.1)] = 10.0,
) -> None:
    """Fill missing store coordinates from OpenStreetMap's Nominatim, one request a second."""
    from restock_bot.geocoding import Offline

    target = to or file
    try:
        missing, result = asyncio.run(_complete(file, target, nominatim_url, user_agent, min_delay, request_seconds))
    except ValueError as exc:
        err.print(f"[red]{exc}[/]")
        raise typer.Exit(2) from exc
    except Offline as exc:
        err.print(
            f"[red]offline: cannot reach Nominatim at {nominatim_url} ({exc}). No coordinates were filled and "
            f"{target} was not written; run this again on a machine with internet access.[/]"
        )
        raise typer.Exit(OFFLINE_EXIT) from exc
    if not missing:
        out.print(f"{file}: every store has coordinates")
        return
    out.print(f"filled {len(result.filled)} of {missing} store(s) in {target}")
    if result.not_found:
        err.print(f"[yellow]Nominatim knows no place for: {', '.join(result.not_found)}[/]")
