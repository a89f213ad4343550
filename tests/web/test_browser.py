"""One real browser (Debian chromium driven by Playwright) against the live app: a distributor marks a
ticket restocked on the portal and the public board's Done count goes up."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from restock_bot.config import Settings
from restock_bot.restock import RestockService
from restock_bot.web import create_web_app
from tests.web.conftest import NORTH_TOKEN, Report

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="needs Debian chromium at /usr/bin/chromium (apt-get install chromium)"
    ),
]


@pytest.fixture
async def browser_page() -> AsyncIterator[Any]:
    playwright_api = pytest.importorskip("playwright.async_api", reason="needs the playwright package")
    async with playwright_api.async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = await browser.new_page()
            page.set_default_timeout(15_000)
            yield page
        finally:
            await browser.close()


async def test_distributor_marks_restocked_in_the_portal_and_the_board_shows_it_done(
    aiohttp_server: Any, service: RestockService, settings: Settings, report: Report, browser_page: Any
) -> None:
    ticket = await report("p1")
    server = await aiohttp_server(create_web_app(service, settings))
    base = f"http://127.0.0.1:{server.port}"
    page = browser_page

    await page.goto(f"{base}/")
    done = page.locator("#count-restocked .number")
    assert await done.inner_text() == "0"

    await page.goto(f"{base}/distributors/dist-north?token={NORTH_TOKEN}")
    assert page.url == f"{base}/distributors/dist-north"  # the token went into a cookie, not the history
    card = page.locator(f"#ticket-{ticket}")
    async with page.expect_navigation():
        await card.get_by_role("button", name="Mark restocked").click()
    assert f"Ticket #{ticket} marked restocked." in await page.locator(".notice").inner_text()
    assert await page.locator(f"#ticket-{ticket}").count() == 0

    await page.goto(f"{base}/")
    assert await done.inner_text() == "1"
