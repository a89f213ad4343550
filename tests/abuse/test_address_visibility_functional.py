"""A reporter's shipping address is seen on the gift desk only: a distributor signed in to the portal (or
calling the API with its token) finds it on no page, file or document the web app serves. Over a real
server on 127.0.0.1."""

from __future__ import annotations

import re
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestClient

from restock_bot.restock import RestockService
from restock_bot.restock.fulfilment import give_address, open_claim
from restock_bot.storage.tables import TicketRow
from restock_bot.web import create_web_app
from tests.abuse.conftest import MARKETING_TOKEN, MUMBAI_TOKEN, FileReport, all_rows, restock_all

WebClient = TestClient[web.Request, web.Application]
ADDRESS = {"ship_to": "Meera Iyer", "address": "17 Carter Road, Bandra", "postcode": "400050", "phone": "99200 11223"}
TRACES = ("Meera Iyer", "Carter Road", "400050", "99200 11223")


def every_get_path(client: WebClient, values: dict[str, str]) -> list[str]:
    """Every GET route of the app, its {placeholders} filled from `values`."""
    paths: list[str] = []
    for resource in client.app.router.resources():
        if not any(route.method == "GET" for route in resource):
            continue
        pattern = resource.canonical
        paths.append(re.sub(r"\{(\w+)\}", lambda m: values.get(m.group(1), "1"), pattern))
    return sorted(set(paths))


async def test_a_distributor_never_sees_a_reporters_address(
    aiohttp_client: Any, service: RestockService, file_report: FileReport
) -> None:
    await file_report("m-1", "meera", "M00")
    await restock_all(service)
    [gift] = await service.gift_queue()
    assert gift.id is not None
    await service.approve_gift(gift.id, "Lena")
    token = await open_claim(service.database, gift.id, service.clock.now())
    await give_address(service.database, token, **ADDRESS, now=service.clock.now())
    [ticket] = await all_rows(service, TicketRow)
    client: WebClient = await aiohttp_client(create_web_app(service, service.settings))
    values = {"distributor_id": "dist-mum", "ticket_id": str(ticket.id), "gift_id": str(gift.id), "token": token}

    signed_in = await client.post("/distributors/dist-mum/login", data={"token": MUMBAI_TOKEN, "next": "/"})
    assert signed_in.status == 200
    assert (await client.get("/distributors/dist-mum")).status == 200  # the session works
    paths = every_get_path(client, values)
    assert "/gifts/approved.csv" in paths and f"/distributors/dist-mum/tickets/{ticket.id}.json" in paths
    seen: dict[str, int] = {}
    for path in paths:
        for query in ("", "?state=approved"):
            for headers in ({}, {"Authorization": f"Bearer {MUMBAI_TOKEN}"}):
                response = await client.get(path + query, headers=headers, allow_redirects=True)
                body = await response.text()
                seen[path + query] = response.status
                assert [t for t in TRACES if t in body] == [], (path + query, response.status)
    portal = [p for p in paths if p.startswith(("/distributors/dist-mum", "/api/distributors/dist-mum"))]
    assert len(portal) >= 6 and {seen[p] for p in portal} == {200}  # what a distributor may see, it saw
    refused = {401, 403, 404, 410, 429}  # 429: the refusals above tripped the rate limit on marketing's pages
    marketing = [p for p in paths if p.startswith(("/gifts", "/reporters", "/api/gifts", "/api/reporters"))]
    assert {seen[p] for p in marketing if p != "/gifts/login"} <= refused and seen["/gifts/login"] == 200

    # the same address is on the desk for marketing (so the check above looked for the right text)
    desk_client: WebClient = await aiohttp_client(create_web_app(service, service.settings))
    desk = await desk_client.get("/gifts", params={"token": MARKETING_TOKEN, "state": "approved"})
    assert desk.status == 200 and ADDRESS["address"] in await desk.text()
