"""Which web app the wiring serves: the real board when `restock_bot.web` is there, else a bare fallback."""

from __future__ import annotations

import sys

import aiohttp
import pytest

from restock_bot.app import RestockBot
from restock_bot.config import Settings


async def status_of(url: str) -> int:
    async with aiohttp.ClientSession() as http, http.get(url, allow_redirects=False) as response:
        return response.status


async def test_board_health_and_webhook_share_one_server(db_url: str) -> None:
    async with RestockBot(Settings(database_url=db_url, port=0)) as bot:
        assert bot.url is not None
        assert await status_of(f"{bot.url}/") == 200
        assert await status_of(f"{bot.url}/healthz") == 200
        assert await status_of(f"{bot.url}/hooks/posts") == 405  # POST only


async def test_without_the_web_package_only_webhook_and_health_are_served(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "restock_bot.web.app", None)  # the import fails as if not yet written

    async with RestockBot(Settings(database_url=db_url, port=0)) as bot:
        assert bot.url is not None
        assert await status_of(f"{bot.url}/") == 404
        assert await status_of(f"{bot.url}/healthz") == 200
        assert await status_of(f"{bot.url}/hooks/posts") == 405
