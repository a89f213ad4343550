"""The JSON API as a distributor's system uses it: tickets, their history, actions, and errors that name
the field at fault."""

from __future__ import annotations

from restock_bot.restock import RestockService
from tests.web.conftest import NORTH_TOKEN, SOUTH_TOKEN, Report, WebClient, bearer

NORTH = bearer(NORTH_TOKEN)


async def test_distributor_system_acknowledges_and_marks_restocked_through_the_api(
    client: WebClient, service: RestockService, report: Report
) -> None:
    ticket = await report("p1")

    tickets = await (await client.get("/api/distributors/dist-north/tickets", headers=NORTH)).json()
    assert [t["id"] for t in tickets["tickets"]] == [ticket]

    acknowledged = await client.post(
        f"/api/distributors/dist-north/tickets/{ticket}/acknowledge",
        json={"who": "north-erp", "why": "order 4411 placed"},
        headers=NORTH,
    )
    assert acknowledged.status == 200
    assert (await acknowledged.json())["ticket"]["state"] == "acknowledged"

    restocked = await client.post(
        f"/api/distributors/dist-north/tickets/{ticket}/restocked", json={"who": "north-erp"}, headers=NORTH
    )
    body = await restocked.json()
    assert body["ticket"]["state"] == "restocked" and body["ticket"]["store"] == "Sharma Kirana, Kothrud, Pune"
    assert (await service.board_counts()).restocked == 1
    assert (await (await client.get("/api/distributors/dist-north/tickets", headers=NORTH)).json())["tickets"] == []


async def test_ticket_detail_lists_every_event_with_who_when_and_why(
    client: WebClient, service: RestockService, report: Report
) -> None:
    ticket = await report("p1")
    await report("p2", author="ravi")
    await service.mark_not_a_stockout(ticket, "Meera", "shelf was full, checked at 11:00")

    detail = await (await client.get(f"/api/distributors/dist-north/tickets/{ticket}", headers=NORTH)).json()

    assert detail["state"] == "not_a_stockout" and len(detail["reports"]) == 2
    assert [(e["kind"], e["who"], e["why"]) for e in detail["events"]] == [
        ("opened", "x:asha", "first report"),
        ("report_merged", "x:ravi", "repeat report"),
        ("not_a_stockout", "Meera", "shelf was full, checked at 11:00"),
    ]
    assert all(e["at"].startswith("2025-03-03T09:00") for e in detail["events"])
    assert detail["reasons"] == ["test decision"]


async def test_another_distributors_ticket_is_404(client: WebClient, report: Report) -> None:
    north_ticket = await report("p1", store_id="S1")
    south = bearer(SOUTH_TOKEN)

    detail = await client.get(f"/api/distributors/dist-south/tickets/{north_ticket}", headers=south)
    action = await client.post(
        f"/api/distributors/dist-south/tickets/{north_ticket}/restocked", json={"who": "south"}, headers=south
    )

    assert detail.status == 404 and action.status == 404
    assert (await action.json())["error"] == f"ticket #{north_ticket} not found for dist-south"


async def test_an_illegal_transition_is_409(client: WebClient, report: Report) -> None:
    ticket = await report("p1")
    url = f"/api/distributors/dist-north/tickets/{ticket}"
    assert (await client.post(f"{url}/restocked", json={"who": "erp"}, headers=NORTH)).status == 200

    again = await client.post(f"{url}/acknowledge", json={"who": "erp"}, headers=NORTH)

    assert again.status == 409
    assert f"ticket #{ticket}" in (await again.json())["error"]


async def test_bad_input_is_400_naming_the_field(client: WebClient, report: Report) -> None:
    ticket = await report("p1")
    url = f"/api/distributors/dist-north/tickets/{ticket}"

    async def error_of(path: str, **kwargs: object) -> tuple[int, str, str | None]:
        headers = {**NORTH, **kwargs.pop("headers", {})}  # type: ignore[dict-item]
        response = await client.post(path, headers=headers, **kwargs)  # type: ignore[arg-type]
        body = await response.json()
        return response.status, body["error"], body.get("field")

    assert await error_of(f"{url}/restocked", json={}) == (400, "who: say who is making the change", "who")
    assert await error_of(f"{url}/not-a-stockout", json={"who": "erp"}) == (
        400,
        "why: say why nothing was missing",
        "why",
    )
    assert (await error_of(f"{url}/restocked", json={"who": 7}))[2] == "who"
    assert (await error_of(f"{url}/vanished", json={"who": "erp"}))[2] == "action"
    assert (await error_of("/api/distributors/dist-north/tickets/abc/restocked", json={"who": "erp"}))[2] == (
        "ticket_id"
    )
    assert (await error_of(f"{url}/restocked", data=b"who=erp"))[2] == "body"  # a form, not JSON
    assert (await error_of(f"{url}/restocked", data=b"{not json", headers={"Content-Type": "application/json"}))[
        2
    ] == "body"
    assert (await error_of(f"{url}/restocked", json=["who"]))[2] == "body"


async def test_unknown_ticket_is_404(client: WebClient) -> None:
    response = await client.get("/api/distributors/dist-north/tickets/999", headers=NORTH)
    assert response.status == 404 and (await response.json())["error"] == "ticket #999 not found"
