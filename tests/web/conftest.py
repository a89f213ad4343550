"""Fixtures for the web tests: the distributors' settings (for the service of tests/conftest.py), and the web
app on a real 127.0.0.1 server."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import pytest
from aiohttp import ClientResponse, web
from aiohttp.test_utils import TestClient

from restock_bot.config import DistributorSettings, Settings
from restock_bot.restock import RestockService
from restock_bot.retailers import Store
from restock_bot.web import create_web_app
from tests.fakes.restock import ScriptedTriage, post, ticket_decision

NORTH_TOKEN = "north-portal-token"
SOUTH_TOKEN = "south-portal-token"
MARKETING_TOKEN = "marketing-desk-token"

Report = Callable[..., Awaitable[int]]
WebClient = TestClient[web.Request, web.Application]


def north_and_south() -> dict[str, DistributorSettings]:
    """The two distributors with a portal token."""
    return {
        "dist-north": DistributorSettings(name="North Foods", portal_token=NORTH_TOKEN),
        "dist-south": DistributorSettings(name="South Foods", portal_token=SOUTH_TOKEN),
    }


@pytest.fixture
def settings() -> Settings:
    return Settings(
        distributors={
            **north_and_south(),
            "dist-east": DistributorSettings(name="East Foods"),  # no portal token configured
        },
        marketing_token=MARKETING_TOKEN,
    )


@pytest.fixture
def report(service: RestockService, triage: ScriptedTriage, stores: Mapping[str, Store]) -> Report:
    """A consumer posts a stock-out that triage reads as a ticket; returns the ticket's number."""

    async def file(
        post_id: str, author: str = "asha", store_id: str = "S1", sku: str = "MUN-50", text: str = ""
    ) -> int:
        triage.will(ticket_decision(post_id, store_id=store_id, sku=sku))
        assert await service.accept(post(post_id, author, text, at=service.clock.now()))
        await service.process_pending()
        queue = await service.distributor_queue(stores[store_id].distributor_id)
        return max(i.ticket.id or 0 for i in queue if i.ticket.store_id == store_id and i.ticket.sku == sku)

    return file


@pytest.fixture
async def client(aiohttp_client: Any, service: RestockService, settings: Settings) -> WebClient:
    """The web app on a real server at 127.0.0.1."""
    return await aiohttp_client(create_web_app(service, settings))


@pytest.fixture
async def demo_client(aiohttp_client: Any, service: RestockService, settings: Settings) -> WebClient:
    return await aiohttp_client(create_web_app(service, settings, demo=True))


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def form_token_of(response: ClientResponse) -> str:
    """The hidden form token on a page."""
    found = re.search(r'name="csrf" value="([0-9a-f]+)"', await response.text())
    assert found, "the page has no form token"
    return found.group(1)
