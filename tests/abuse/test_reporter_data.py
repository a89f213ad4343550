"""A reporter's personal data: the export holds everything we keep about them (address included), forgetting
them leaves no trace of their handle, id or address anywhere in the database while tickets keep their
counts, addresses go N days after shipping (at once for a rejected gift), and the commands do it all."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import structlog
from sqlmodel import SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession
from typer.testing import CliRunner

from restock_bot.cli import app
from restock_bot.clock import FixedClock
from restock_bot.config import AbuseSettings
from restock_bot.gifts import GiftState
from restock_bot.restock import RestockService
from restock_bot.restock.fulfilment import delete_due_addresses, give_address, open_claim, ship_gift, shipping_of
from restock_bot.storage import tickets
from restock_bot.storage.reporter_data import export_reporter, find_reporters, forget_reporter
from restock_bot.storage.tables import GiftShippingRow, HeldReportRow, ReportRow, TicketRow
from tests.abuse.conftest import FileReport, all_rows, restock_all

HANDLE = "rohan_privacy_77"
AUTHOR_ID = "90817263544"
KEY = f"x:{AUTHOR_ID}"
ADDRESS = {"ship_to": "Rohan Mehtani", "address": "221 Marine Drive, Churchgate", "postcode": "400020",
           "phone": "98765 43210"}  # fmt: skip
TRACES = (HANDLE, AUTHOR_ID, "Rohan Mehtani", "Marine Drive", "98765 43210")


async def rohan_with_a_gift_and_an_address(service: RestockService, file_report: FileReport) -> int:
    """Rohan reports two Mumbai stores (the second over his cap of one), a neighbour joins his ticket, it is
    restocked, marketing approves his gift and he gives his address through the claim link."""
    await file_report("r-1", HANDLE, "M00", author_id=AUTHOR_ID)
    await file_report("r-2", HANDLE, "M01", author_id=AUTHOR_ID)
    await file_report("n-1", "neighbour", "M00")
    await restock_all(service)
    [gift] = [g for g in await service.gift_queue() if g.reporter == KEY]
    assert gift.id is not None and gift.state is GiftState.HELD  # he had a report held by the cap
    await service.approve_gift(gift.id, "Lena")
    token = await open_claim(service.database, gift.id, service.clock.now())
    await give_address(service.database, token, **ADDRESS, now=service.clock.now())
    return gift.id


async def report_counts(session: AsyncSession, ticket_id: int) -> tuple[int, int]:
    return await tickets.report_count(session, ticket_id), await tickets.distinct_reporters(session, ticket_id)


async def everything_in_the_database(service: RestockService) -> str:
    """Every value of every row of every table, as one text to search."""
    found: list[str] = []
    async with service.database.engine.connect() as conn:
        for table in SQLModel.metadata.sorted_tables:
            for row in (await conn.execute(table.select())).all():
                found += [json.dumps(v, default=str, ensure_ascii=False) for v in row]
    return "\n".join(found)


@pytest.mark.parametrize("abuse", [AbuseSettings(tickets_per_reporter_day=1)])
async def test_the_export_holds_everything_and_after_forgetting_no_trace_is_left(
    service: RestockService, file_report: FileReport
) -> None:
    await rohan_with_a_gift_and_an_address(service, file_report)
    now = service.clock.now()
    async with service.database.session() as session:
        assert await find_reporters(session, HANDLE, channel="x") == [KEY]
        exported = await export_reporter(session, KEY, now)
    assert [p["post"]["author"]["username"] for p in exported["posts"]] == [HANDLE, HANDLE]
    assert [(r["store_id"], r["ticket_state"]) for r in exported["reports"]] == [("M00", "restocked")]
    assert [h["store_id"] for h in exported["held_reports"]] == ["M01"]
    assert [g["shipping"]["address"] for g in exported["gifts"]] == [ADDRESS["address"]]
    assert exported["replies"] and [e["event"] for e in exported["ticket_events"]] == ["opened"]
    text = await everything_in_the_database(service)
    assert all(trace in text for trace in TRACES)  # the scan below would find them
    [ticket] = await all_rows(service, TicketRow, TicketRow.store_id == "M00")
    async with service.database.session() as session:
        before = await report_counts(session, ticket.id)

    async with service.database.session() as session, session.begin():
        counts = await forget_reporter(session, KEY)

    assert counts["posts"] == 2 and counts["reports"] == 1 and counts["held_reports"] == 1
    assert counts["gifts"] == 1 and counts["gift_shipping"] == 1
    async with service.database.session() as session:
        after = await export_reporter(session, KEY, now)
        assert await find_reporters(session, f"@{HANDLE}") == [] and await find_reporters(session, KEY) == []
        assert await report_counts(session, ticket.id) == before == (2, 2)
    assert {k: v for k, v in after.items() if k not in ("reporter", "exported_at")} == {
        "posts": [], "reports": [], "replies": [], "gifts": [], "ticket_events": [], "held_reports": [],
    }  # fmt: skip
    text = await everything_in_the_database(service)
    assert [trace for trace in TRACES if trace in text] == []
    [held] = await all_rows(service, HeldReportRow)
    [report] = await all_rows(service, ReportRow, ReportRow.ticket_id == ticket.id, ReportRow.reporter != "x:neighbour")
    assert held.reporter == report.reporter and report.reporter.startswith("x:forgotten-")


async def test_an_address_is_deleted_n_days_after_shipping_and_at_once_when_the_gift_is_rejected(
    service: RestockService, file_report: FileReport, clock: FixedClock
) -> None:
    for name, store in (("asha", "M00"), ("ravi", "M01")):
        await file_report(f"{name}-1", name, store)
    await restock_all(service)
    gifts = {g.reporter: g for g in await service.gift_queue()}
    for gift in gifts.values():
        assert gift.id is not None
        await service.approve_gift(gift.id, "Lena")
        token = await open_claim(service.database, gift.id, clock.now())
        await give_address(service.database, token, **ADDRESS, now=clock.now())
    asha, ravi = gifts["x:asha"].id, gifts["x:ravi"].id
    assert asha is not None and ravi is not None
    days = service.settings.gift_address_days
    await ship_gift(service.database, asha, who="Lena", tracking="DTDC-1", now=clock.now(), keep_days=days)
    assert await delete_due_addresses(service.database, clock.now()) == 0

    await service.reject_gift(ravi, "Lena", "duplicate account")
    assert await delete_due_addresses(service.database, clock.now()) == 1  # no parcel will go: no address kept
    clock.advance(timedelta(days=days) - timedelta(hours=1))
    assert await delete_due_addresses(service.database, clock.now()) == 0
    assert (await shipping_of(service.database, [asha], clock.now()))[asha].address == ADDRESS["address"]
    clock.advance(timedelta(hours=2))
    assert await delete_due_addresses(service.database, clock.now()) == 1

    rows = await all_rows(service, GiftShippingRow)
    assert [(r.address, r.phone, r.ship_to, r.postcode) for r in rows] == [("", "", "", "")] * 2
    assert [r.tracking for r in rows] == ["DTDC-1", ""]


# --- the commands ------------------------------------------------------------------------------------

runner = CliRunner()


@pytest.fixture
def config(tmp_path: Path, db_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The commands read only this config file (naming the test's database)."""
    import os

    for name in list(os.environ):
        if name.startswith("RESTOCK_BOT_"):
            monkeypatch.delenv(name)
    path = tmp_path / "restock-bot.toml"
    path.write_text(f'database_url = "{db_url}"\n')
    monkeypatch.setenv("RESTOCK_BOT_CONFIG", str(path))
    yield path
    structlog.reset_defaults()


def cli(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
async def rohan_on_file(service: RestockService, file_report: FileReport) -> None:
    """Rohan's reports, gift and address in the database, the service closed: the commands open it."""
    await rohan_with_a_gift_and_an_address(service, file_report)
    await service.close()


@pytest.mark.parametrize("abuse", [AbuseSettings(tickets_per_reporter_day=1)])
def test_export_and_delete_by_channel_and_handle_from_the_command_line(
    rohan_on_file: None, config: Path, tmp_path: Path
) -> None:
    exported = tmp_path / "rohan.json"
    code, _, err = cli("reporters", "export", "x", HANDLE, "--out", str(exported))
    assert code == 0, err
    data: dict[str, Any] = json.loads(exported.read_text())
    assert data["reporter"] == KEY and data["gifts"][0]["shipping"]["phone"] == ADDRESS["phone"]

    code, out, _ = cli("reporters", "delete", "x", HANDLE, "--yes")
    assert code == 0 and f"forgot {KEY}" in out and "2 posts" in out

    code, _, err = cli("reporters", "export", "x", HANDLE)
    assert code == 1 and f"no reporter 'x {HANDLE}'" in err
    code, out, _ = cli("reporters", "held", "--json")
    [held] = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and held["store_id"] == "M01" and held["reporter"].startswith("x:forgotten-")


@pytest.fixture
async def shipped_40_days_ago(service: RestockService, file_report: FileReport, clock: FixedClock) -> None:
    """Asha's gift shipped 40 days before the real clock (the command's) with her address kept 30 days."""
    clock.set(datetime.now(UTC) - timedelta(days=40))
    await file_report("a-1", "asha", "M00")
    await restock_all(service)
    [gift] = await service.gift_queue()
    assert gift.id is not None
    await service.approve_gift(gift.id, "Lena")
    token = await open_claim(service.database, gift.id, clock.now())
    await give_address(service.database, token, **ADDRESS, now=clock.now())
    await ship_gift(service.database, gift.id, who="Lena", tracking="T-1", now=clock.now(), keep_days=30)
    await service.close()


def test_purge_addresses_deletes_those_past_their_time(shipped_40_days_ago: None, config: Path) -> None:
    code, out, _ = cli("reporters", "purge-addresses")

    assert code == 0 and "1 shipping address(es) deleted" in out
    assert "0 shipping address(es) deleted" in cli("reporters", "purge-addresses")[1]
