"""The public board as a shopper sees it, over a real server on 127.0.0.1."""

from __future__ import annotations

from datetime import timedelta

from restock_bot.clock import FixedClock
from restock_bot.restock import RestockService
from tests.web.conftest import Report, WebClient


async def test_board_counts_follow_tickets_opened_acknowledged_and_restocked(
    client: WebClient, service: RestockService, report: Report, clock: FixedClock
) -> None:
    kothrud = await report("p1", store_id="S1")
    baner = await report("p2", store_id="S2")
    await report("p3", store_id="S3")
    await service.acknowledge(baner, "north-desk")
    clock.advance(timedelta(hours=5, minutes=30))
    await service.mark_restocked(kothrud, "north-desk")

    board = await (await client.get("/board.json")).json()

    assert board["counts"] == {
        "open": 1,
        "acknowledged": 1,
        "restocked": 1,
        "escalated": 0,
        "not_a_stockout": 0,
        "reopened": 0,
        "cannot_supply": 0,
    }
    assert board["median_hours_to_restock"] == 5.5
    [restock] = board["recent_restocks"]
    assert restock["store"] == "Sharma Kirana, Kothrud, Pune"
    assert restock["product"] == "Munchu MUN-50"  # not in the catalogue: brand and sku
    assert restock["hours_to_restock"] == 5.5


async def test_board_page_shows_the_three_columns_the_median_and_recent_restocks(
    client: WebClient, service: RestockService, report: Report, clock: FixedClock
) -> None:
    ticket = await report("p1")
    clock.advance(timedelta(hours=30))
    await service.mark_restocked(ticket, "north-desk")
    await report("p2", store_id="S2")

    response = await client.get("/")
    page = await response.text()

    assert response.status == 200 and response.content_type == "text/html"
    assert '<meta http-equiv="refresh"' in page
    assert "Let’s do it" in page and "On it" in page and "Done" in page
    assert 'id="count-restocked">\n    <span class="number">1</span>' in page
    assert "Sharma Kirana, Kothrud, Pune" in page and "30 h 00 min" in page
    assert "https://" not in page  # nothing from a CDN: the board works without internet


async def test_a_ticket_past_its_deadline_still_counts_as_lets_do_it(
    client: WebClient, service: RestockService, report: Report, clock: FixedClock
) -> None:
    await report("p1")
    clock.advance(timedelta(hours=49))
    await service.sweep_sla()

    counts = (await (await client.get("/board.json")).json())["counts"]

    assert (counts["open"], counts["escalated"]) == (1, 1)
    page = await (await client.get("/")).text()
    assert "1 past the deadline" in page


async def test_empty_board_has_no_median_yet(client: WebClient) -> None:
    board = await (await client.get("/api/board")).json()
    assert board["median_hours_to_restock"] is None and board["recent_restocks"] == []
    assert "No restocks yet." in await (await client.get("/")).text()


async def test_healthz_answers_when_the_database_does(client: WebClient) -> None:
    response = await client.get("/healthz")
    assert response.status == 200
    assert (await response.json())["status"] == "ok"


async def test_stylesheet_is_served_by_the_app_itself(client: WebClient) -> None:
    response = await client.get("/static/style.css")
    assert response.status == 200 and "--done" in await response.text()


async def test_unknown_api_path_answers_json_404(client: WebClient) -> None:
    response = await client.get("/api/nothing-here")
    assert response.status == 404 and "error" in await response.json()
