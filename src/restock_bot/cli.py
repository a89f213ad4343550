"""The `restock-bot` command: run, demo, triage, stores; and for operators db, tickets, outbox, reporters,
replay (their modules are in commands/)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from restock_bot.commands.config import config_app
from restock_bot.commands.db import db_app
from restock_bot.commands.geocode import geocode
from restock_bot.commands.outbox import outbox_app
from restock_bot.commands.replay import replay
from restock_bot.commands.reporters import reporters_app
from restock_bot.commands.tickets import tickets_app
from restock_bot.config import Role
from restock_bot.post import Post, PostError, post_from_json
from restock_bot.retailers import Store, StoreFileError, load_stores, matching_warnings, read_stores

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Restock Bot: stock-out posts to restock tickets.",
)
stores_app = typer.Typer(no_args_is_help=True, help="Load and check a retailer list (stores.csv).")
app.add_typer(stores_app, name="stores")
app.add_typer(db_app, name="db")
app.add_typer(config_app, name="config")
app.add_typer(tickets_app, name="tickets")
app.add_typer(outbox_app, name="outbox")
app.add_typer(reporters_app, name="reporters")
app.command("replay")(replay)
stores_app.command("geocode")(geocode)
err = Console(stderr=True, soft_wrap=True, highlight=False)


def read_posts_file(path: Path) -> list[Post]:
    """All good posts of a JSONL file; each bad line is reported on stderr with its line number."""
    posts: list[Post] = []
    with path.open(encoding="utf-8") as handle:
        for n, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                posts.append(post_from_json(line))
            except PostError as exc:
                err.print(f"[yellow]{path}:{n}: skipped: {exc}[/]")
    return posts


@app.command()
def triage(
    stores: Annotated[Path, typer.Option(help="stores.csv (FORMAT.md columns)", exists=True, dir_okay=False)],
    products: Annotated[Path, typer.Option(help="products.csv", exists=True, dir_okay=False)],
    posts: Annotated[Path, typer.Option(help="posts.jsonl, one post per line", exists=True, dir_okay=False)],
    explain: Annotated[bool, typer.Option(help="add the reasons: cues, language, candidates, distances")] = False,
) -> None:
    """Print one JSON answer per post (../shared/eval/FORMAT.md); a reply is read with the post it answers."""
    from restock_bot.triage.catalog import CatalogueError
    from restock_bot.triage.decide import Triage

    try:
        bot = Triage.from_files(stores, products)
    except (StoreFileError, CatalogueError) as exc:
        err.print(f"[red]{exc}[/]")
        raise typer.Exit(2) from exc
    all_posts = read_posts_file(posts)
    by_id = {p.id: p for p in all_posts}
    out = sys.stdout
    for post in all_posts:
        parent = by_id.get(post.in_reply_to) if post.in_reply_to else None
        earlier: list[Post] = []  # the thread above the parent, nearest first (a few posts up at most)
        above = parent
        while above is not None and above.in_reply_to and len(earlier) < 4:
            above = by_id.get(above.in_reply_to)
            if above is not None:
                earlier.append(above)
        try:
            decision = bot.decide(post, parent, earlier)
            line = decision.explain() if explain else decision.to_answer()
        except Exception as exc:  # one bad post must not stop the rest
            err.print(f"[red]post {post.id}: triage failed: {exc!r}[/]")
            line = {
                "id": post.id,
                "stockout": False,
                "store_id": None,
                "sku": None,
                "action": "ignore",
                "error": repr(exc),
            }
        out.write(json.dumps(line, ensure_ascii=False) + "\n")


@stores_app.command("validate")
def stores_validate(
    file: Annotated[Path, typer.Argument(help="stores.csv to check", dir_okay=False)],
) -> None:
    """Check a retailer list: per-line errors, and warnings about what hurts matching."""
    try:
        stores, problems = load_stores(file)
    except StoreFileError as exc:
        err.print(f"[red]{exc}[/]")
        raise typer.Exit(2) from exc
    for p in problems + matching_warnings(stores):
        colour = "red" if p.severity == "error" else "yellow"
        err.print(f"[{colour}]{file}: {p}[/]")
    errors = len(problems)
    typer.echo(f"{len(stores)} stores ok, {errors} line(s) with errors")
    if errors:
        raise typer.Exit(1)


@stores_app.command("import")
def stores_import(
    file: Annotated[Path, typer.Argument(help="stores.csv to load", dir_okay=False)],
    database_url: Annotated[str | None, typer.Option(help="database URL (default from config)")] = None,
    config: Annotated[Path | None, typer.Option(help="TOML config file")] = None,
) -> None:
    """Load a retailer list into the database (good rows in, bad rows reported by line)."""
    import asyncio

    from restock_bot.config import load_settings
    from restock_bot.storage.retailers import import_stores
    from restock_bot.storage.schema import SchemaError

    settings = load_settings(config)
    url = database_url or settings.database_url
    good: list[Store] = []
    errors = 0
    try:
        for item in read_stores(file):
            if isinstance(item, Store):
                good.append(item)
            else:
                errors += 1
                err.print(f"[red]{file}:{item}[/]")
    except StoreFileError as exc:
        err.print(f"[red]{exc}[/]")
        raise typer.Exit(2) from exc
    try:
        count = asyncio.run(
            import_stores(url, good, search_path=settings.database_schema, auto_migrate=settings.auto_migrate)
        )
    except SchemaError as exc:
        err.print(f"[red]{exc}[/]")
        raise typer.Exit(2) from exc
    typer.echo(f"imported {count} stores into {url}; {errors} line(s) skipped")


@app.command()
def run(
    config: Annotated[Path | None, typer.Option(help="TOML config file", dir_okay=False)] = None,
    host: Annotated[str | None, typer.Option(help="address to serve on (default from config)")] = None,
    port: Annotated[int | None, typer.Option(help="port to serve on (default from config; 0: any)")] = None,
    role: Annotated[
        Role | None, typer.Option(help="listener (channels + web), worker (inbox, SLA, outbox) or all (default)")
    ] = None,
    log_level: Annotated[str, typer.Option(help="debug, info, warning or error")] = "info",
) -> None:
    """Run the bot until SIGINT/SIGTERM: channels and web (listener), inbox, SLA and outbox jobs (worker)."""
    import asyncio

    from restock_bot.app import RestockBot, configure_logging, run_until_stopped
    from restock_bot.config import load_settings
    from restock_bot.storage.schema import SchemaError

    overrides = {k: v for k, v in {"host": host, "port": port, "role": role}.items() if v is not None}
    try:
        settings = load_settings(config, **overrides)
        configure_logging(log_level)
    except (FileNotFoundError, ValueError) as exc:
        err.print(f"[red]{exc}[/]")
        raise typer.Exit(2) from exc
    try:
        asyncio.run(run_until_stopped(RestockBot(settings)))
    except SchemaError as exc:  # behind with auto_migrate off, or a database from before migrations
        err.print(f"[red]cannot start: {exc}[/]")
        raise typer.Exit(2) from exc
    except OSError as exc:  # e.g. the port is taken, the database is unreachable
        err.print(f"[red]cannot start: {exc}[/]")
        raise typer.Exit(1) from exc


@app.command()
def demo(
    speed: Annotated[float, typer.Option(help="simulated seconds per wall second", min=0.001)] = 3600.0,
    port: Annotated[int, typer.Option(help="port of the web board (0 = any free)")] = 8080,
    db: Annotated[Path | None, typer.Option(help="SQLite file to keep (default: a fresh temp file)")] = None,
    web: Annotated[bool, typer.Option("--web/--no-web", help="serve the board while the demo runs")] = True,
    json_summary: Annotated[
        bool, typer.Option("--json-summary", help="summary as JSON on stdout (the show goes to stderr)")
    ] = False,
) -> None:
    """Replay the bundled Nibbo posts on a fast clock: tickets, warnings, escalations, restocks, gifts."""
    import asyncio

    from restock_bot.app import configure_logging
    from restock_bot.demo import DemoError, DemoOptions, run_demo, summary_table

    console = Console(stderr=json_summary)
    configure_logging("warning")
    options = DemoOptions(speed=speed, port=port, db=db, web=web)
    try:
        summary = asyncio.run(run_demo(options, console))
    except DemoError as exc:
        err.print(f"[red]{exc}[/]")
        raise typer.Exit(2) from exc
    console.print(summary_table(summary))
    if json_summary:
        typer.echo(json.dumps(summary.to_dict(), ensure_ascii=False))


def main() -> None:
    app()


if __name__ == "__main__":
    main()
