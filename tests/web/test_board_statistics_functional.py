"""The public board's numbers and feed: the three columns with town and store (and no reporter), median
and p90 time to restock, the share restocked within 48 h, towns covered, per-day series; and pages that
run no inline script."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

from restock_bot.clock import FixedClock
from restock_bot.restock import RestockService
from restock_bot.web.app import SECURITY_HEADERS
from tests.web.conftest import Report, WebClient

TEMPLATES = Path(__file__).parents[2] / "src" / "restock_bot" / "web" / "templates"


async def test_board_feed_has_columns_times_share_towns_and_series(
    client: WebClient, service: RestockService, report: Report, clock: FixedClock
) -> None:
    fast = await report("p1", author="asha", store_id="S1")
    slow = await report("p2", author="ravi", store_id="S2")
    waiting = await report("p3", author="meena", store_id="S3")
    clock.advance(timedelta(hours=10))
    await service.mark_restocked(fast, "north-desk")
    clock.advance(timedelta(hours=50))
    await service.mark_restocked(slow, "north-desk")
    clock.advance(timedelta(days=1))
    acknowledged = await report("p4", author="asha", store_id="S1", sku="MUN-100")
    await service.acknowledge(acknowledged, "north-desk")

    board = await (await client.get("/board.json")).json()

    assert board["median_hours_to_restock"] == 35.0 and board["p90_hours_to_restock"] == 55.0
    assert board["restocked_within_48h"] == round(1 / 3, 4)  # fast yes; slow no; the Aundh ticket waits past 48 h
    assert board["towns_covered"] == 1 and board["towns"] == ["Pune"]
    columns = board["columns"]
    assert [e["ticket_id"] for e in columns["lets_do_it"]] == [waiting]
    assert [e["ticket_id"] for e in columns["on_it"]] == [acknowledged]
    assert [e["ticket_id"] for e in columns["done"]] == [slow, fast]
    assert columns["done"][0] | {"opened_at": None, "restocked_at": None} == {
        "ticket_id": slow, "state": "restocked", "store": "FreshMart, Baner, Pune", "town": "Pune",
        "product": "Munchu MUN-50", "opened_at": None, "restocked_at": None, "hours_to_restock": 60.0,
    }  # fmt: skip
    by_town = board["series"]["by_town"]
    assert by_town["opened"]["days"] == ["2025-03-03", "2025-03-04", "2025-03-05", "2025-03-06"]
    assert by_town["opened"]["counts"] == {"Pune": [3, 0, 0, 1]}
    assert by_town["restocked"]["counts"] == {"Pune": [1, 0, 1, 0]}
    assert board["series"]["by_product"]["opened"]["counts"] == {
        "Munchu MUN-50": [3, 0, 0, 0],
        "Munchu MUN-100": [0, 0, 0, 1],
    }
    assert board == await (await client.get("/api/board")).json()


async def test_the_board_never_shows_a_reporter(client: WebClient, report: Report, service: RestockService) -> None:
    ticket = await report("p1", author="secret_shopper")
    await service.mark_restocked(ticket, "north-desk")

    page = await (await client.get("/")).text()
    feed = await (await client.get("/board.json")).text()

    assert "secret_shopper" not in page and "secret_shopper" not in feed
    assert "no Munchu at the store" not in page and "no Munchu at the store" not in feed


async def test_the_board_page_lists_the_columns_and_ships_its_charting_library(
    client: WebClient, report: Report
) -> None:
    await report("p1")
    page = await (await client.get("/", params={"refresh": "5"})).text()

    assert 'data-refresh="5"' in page and "Sharma Kirana, Kothrud, Pune" in page
    assert '<script src="/static/chart.umd.min.js" defer></script>' in page
    library = await client.get("/static/chart.umd.min.js")
    assert library.status == 200 and "Chart.js v4" in (await library.text())[:200]
    assert (await client.get("/static/chart.js.LICENSE.md")).status == 200


async def test_pages_carry_a_strict_csp_and_no_template_has_inline_script_or_style() -> None:
    policy = SECURITY_HEADERS["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy and "unsafe-eval" not in policy
    for template in TEMPLATES.glob("*.html"):
        text = template.read_text(encoding="utf-8")
        assert not re.search(r"<script(?![^>]*\bsrc=)", text), f"{template.name}: inline script"
        assert not re.search(r"\son\w+\s*=", text), f"{template.name}: inline event handler"
        assert "<style" not in text and " style=" not in text, f"{template.name}: inline style"
