"""Signing in to the portal as a distributor or an area manager: sessions kept on the server, logout that
ends them, and a distributor who never sees another distributor's tickets, by URL or otherwise."""

from __future__ import annotations

from typing import Any

import pytest

from restock_bot.config import AreaManagerSettings, Settings
from restock_bot.restock import RestockService
from restock_bot.web import create_web_app
from tests.web.conftest import (
    MARKETING_TOKEN,
    NORTH_TOKEN,
    Report,
    WebClient,
    bearer,
    form_token_of,
    north_and_south,
)

AREA_TOKEN = "area-manager-token"


@pytest.fixture
def settings() -> Settings:
    return Settings(
        distributors=north_and_south(),
        area_managers={
            "pune": AreaManagerSettings(name="Anita (Pune)", portal_token=AREA_TOKEN, distributors=["dist-north"]),
        },
        marketing_token=MARKETING_TOKEN,
    )


async def sign_in(client: WebClient, path: str, token: str) -> str:
    """The login form, as a person fills it; returns the form token of the page it leads to."""
    response = await client.post(f"{path}/login", data={"token": token, "next": path})
    assert response.status == 200, await response.text()
    return await form_token_of(response)


async def test_the_session_cookie_holds_a_secret_not_the_token_and_is_http_only(client: WebClient) -> None:
    response = await client.post(
        "/distributors/dist-north/login", data={"token": NORTH_TOKEN, "next": "/"}, allow_redirects=False
    )
    cookie = response.cookies["restock_portal"]
    assert NORTH_TOKEN not in cookie.value and len(cookie.value) > 30
    assert cookie["httponly"] and cookie["samesite"] == "Lax"


async def test_log_out_ends_the_session_on_the_server_too(client: WebClient) -> None:
    csrf = await sign_in(client, "/distributors/dist-north", NORTH_TOKEN)
    secret = client.session.cookie_jar.filter_cookies(client.make_url("/"))["restock_portal"].value

    assert (await client.post("/distributors/dist-north/logout", data={"csrf": csrf})).status == 200
    assert (await client.get("/distributors/dist-north")).status == 401
    replayed = await client.get("/distributors/dist-north", cookies={"restock_portal": secret})
    assert replayed.status == 401  # a copied cookie is worth nothing after logout


async def test_a_changed_token_ends_the_sessions_opened_with_the_old_one(
    aiohttp_client: Any, service: RestockService, settings: Settings
) -> None:
    first = await aiohttp_client(create_web_app(service, settings))
    await sign_in(first, "/distributors/dist-north", NORTH_TOKEN)
    secret = first.session.cookie_jar.filter_cookies(first.make_url("/"))["restock_portal"].value

    settings.distributors["dist-north"].portal_token = "rotated-token"
    again = await aiohttp_client(create_web_app(service, settings))

    assert (await again.get("/distributors/dist-north", cookies={"restock_portal": secret})).status == 401


async def test_distributor_a_never_sees_distributor_bs_tickets(client: WebClient, report: Report) -> None:
    south = await report("p1", store_id="S3")  # FreshMart Aundh: South Foods
    north = await report("p2", store_id="S1")
    csrf = await sign_in(client, "/distributors/dist-north", NORTH_TOKEN)

    queue = await (await client.get("/distributors/dist-north")).text()
    assert f"#{north}<" in queue and "Aundh" not in queue
    other_portal = await client.get("/distributors/dist-south")
    assert other_portal.status == 403 and "signed in as North Foods" in await other_portal.text()
    by_url = await client.get(f"/distributors/dist-south/tickets/{south}")
    assert by_url.status == 403 and "Aundh" not in await by_url.text()
    through_own = await client.get(f"/distributors/dist-north/tickets/{south}")
    assert through_own.status == 404 and "Aundh" not in await through_own.text()
    assert (await client.get(f"/distributors/dist-north/tickets/{south}.json")).status == 404
    assert (await client.get("/distributors/dist-south.csv")).status == 403
    bulk = await client.post(
        "/distributors/dist-north/acknowledge", data={"csrf": csrf, "who": "ana", "ticket": [str(south)]}
    )
    assert bulk.status == 404
    acted = await client.post(
        f"/distributors/dist-north/tickets/{south}", data={"csrf": csrf, "who": "ana", "action": "restocked"}
    )
    assert acted.status == 404


async def test_an_area_manager_sees_the_distributors_under_them_and_no_other(client: WebClient, report: Report) -> None:
    north = await report("p1", store_id="S1")
    south = await report("p2", store_id="S3")
    await sign_in(client, "/area-managers/pune", AREA_TOKEN)

    page = await (await client.get("/area-managers/pune")).text()
    assert "Anita (Pune)" in page and f"#{north}<" in page and f"#{south}<" not in page
    assert (await client.get(f"/distributors/dist-north/tickets/{north}")).status == 200
    assert (await client.get("/distributors/dist-north.json")).status == 200
    assert (await client.get(f"/distributors/dist-south/tickets/{south}")).status == 403
    listed = await (await client.get("/area-managers/pune.json")).json()
    assert listed["distributor_ids"] == ["dist-north"] and [t["id"] for t in listed["tickets"]] == [north]


async def test_an_area_manager_acknowledges_in_bulk_across_the_queue(
    client: WebClient, service: RestockService, report: Report
) -> None:
    first = await report("p1", store_id="S1")
    second = await report("p2", store_id="S2")
    csrf = await sign_in(client, "/area-managers/pune", AREA_TOKEN)

    response = await client.post(
        "/area-managers/pune/acknowledge",
        data={"csrf": csrf, "who": "Anita", "why": "trucks booked", "ticket": [str(first), str(second)]},
    )

    assert response.status == 200 and "2 ticket(s) acknowledged." in await response.text()
    for ticket in (first, second):
        history = await service.ticket_history(ticket)
        assert history.ticket.state.value == "acknowledged" and history.events[-1].actor == "Anita"


async def test_the_bearer_token_still_serves_machines_without_a_session(client: WebClient, report: Report) -> None:
    ticket = await report("p1")
    response = await client.get(f"/distributors/dist-north/tickets/{ticket}.json", headers=bearer(NORTH_TOKEN))
    assert response.status == 200 and "restock_portal" not in response.cookies


@pytest.mark.parametrize("evil", ["//evil.example/", "/\\evil.example", "/\t/evil.example", "https://evil.example"])
async def test_forms_never_send_people_to_another_site(client: WebClient, report: Report, evil: str) -> None:
    ticket = await report("p1")
    csrf = await sign_in(client, "/distributors/dist-north", NORTH_TOKEN)
    response = await client.post(
        f"/distributors/dist-north/tickets/{ticket}",
        data={"csrf": csrf, "who": "ana", "action": "acknowledge", "back": evil},
        allow_redirects=False,
    )
    assert response.status == 303 and response.headers["Location"].startswith("/distributors/dist-north?")
