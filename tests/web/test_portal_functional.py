"""The distributor portal as a distributor uses it: log in with the token, see the queue, press buttons."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from restock_bot.clock import FixedClock
from restock_bot.config import Settings
from restock_bot.restock import RestockService
from restock_bot.tickets import TicketState
from restock_bot.web import create_web_app
from tests.web.conftest import NORTH_TOKEN, SOUTH_TOKEN, Report, WebClient, bearer, form_token_of


async def log_in(client: WebClient, distributor_id: str = "dist-north", token: str = NORTH_TOKEN) -> str:
    """Open the portal link with the token (as from the notification email); returns the form token."""
    response = await client.get(f"/distributors/{distributor_id}", params={"token": token})
    assert response.status == 200
    assert str(response.url).endswith(f"/distributors/{distributor_id}")  # the token left the address bar
    return await form_token_of(response)


async def test_distributor_acknowledges_then_marks_restocked_with_the_portal_form(
    client: WebClient, service: RestockService, report: Report
) -> None:
    ticket = await report("p1")
    csrf = await log_in(client)

    acknowledged = await client.post(
        f"/distributors/dist-north/tickets/{ticket}",
        data={"csrf": csrf, "action": "acknowledge", "who": "Meera (North Foods)", "why": "truck on Tuesday"},
    )
    assert acknowledged.status == 200 and f"Ticket #{ticket} acknowledged." in await acknowledged.text()

    restocked = await client.post(
        f"/distributors/dist-north/tickets/{ticket}",
        data={"csrf": csrf, "action": "restocked", "who": "Meera (North Foods)", "why": ""},
    )
    assert f"Ticket #{ticket} marked restocked." in await restocked.text()

    history = await service.ticket_history(ticket)
    assert history.ticket.state is TicketState.RESTOCKED
    acked = next(e for e in history.events if e.kind.value == "acknowledged")
    assert (acked.actor, acked.reason) == ("Meera (North Foods)", "truck on Tuesday")
    board = await (await client.get("/board.json")).json()
    assert board["counts"]["restocked"] == 1 and board["counts"]["open"] == 0


async def test_queue_shows_most_urgent_deadline_first_with_hours_left_reports_and_reasons(
    client: WebClient, report: Report, clock: FixedClock
) -> None:
    first = await report("p1", store_id="S1")
    clock.advance(timedelta(hours=10))
    second = await report("p2", store_id="S2")
    await report("p3", author="ravi", store_id="S1")  # joins the Kothrud ticket

    queue = await (await client.get("/distributors/dist-north.json", headers=bearer(NORTH_TOKEN))).json()

    assert [t["id"] for t in queue["tickets"]] == [first, second]
    assert [t["hours_left"] for t in queue["tickets"]] == [38.0, 48.0]
    assert [t["reports"] for t in queue["tickets"]] == [2, 1]
    assert queue["tickets"][0]["reasons"] == ["test decision"]
    page = await (await client.get("/distributors/dist-north", params={"token": NORTH_TOKEN})).text()
    assert page.index(f"#{first}<") < page.index(f"#{second}<")
    assert "38 h 00 min left" in page and "test decision" in page


async def test_a_wrong_token_is_refused_with_403(client: WebClient, report: Report) -> None:
    ticket = await report("p1")
    page = await client.get("/distributors/dist-north", params={"token": "guess"})
    assert page.status == 403 and "wrong token" in await page.text()
    api = await client.get("/api/distributors/dist-north/tickets", headers=bearer(SOUTH_TOKEN))
    assert api.status == 403 and (await api.json())["error"].startswith("token:")
    action = await client.post(
        f"/api/distributors/dist-north/tickets/{ticket}/restocked", json={"who": "x"}, headers=bearer("guess")
    )
    assert action.status == 403


async def test_no_token_asks_to_log_in_and_the_login_form_opens_the_portal(client: WebClient) -> None:
    page = await client.get("/distributors/dist-north")
    assert page.status == 401 and 'action="/distributors/dist-north/login"' in await page.text()
    api = await client.get("/distributors/dist-north.json")
    assert api.status == 401 and "Bearer" in api.headers["WWW-Authenticate"]

    wrong = await client.post("/distributors/dist-north/login", data={"token": "guess", "next": "/"})
    assert wrong.status == 403
    right = await client.post(
        "/distributors/dist-north/login", data={"token": NORTH_TOKEN, "next": "/distributors/dist-north"}
    )
    assert right.status == 200 and "North Foods" in await right.text()


async def test_login_never_sends_people_to_another_site(client: WebClient) -> None:
    response = await client.post(
        "/distributors/dist-north/login",
        data={"token": NORTH_TOKEN, "next": "//evil.example/"},
        allow_redirects=False,
    )
    assert response.status == 303 and response.headers["Location"] == "/distributors/dist-north"


async def test_a_portal_without_a_configured_token_is_closed_unless_demo(
    client: WebClient, demo_client: WebClient
) -> None:
    closed = await client.get("/distributors/dist-east")
    assert closed.status == 403 and "distributors.dist-east.portal_token" in await closed.text()
    unknown = await client.get("/api/distributors/dist-west/tickets")
    assert unknown.status == 403

    assert (await demo_client.get("/distributors/dist-east")).status == 200
    assert (await demo_client.get("/distributors/dist-north")).status == 401  # a set token still counts


async def test_a_form_without_the_form_token_is_refused(client: WebClient, report: Report) -> None:
    ticket = await report("p1")
    await log_in(client)  # the login cookie alone must not be enough: another site could post the form
    response = await client.post(
        f"/distributors/dist-north/tickets/{ticket}", data={"action": "restocked", "who": "mallory"}
    )
    assert response.status == 403 and "csrf" in await response.text()
    cross = await client.post(
        f"/distributors/dist-north/tickets/{ticket}",
        data={"action": "restocked", "who": "mallory", "csrf": await log_in(client)},
        headers={"Sec-Fetch-Site": "cross-site"},
    )
    assert cross.status == 403


async def test_demo_forms_still_carry_a_form_token(
    aiohttp_client: Any, service: RestockService, report: Report
) -> None:
    ticket = await report("p1")
    demo = await aiohttp_client(create_web_app(service, Settings(), demo=True))  # no portal tokens at all
    csrf = await form_token_of(await demo.get("/distributors/dist-north"))

    refused = await demo.post(f"/distributors/dist-north/tickets/{ticket}", data={"action": "restocked"})
    assert refused.status == 403
    done = await demo.post(
        f"/distributors/dist-north/tickets/{ticket}", data={"action": "restocked", "who": "ana", "csrf": csrf}
    )
    assert done.status == 200 and f"Ticket #{ticket} marked restocked." in await done.text()


async def test_another_distributors_ticket_is_not_found(client: WebClient, report: Report) -> None:
    north_ticket = await report("p1", store_id="S1")
    csrf = await log_in(client, "dist-south", SOUTH_TOKEN)

    page = await client.get(f"/distributors/dist-south/tickets/{north_ticket}")
    assert page.status == 404
    form = await client.post(
        f"/distributors/dist-south/tickets/{north_ticket}",
        data={"csrf": csrf, "action": "restocked", "who": "south-desk"},
    )
    assert form.status == 404 and f"ticket #{north_ticket} not found for dist-south" in await form.text()


async def test_an_illegal_step_answers_409_on_the_page(
    client: WebClient, service: RestockService, report: Report
) -> None:
    ticket = await report("p1")
    await service.mark_restocked(ticket, "north-desk")
    csrf = await log_in(client)

    response = await client.post(
        f"/distributors/dist-north/tickets/{ticket}",
        data={"csrf": csrf, "action": "acknowledge", "who": "ana"},
    )

    assert response.status == 409 and "cannot be acknowledged" in await response.text()


async def test_not_a_stockout_from_the_form_needs_a_why(client: WebClient, report: Report) -> None:
    ticket = await report("p1")
    csrf = await log_in(client)
    response = await client.post(
        f"/distributors/dist-north/tickets/{ticket}",
        data={"csrf": csrf, "action": "not-a-stockout", "who": "ana", "why": " "},
    )
    assert response.status == 400 and "why: say why nothing was missing" in await response.text()


async def test_ticket_page_shows_who_did_what_when_and_why(
    client: WebClient, service: RestockService, report: Report
) -> None:
    ticket = await report("p1")
    await service.acknowledge(ticket, "Meera", "checking the warehouse")
    await log_in(client)

    page = await (await client.get(f"/distributors/dist-north/tickets/{ticket}")).text()

    assert "Meera" in page and "checking the warehouse" in page and "first report" in page


async def test_log_out_forgets_the_login(client: WebClient) -> None:
    csrf = await log_in(client)
    response = await client.post("/distributors/dist-north/logout", data={"csrf": csrf})
    assert response.status == 200  # the login form
    assert (await client.get("/distributors/dist-north")).status == 401


async def test_ticket_page_has_a_json_twin_and_a_bad_number_names_ticket_id(client: WebClient, report: Report) -> None:
    ticket = await report("p1")
    twin = await client.get(f"/distributors/dist-north/tickets/{ticket}.json", headers=bearer(NORTH_TOKEN))
    assert (await twin.json())["events"][0]["why"] == "first report"
    await log_in(client)
    bad = await client.get("/distributors/dist-north/tickets/latest")
    assert bad.status == 400 and "ticket_id: &#39;latest&#39; is not a ticket number" in await bad.text()


async def test_an_unknown_page_says_so_in_html(client: WebClient) -> None:
    response = await client.get("/no-such-page")
    assert response.status == 404 and "That did not work (404)" in await response.text()
