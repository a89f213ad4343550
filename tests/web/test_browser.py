"""The three faces in a real browser (Debian chromium driven by Playwright) against the live app on
127.0.0.1, on the bundled stores and catalogue:

- a distributor signs in, works a ticket end to end (acknowledge, cannot supply, restocked) and the public
  board, open in another tab, updates by itself;
- marketing approves a gift, writes the thank-you note, the reporter gives an address through the claim
  link, marketing ships it with a tracking reference;
- posts and names carrying script payloads show as text on every page, and no dialog ever opens;
- distributor A's session cannot open B's ticket by URL.

Every page is screenshotted into the run's temporary folder; with RESTOCK_BOT_SCREENSHOTS=<folder> the
board, the portal and the gift desk are also written there (docs/screenshots in the README)."""

from __future__ import annotations

import os
import re
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from restock_bot.clock import FixedClock
from restock_bot.config import DATA_DIR, AreaManagerSettings, DistributorSettings, Settings
from restock_bot.gifts import GiftState
from restock_bot.post import Author, Post
from restock_bot.restock import RestockService
from restock_bot.retailers import Store, load_stores
from restock_bot.triage.decision import Action, Decision
from restock_bot.web import create_web_app
from tests.fakes.restock import ScriptedTriage

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
README_SHOTS = {"board": "board.png", "portal": "portal.png", "gift-desk": "gift-desk.png"}

WEST_TOKEN = "mumbai-west-token"
EAST_TOKEN = "mumbai-east-token"
PUNE_TOKEN = "pune-west-token"
AREA_TOKEN = "area-west-token"
MARKETING_TOKEN = "marketing-desk-token"

SCRIPT = "<script>alert(1)</script>"
PAYLOADS = (
    SCRIPT,
    '"><img src=x onerror=alert(2)>',
    "<svg onload=alert(3)></svg>",
    "javascript:alert(4)",
    "{{7*7}} {% raw %}",
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="needs Debian chromium at /usr/bin/chromium (apt-get install chromium)"
    ),
]


# --- the scene: bundled stores, three distributors, an area manager, a week of reports ----------------


@pytest.fixture
def settings() -> Settings:
    return Settings(
        distributors={
            "DST-MUM-W": DistributorSettings(name="Mumbai West Distributors", portal_token=WEST_TOKEN),
            "DST-MUM-E": DistributorSettings(name="Mumbai East Traders", portal_token=EAST_TOKEN),
            "DST-PUN-W": DistributorSettings(name="Pune West Supply", portal_token=PUNE_TOKEN),
        },
        area_managers={
            "west": AreaManagerSettings(
                name="Anita Rao (area manager, west)", portal_token=AREA_TOKEN, distributors=["DST-MUM-W", "DST-PUN-W"]
            )
        },
        marketing_token=MARKETING_TOKEN,
    )


@pytest.fixture
def stores() -> dict[str, Store]:
    """The bundled retailer list."""
    return {s.store_id: s for s in load_stores(DATA_DIR / "stores.csv")[0]}


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'browser.db'}"


class Scene:
    """Reports filed through the real service, as the consumers' posts would be."""

    def __init__(self, service: RestockService, clock: FixedClock) -> None:
        self.service = service
        self.clock = clock
        self.triage: ScriptedTriage = service.triage  # type: ignore[assignment]
        self.count = 0

    async def report(
        self, store_id: str, sku: str, text: str, author: str, name: str = "", *, language: str = "en"
    ) -> int:
        self.count += 1
        post_id = f"post-{self.count}"
        reasons = ("absence cue: 'not found'", f"store named: {store_id}", f"product: {sku}")
        self.triage.will(
            Decision(
                post_id,
                Action.TICKET,
                True,
                store_id=store_id,
                sku=sku,
                brand="Nibbo",
                language=language,
                reasons=reasons,
            )  # fmt: skip
        )
        post = Post(post_id, text, Author(author, name or author), self.clock.now(), channel="x")
        assert await self.service.accept(post)
        await self.service.process_pending()
        history = [t for t in await self.service.distributor_queue(self.service.rules.stores[store_id].distributor_id)]
        return max(t.ticket.id or 0 for t in history if t.ticket.store_id == store_id and t.ticket.sku == sku)

    def later(self, hours: float) -> None:
        self.clock.advance(timedelta(hours=hours))


async def a_week_of_reports(scene: Scene) -> dict[str, int]:
    """Reports over six days in Mumbai and Pune; some restocked, one acknowledged; tickets by name."""
    s = scene
    t: dict[str, int] = {}
    t["malad"] = await s.report(
        "MUM-0002", "NBO-MASALA-30", "No Nibbo masala at DMart Malad West again", "priya_k", "Priya K"
    )
    s.later(3)
    t["bandra"] = await s.report(
        "MUM-0019", "NBO-PERI-30", "Nature's Basket Bandra has no peri peri Nibbo", "rahul_m", "Rahul M"
    )
    t["kothrud"] = await s.report(
        "PUN-0012", "NBO-CHEESE-30", "Nibbo cheesy khatam at More Kothrud", "sneha_p", "Sneha P", language="hi-Latn"
    )
    s.later(20)
    await s.service.mark_restocked(t["malad"], "Mumbai West desk", "2 cartons")
    s.later(10)
    t["andheri"] = await s.report(
        "MUM-0007", "NBO-TOMATO-30", "Reliance Smart Andheri W out of Nibbo tomato", "priya_k", "Priya K"
    )
    t["powai"] = await s.report(
        "MUM-0001", "NBO-PUDINA-30", "DMart Powai, no Nibbo pudina anywhere", "arjun_s", "Arjun S"
    )
    s.later(26)
    await s.service.mark_restocked(t["bandra"], "Mumbai West desk", "restocked shelf 4")
    await s.service.mark_restocked(t["kothrud"], "Pune West desk")
    s.later(30)
    t["borivali"] = await s.report(
        "MUM-0003", "NBO-SALT-30", "Nibbo salted missing, DMart Borivali West", "kavya_r", "Kavya R"
    )
    t["baner"] = await s.report(
        "PUN-0004", "NBO-MASALA-30", "DMart Baner has no Nibbo masala today", "sneha_p", "Sneha P"
    )
    await s.service.acknowledge(t["baner"], "Pune West desk", "truck on Thursday")
    t["full_shelf"] = await s.report(
        "MUM-0012", "NBO-PERI-30", "no Nibbo at Reliance Fresh Bandra", "vikram_j", "Vikram J"
    )
    await s.service.mark_not_a_stockout(t["full_shelf"], "Mumbai West desk", "shelf was full, photo sent")
    t["juhu"] = await s.report("MUM-0020", "NBO-PERI-30", "no Nibbo at Nature's Basket Juhu", "vikram_j", "Vikram J")
    s.later(2)
    await s.service.mark_restocked(t["juhu"], "Mumbai West desk")  # Vikram's gift is held: one report refused
    s.later(20)
    await s.service.mark_restocked(t["andheri"], "Mumbai West desk")
    t["injected"] = await s.report("MUM-0024", "NBO-WASABI-30", SCRIPT, "mallory", PAYLOADS[1])
    for i, payload in enumerate(PAYLOADS[2:], start=1):
        await s.report("MUM-0024", "NBO-WASABI-30", payload, f"mallory{i}", payload)
    s.later(6)
    return t


# --- the browser ---------------------------------------------------------------------------------------


class Watch:
    """What the pages did behind our back: dialogs (an injected script ran) and CSP refusals."""

    def __init__(self) -> None:
        self.dialogs: list[str] = []
        self.csp: list[str] = []

    def attach(self, context: Any) -> None:
        async def on_dialog(dialog: Any) -> None:
            self.dialogs.append(dialog.message)
            await dialog.dismiss()

        def on_console(message: Any) -> None:
            if "Content Security Policy" in message.text:
                self.csp.append(message.text)

        context.on("dialog", on_dialog)
        context.on("console", on_console)


@pytest.fixture
async def browser() -> AsyncIterator[Any]:
    playwright_api = pytest.importorskip("playwright.async_api", reason="needs the playwright package")
    async with playwright_api.async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            await launched.close()


@pytest.fixture
def shots(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """Save a full-page screenshot under the run's temporary folder (and the README's three, if asked)."""
    folder = tmp_path_factory.mktemp("screenshots")
    readme = os.environ.get("RESTOCK_BOT_SCREENSHOTS")
    if readme:
        Path(readme).mkdir(parents=True, exist_ok=True)

    async def shoot(page: Any, name: str) -> Path:
        path = folder / f"{name}.png"
        await page.screenshot(path=str(path), full_page=True)
        if readme and name in README_SHOTS:
            await page.screenshot(path=str(Path(readme) / README_SHOTS[name]), full_page=True)
        return path

    return shoot


async def new_context(browser: Any, watch: Watch) -> Any:
    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    watch.attach(context)
    return context


def expect(locator: Any) -> Any:
    """Playwright's assertions, which poll without evaluating strings in the page (the CSP forbids eval)."""
    return pytest.importorskip("playwright.async_api").expect(locator)


async def expect_live(page: Any) -> None:
    """board.js has drawn the board from the JSON feed at least once."""
    await expect(page.locator("#board")).to_have_attribute("data-updated", re.compile(".+"))


async def sign_in(page: Any, base: str, path: str, token: str) -> None:
    """Open a portal page, meet the login form, give the token."""
    await page.goto(f"{base}{path}")
    await page.get_by_label("Access token").fill(token)
    async with page.expect_navigation():
        await page.get_by_role("button", name="Log in").click()
    assert page.url == f"{base}{path}"


# --- the stories ---------------------------------------------------------------------------------------


async def test_a_distributor_works_a_ticket_end_to_end_and_the_board_updates_live(
    aiohttp_server: Any, service: RestockService, clock: FixedClock, settings: Settings, browser: Any, shots: Any
) -> None:
    tickets = await a_week_of_reports(Scene(service, clock))
    server = await aiohttp_server(create_web_app(service, settings))
    base = f"http://127.0.0.1:{server.port}"
    watch = Watch()
    context = await new_context(browser, watch)

    board = await context.new_page()
    await board.goto(f"{base}/?refresh=2")
    await expect_live(board)
    assert await board.locator("#count-restocked .number").inner_text() == "5"
    assert await board.locator("#towns-covered .value").inner_text() == "2"
    assert "Mumbai" in await board.locator("#list-lets-do-it").inner_text()
    assert await board.locator("#chart-town").evaluate("c => c.width > 0 && !!window.Chart.getChart(c)")
    await shots(board, "board")

    page = await context.new_page()
    await page.goto(f"{base}/distributors/DST-MUM-W")
    assert "log in to the portal of distributor DST-MUM-W" in await page.locator(".notice").inner_text()
    await shots(page, "login")
    await sign_in(page, base, "/distributors/DST-MUM-W", WEST_TOKEN)
    cards = page.locator("article.ticket")
    ids = [int((await cards.nth(i).get_attribute("id") or "").split("-")[1]) for i in range(await cards.count())]
    assert ids == [tickets["borivali"], tickets["injected"]]  # the least time left first
    assert await page.locator(f"#ticket-{tickets['borivali']}").get_attribute("class") == "ticket urgency-soon"
    await shots(page, "portal")

    await page.locator(f"#ticket-{tickets['borivali']} h2 a").click()
    await page.wait_for_url(re.compile(rf".*/tickets/{tickets['borivali']}\?back=.*"))
    assert "Nibbo salted missing, DMart Borivali West" in await page.locator(".reports").inner_text()
    assert "absence cue" in (await page.locator(".reports").text_content() or "")
    assert "19.2" in await page.locator("#coordinates").inner_text()  # Borivali's latitude
    actions = page.locator("#ticket-actions")
    await actions.get_by_label("Note").fill("truck booked")
    async with page.expect_navigation():
        await actions.get_by_role("button", name="Acknowledge").click()
    assert f"Ticket #{tickets['borivali']} acknowledged." in await page.locator(".notice").inner_text()
    await actions.get_by_label("Note").fill("warehouse out of stock until the new batch")
    await actions.get_by_label("New date (cannot supply)").fill((clock.now() + timedelta(days=3)).date().isoformat())
    async with page.expect_navigation():
        await actions.get_by_role("button", name="Cannot supply").click()
    assert "awaiting approval" in await page.locator(".facts").first.inner_text()
    await shots(page, "ticket")
    async with page.expect_navigation():
        await actions.get_by_role("button", name="Mark restocked").click()
    assert "Done" in await page.locator(".badge").first.inner_text()
    history = await page.locator("table.list").inner_text()
    assert "acknowledged" in history and "cannot supply" in history and "restocked" in history

    await board.bring_to_front()
    await expect(board.locator("#count-restocked .number")).to_have_text("6")  # redrawn from the feed
    assert "DMart Borivali West" in await board.locator("#list-done").inner_text()
    assert watch.dialogs == [] and watch.csp == []
    await context.close()


async def test_marketing_approves_notes_and_ships_a_gift_through_a_claim_link(
    aiohttp_server: Any, service: RestockService, clock: FixedClock, settings: Settings, browser: Any, shots: Any
) -> None:
    await a_week_of_reports(Scene(service, clock))
    server = await aiohttp_server(create_web_app(service, settings))
    base = f"http://127.0.0.1:{server.port}"
    watch = Watch()
    desk_context = await new_context(browser, watch)
    page = await desk_context.new_page()
    await sign_in(page, base, "/gifts", MARKETING_TOKEN)

    [gift] = [g for g in await service.gift_queue(GiftState.QUEUED) if g.reporter == "x:rahul_m"]
    card = page.locator(f"#gift-{gift.id}")
    assert "Confirmed restocks" in (await card.text_content() or "")
    held = await page.locator("article.gift-held").text_content() or ""
    assert "Held: 1 report(s) marked not a stock-out" in held and "Vikram J" in held
    await card.get_by_label("Thank-you note").fill("Rahul, thank you for telling us about Bandra! Enjoy the peri peri.")
    async with page.expect_navigation():
        await card.get_by_role("button", name="Save note").click()
    await card.get_by_label("Your name").fill("Lena (marketing)")
    async with page.expect_navigation():
        await card.get_by_role("button", name="Approve").click()
    assert f"Gift #{gift.id} approved." in await page.locator(".notice").inner_text()
    async with page.expect_navigation():
        await page.locator(f"#gift-{gift.id}").get_by_role("button", name="Ask for the address").click()
    link = await page.locator("#claim-link").input_value()
    assert link.startswith(settings.public_url) and "/claim/" in link

    reporter = await (await new_context(browser, watch)).new_page()  # the reporter: no marketing cookie
    await reporter.goto(base + link.removeprefix(settings.public_url))
    assert "Your report of Nibbo Peri Peri 30g missing" in await reporter.locator(".lead").inner_text()
    await shots(reporter, "claim")
    await reporter.get_by_label("Name on the parcel").fill("Rahul Mehta")
    await reporter.get_by_label("Address").fill("12 Hill Road, Bandra West, Mumbai")
    await reporter.get_by_label("Postcode").fill("400050")
    async with reporter.expect_navigation():
        await reporter.get_by_role("button", name="Send my address").click()
    assert "Thank you!" in await reporter.locator("h1").inner_text()
    assert "Hill Road" not in await reporter.content()  # never shown back
    await reporter.goto(base + link.removeprefix(settings.public_url))
    assert "already used" in await reporter.locator(".problem").inner_text()

    await page.goto(f"{base}/gifts")
    card = page.locator(f"#gift-{gift.id}")
    assert "12 Hill Road, Bandra West, Mumbai" in await card.locator("address").inner_text()
    await shots(page, "gift-desk")
    await card.get_by_label("Tracking reference").fill("DTDC-77881")
    await card.locator("form.ship").get_by_label("Your name").fill("Lena (marketing)")
    async with page.expect_navigation():
        await card.get_by_role("button", name="Mark shipped").click()
    await page.goto(f"{base}/gifts?state=shipped")
    shipped = await page.locator(f"#gift-{gift.id}").inner_text()
    assert "DTDC-77881" in shipped and "address deleted on" in shipped and "Hill Road" not in shipped

    await page.goto(f"{base}/reporters")
    assert "Rahul M" in await page.locator("#leaderboard").inner_text()
    await shots(page, "reporters")
    assert watch.dialogs == [] and watch.csp == []


async def test_script_payloads_in_posts_and_names_render_as_text_on_every_page(
    aiohttp_server: Any, service: RestockService, clock: FixedClock, settings: Settings, browser: Any, shots: Any
) -> None:
    tickets = await a_week_of_reports(Scene(service, clock))
    await service.mark_restocked(tickets["injected"], "Mumbai West desk")  # mallory's gifts reach the desk
    server = await aiohttp_server(create_web_app(service, settings))
    base = f"http://127.0.0.1:{server.port}"
    watch = Watch()
    context = await new_context(browser, watch)
    page = await context.new_page()

    await sign_in(page, base, "/distributors/DST-MUM-W", WEST_TOKEN)
    await page.goto(f"{base}/distributors/DST-MUM-W/tickets/{tickets['injected']}")
    reports = await page.locator(".reports").inner_text()
    for payload in PAYLOADS:
        assert payload in reports  # the very characters, shown as text
    await shots(page, "ticket-with-payloads")

    await sign_in(page, base, "/gifts", MARKETING_TOKEN)
    desk = await page.locator("main").inner_text()
    assert PAYLOADS[1] in desk and "<svg onload=alert(3)></svg>" in desk
    await page.goto(f"{base}/reporters")
    assert PAYLOADS[1] in await page.locator("main").inner_text()
    await page.goto(f"{base}/?refresh=2")
    await expect_live(page)
    assert "alert" not in await page.content()  # the board shows no reporter and no post text at all

    await page.wait_for_timeout(300)  # give any injected handler a moment to fire
    assert watch.dialogs == [] and watch.csp == []


async def test_distributor_a_cannot_open_distributor_bs_ticket_by_url(
    aiohttp_server: Any, service: RestockService, clock: FixedClock, settings: Settings, browser: Any, shots: Any
) -> None:
    tickets = await a_week_of_reports(Scene(service, clock))
    east_ticket = tickets["powai"]  # DMart Powai: Mumbai East's
    server = await aiohttp_server(create_web_app(service, settings))
    base = f"http://127.0.0.1:{server.port}"
    watch = Watch()
    context = await new_context(browser, watch)
    page = await context.new_page()
    await sign_in(page, base, "/distributors/DST-MUM-W", WEST_TOKEN)

    response = await page.goto(f"{base}/distributors/DST-MUM-E/tickets/{east_ticket}")
    assert response.status == 403
    assert "signed in as Mumbai West Distributors" in await page.locator(".notice").inner_text()
    assert "DMart Powai" not in await page.content()
    response = await page.goto(f"{base}/distributors/DST-MUM-W/tickets/{east_ticket}")
    assert response.status == 404 and "DMart Powai" not in await page.content()
    response = await page.goto(f"{base}/distributors/DST-MUM-E.json")
    assert response.status == 403
    await shots(page, "refused")

    await sign_in(page, base, "/area-managers/west", AREA_TOKEN)  # west: Mumbai West and Pune West
    assert "Baner" in await page.locator("main").inner_text()
    response = await page.goto(f"{base}/distributors/DST-PUN-W/tickets/{tickets['baner']}")
    assert response.status == 200
    response = await page.goto(f"{base}/distributors/DST-MUM-E/tickets/{east_ticket}")
    assert response.status == 403
    assert watch.dialogs == []
