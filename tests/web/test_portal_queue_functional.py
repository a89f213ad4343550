"""The portal's queue as a distributor works it: least time left first with the colour of urgency, filters
by town, store, sku and state, bulk acknowledge, CSV export; and a ticket's page with its reports, the
store's coordinates and cannot supply."""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from datetime import timedelta

import pytest

from restock_bot.clock import FixedClock
from restock_bot.restock import RestockService
from restock_bot.retailers import Store
from restock_bot.tickets import TicketState
from tests.fakes.restock import STORES
from tests.web.conftest import NORTH_TOKEN, Report, WebClient, bearer, form_token_of

TOWNS: dict[str, Store] = {
    **STORES,
    "S1": replace(STORES["S1"], lat=18.50741, lon=73.80771, address="Paud Road"),
    "N1": replace(STORES["S1"], store_id="N1", name="Green Grocers", locality="College Road", city="Nashik"),
}


@pytest.fixture
def stores() -> dict[str, Store]:
    return TOWNS


async def signed_in(client: WebClient) -> str:
    response = await client.get("/distributors/dist-north", params={"token": NORTH_TOKEN})
    return await form_token_of(response)


async def queue(client: WebClient, **filters: str) -> list[int]:
    response = await client.get("/distributors/dist-north.json", params=filters, headers=bearer(NORTH_TOKEN))
    assert response.status == 200, await response.text()
    return [t["id"] for t in (await response.json())["tickets"]]


async def test_queue_is_sorted_by_time_left_and_coloured_by_urgency(
    client: WebClient, report: Report, clock: FixedClock
) -> None:
    oldest = await report("p1", store_id="S1")
    clock.advance(timedelta(hours=30))
    middle = await report("p2", store_id="S2")
    clock.advance(timedelta(hours=20))  # the first is now 2 h past its deadline, the second has 28 h
    newest = await report("p3", store_id="N1")

    tickets = (await (await client.get("/distributors/dist-north.json", headers=bearer(NORTH_TOKEN))).json())["tickets"]

    assert [t["id"] for t in tickets] == [oldest, middle, newest]
    assert [t["urgency"] for t in tickets] == ["overdue", "ok", "ok"]
    clock.advance(timedelta(hours=17))
    await signed_in(client)
    page = await (await client.get("/distributors/dist-north")).text()
    assert f'class="ticket urgency-overdue" id="ticket-{oldest}"' in page
    assert f'class="ticket urgency-today" id="ticket-{middle}"' in page
    assert f'class="ticket urgency-ok" id="ticket-{newest}"' in page


async def test_queue_filters_by_town_store_sku_and_state(
    client: WebClient, service: RestockService, report: Report
) -> None:
    kothrud = await report("p1", store_id="S1", sku="MUN-50")
    baner = await report("p2", store_id="S2", sku="MUN-100")
    nashik = await report("p3", store_id="N1", sku="MUN-50")
    await service.acknowledge(baner, "north-desk")
    restocked = await report("p4", store_id="S2", sku="MUN-50")
    await service.mark_restocked(restocked, "north-desk")

    assert await queue(client) == [kothrud, baner, nashik]
    assert await queue(client, town="Nashik") == [nashik]
    assert await queue(client, town="pune") == [kothrud, baner]
    assert await queue(client, store="S2") == [baner]
    assert await queue(client, sku="MUN-50") == [kothrud, nashik]
    assert await queue(client, state="acknowledged") == [baner]
    assert await queue(client, state="restocked") == [restocked]
    bad = await client.get("/distributors/dist-north.json", params={"state": "lost"}, headers=bearer(NORTH_TOKEN))
    assert bad.status == 400 and (await bad.json())["field"] == "state"

    await signed_in(client)
    page = await (await client.get("/distributors/dist-north", params={"town": "Nashik"})).text()
    assert f"#{nashik}<" in page and f"#{kothrud}<" not in page
    assert "<option selected>Nashik</option>" in page
    assert 'href="/distributors/dist-north.csv?town=Nashik"' in page


async def test_bulk_acknowledge_skips_tickets_already_acknowledged(
    client: WebClient, service: RestockService, report: Report
) -> None:
    first = await report("p1", store_id="S1")
    second = await report("p2", store_id="S2")
    await service.acknowledge(second, "north-desk")
    csrf = await signed_in(client)

    response = await client.post(
        "/distributors/dist-north/acknowledge",
        data={"csrf": csrf, "who": "Meera", "why": "on the Tuesday truck", "ticket": [str(first), str(second)],
              "back": "/distributors/dist-north?town=Pune"},
    )  # fmt: skip

    assert response.status == 200
    assert "1 ticket(s) acknowledged; 1 skipped (already acknowledged or closed)." in await response.text()
    assert str(response.url).endswith("town=Pune&done=bulk&acknowledged=1&skipped=1")
    assert (await service.ticket_history(first)).ticket.state is TicketState.ACKNOWLEDGED
    none_ticked = await client.post("/distributors/dist-north/acknowledge", data={"csrf": csrf, "who": "Meera"})
    assert none_ticked.status == 400 and "ticket: tick at least one ticket" in await none_ticked.text()
    no_csrf = await client.post("/distributors/dist-north/acknowledge", data={"who": "x", "ticket": [str(first)]})
    assert no_csrf.status == 403


async def test_queue_exports_as_csv_with_the_filters_and_no_formulas(client: WebClient, report: Report) -> None:
    await report("p1", store_id="S1")
    nashik = await report("p2", store_id="N1", sku="=HYPERLINK(1)")

    response = await client.get("/distributors/dist-north.csv", params={"town": "Nashik"}, headers=bearer(NORTH_TOKEN))

    assert response.status == 200 and response.content_type == "text/csv"
    assert 'filename="tickets-dist-north-2025-03-03.csv"' in response.headers["Content-Disposition"]
    [row] = list(csv.DictReader(io.StringIO(await response.text())))
    assert (row["ticket_id"], row["town"], row["sku"]) == (str(nashik), "Nashik", "'=HYPERLINK(1)")
    assert row["reasons"] == "test decision" and row["hours_left"] == "48.0"


async def test_ticket_page_shows_reports_with_text_reporter_and_reasons_and_the_store_on_the_map(
    client: WebClient, report: Report
) -> None:
    ticket = await report("p1", author="asha", text="Munchu 50g gone from Sharma Kirana <b>again</b>")
    await report("p2", author="ravi", text="same here, none on the shelf")
    await signed_in(client)

    page = await (await client.get(f"/distributors/dist-north/tickets/{ticket}")).text()

    assert "Munchu 50g gone from Sharma Kirana &lt;b&gt;again&lt;/b&gt;" in page
    assert "same here, none on the shelf" in page and "(x:ravi)" in page and "test decision" in page
    assert "18.50741, 73.80771" in page and "https://www.openstreetmap.org/?mlat=18.50741&amp;mlon=73.80771" in page
    assert "Paud Road" in page
    detail = await (await client.get(f"/distributors/dist-north/tickets/{ticket}.json")).json()
    assert [(r["reporter"], r["text"][:9]) for r in detail["reports"]] == [
        ("x:asha", "Munchu 50"),
        ("x:ravi", "same here"),
    ]


async def test_cannot_supply_from_the_ticket_page_needs_a_reason_and_a_new_date(
    client: WebClient, service: RestockService, report: Report
) -> None:
    ticket = await report("p1")
    csrf = await signed_in(client)
    path = f"/distributors/dist-north/tickets/{ticket}"
    form = {"csrf": csrf, "who": "Meera", "action": "cannot-supply", "page": "ticket", "back": path}

    no_date = await client.post(path, data={**form, "why": "factory shut"})
    assert no_date.status == 400 and "promised_date: say when" in await no_date.text()
    assert 'id="ticket-actions"' in await no_date.text()  # the error is shown next to the form
    no_why = await client.post(path, data={**form, "promised_date": "2025-03-07"})
    assert no_why.status == 400 and "why: say why the store cannot be supplied" in await no_why.text()

    done = await client.post(path, data={**form, "why": "factory shut", "promised_date": "2025-03-07"})

    assert done.status == 200 and "marked cannot supply" in await done.text()
    assert "2025-03-07 23:59 UTC (awaiting approval)" in await done.text()
    history = await service.ticket_history(ticket)
    assert history.ticket.state is TicketState.CANNOT_SUPPLY and history.events[-1].reason == "factory shut"
