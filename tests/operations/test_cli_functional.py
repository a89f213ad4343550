"""The operator commands on a real SQLite file: db, replay, tickets, outbox and reporters."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select
from typer.testing import CliRunner

from restock_bot.cli import app
from restock_bot.storage import schema
from restock_bot.storage.database import Database
from restock_bot.storage.tables import GiftRow, NotificationRow, PostRow, TicketRow

POSTS = Path(__file__).parents[1] / "posts" / "en.jsonl"
runner = CliRunner()


@pytest.fixture
def config(tmp_path: Path, db_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A config file naming the test's database, given to every command through RESTOCK_BOT_CONFIG."""
    path = tmp_path / "restock-bot.toml"
    path.write_text(f'database_url = "{db_url}"\n')
    monkeypatch.setenv("RESTOCK_BOT_CONFIG", str(path))
    yield path


def cli(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def rows(db_url: str, model: Any, *where: Any) -> list[Any]:
    async def read() -> list[Any]:
        database = Database(db_url)
        try:
            async with database.session() as session:
                return list((await session.exec(select(model).where(*where))).all())
        finally:
            await database.dispose()

    return asyncio.run(read())


def test_db_upgrade_brings_an_empty_database_to_head_once(config: Path) -> None:
    head = schema.head_revision()
    assert cli("db", "current")[0] == 1

    code, out, _ = cli("db", "upgrade")
    assert code == 0 and f"upgraded from empty to {head}" in out
    assert f"already at {head}" in cli("db", "upgrade")[1]
    code, out, _ = cli("db", "current")
    assert code == 0 and "at head" in out


def test_replay_shows_progress_and_what_became_of_each_post(config: Path, db_url: str) -> None:
    code, out, err = cli("replay", str(POSTS))

    assert code == 0, err
    assert "reading" in err and "triaging" in err  # the progress bars
    assert "│ new" in out and "│ 35 " in out
    assert "triaged: ticket" in out and "replies recorded" in out
    assert all(p.status == "done" for p in rows(db_url, PostRow))

    code, out, _ = cli("replay", str(POSTS))
    assert code == 0 and "already in the inbox" in out
    assert len(rows(db_url, PostRow)) == 35


def test_operators_list_show_and_reassign_tickets(config: Path, db_url: str) -> None:
    cli("replay", str(POSTS))

    code, out, _ = cli("tickets", "list", "--json", "--store", "MUM-0001")
    listed = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and listed and all(t["store_id"] == "MUM-0001" for t in listed)
    ticket = listed[0]
    code, out, _ = cli("tickets", "show", str(ticket["id"]), "--json")
    shown = json.loads(out)
    assert shown["ticket"]["id"] == ticket["id"] and len(shown["reports"]) == ticket["reports"]
    assert shown["events"][0]["event"] == "opened"

    reassign = ("tickets", "reassign", str(ticket["id"]), "--to", "DST-MUM-W")
    code, out, _ = cli(*reassign, "--why", "store moved", "--who", "ops")
    assert code == 0 and "now with DST-MUM-W" in out
    [moved] = rows(db_url, TicketRow, TicketRow.id == ticket["id"])
    assert moved.distributor_id == "DST-MUM-W"
    told = rows(db_url, NotificationRow, NotificationRow.ticket_id == ticket["id"])
    assert [n.payload["event"] for n in told if n.distributor_id == "DST-MUM-W"] == ["reassigned"]
    shown = json.loads(cli("tickets", "show", str(ticket["id"]), "--json")[1])
    assert shown["events"][-1] | {"at": None} == {
        "event": "reassigned", "at": None, "by": "ops", "why": "store moved",
        "data": {"from": "DST-MUM-E", "to": "DST-MUM-W"},
    }  # fmt: skip

    code, _, err = cli("tickets", "reassign", str(ticket["id"]), "--to", "NOBODY", "--why", "x")
    assert code == 1 and "NOBODY" in err
    code, _, err = cli("tickets", "show", "9999")
    assert code == 1 and "#9999 not found" in err


def test_dead_letters_are_listed_and_retried(config: Path, db_url: str) -> None:
    cli("db", "upgrade")
    now = datetime(2026, 3, 9, tzinfo=UTC)

    async def dead_letter() -> int:
        database = Database(db_url)
        try:
            async with database.session() as session, session.begin():
                row = NotificationRow(
                    key="event:1:webhook:DST-MUM-E", distributor_id="DST-MUM-E", recipient="DST-MUM-E",
                    created_at=now, available_at=now, status="failed", attempts=25, error="HTTP 500 from the webhook",
                )  # fmt: skip
                session.add(row)
                await session.flush()
                assert row.id is not None
                return row.id
        finally:
            await database.dispose()

    letter = f"notifications/{asyncio.run(dead_letter())}"
    code, out, _ = cli("outbox", "list", "--json")
    assert code == 0 and json.loads(out)["letter"] == letter and "HTTP 500" in out

    code, out, _ = cli("outbox", "retry", letter)
    assert code == 0 and "1 letter(s) back in the outbox" in out
    assert [r.status for r in rows(db_url, NotificationRow)] == ["pending"]
    code, _, err = cli("outbox", "retry", letter)
    assert code == 1 and letter in err
    assert cli("outbox", "retry")[0] == 2
    assert cli("outbox", "retry", "letters/1")[0] == 2


def test_a_reporter_is_exported_then_forgotten(config: Path, db_url: str, tmp_path: Path) -> None:
    cli("replay", str(POSTS))
    reporter = "replay:205828600"  # @rohanm_88, five posts in en.jsonl

    async def restock_their_tickets() -> None:  # so they have gifts too
        from restock_bot.commands.service import open_service
        from restock_bot.config import load_settings

        async with open_service(load_settings()) as service:
            for ticket_id in {r.ticket_id for r in await _reports(service, reporter)}:
                await service.mark_restocked(ticket_id, who="DST-MUM-E:asha", why="delivered")

    asyncio.run(restock_their_tickets())
    exported = tmp_path / "rohan.json"
    code, _, err = cli("reporters", "export", "@rohanm_88", "--out", str(exported))
    data = json.loads(exported.read_text())
    assert code == 0 and data["reporter"] == reporter
    assert len(data["posts"]) == 5 and data["reports"] and data["gifts"] and data["replies"]
    assert all(p["post"]["author"]["username"] == "rohanm_88" for p in data["posts"])
    tickets_before = len(rows(db_url, TicketRow))

    code, out, _ = cli("reporters", "forget", reporter, "--yes")

    assert code == 0 and f"forgot {reporter}" in out and "5 posts" in out
    assert rows(db_url, PostRow, PostRow.author_id == "205828600") == []
    assert rows(db_url, GiftRow, GiftRow.reporter == reporter) == []
    assert len(rows(db_url, TicketRow)) == tickets_before
    code, _, err = cli("reporters", "export", "@rohanm_88")
    assert code == 1 and "no reporter" in err


async def _reports(service: Any, reporter: str) -> list[Any]:
    from restock_bot.storage.tables import ReportRow

    database = service.database
    async with database.session() as session:
        return list((await session.exec(select(ReportRow).where(ReportRow.reporter == reporter))).all())
