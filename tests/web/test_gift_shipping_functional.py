"""From approval to the reporter's door: the thank-you note, hold with a reason, the one-time claim link for
the shipping address (only marketing sees it), shipped with a tracking reference, the approved batch for
the fulfilment house, and the address deleted N days after shipping."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

from restock_bot.clock import FixedClock
from restock_bot.gifts import GiftState
from restock_bot.restock import RestockService
from restock_bot.restock.fulfilment import shipping_of
from restock_bot.web.app import tidy_up
from tests.web.conftest import MARKETING_TOKEN, Report, WebClient, bearer, form_token_of
from tests.web.test_gifts_functional import restocked_gifts

MARKETING = bearer(MARKETING_TOKEN)
ADDRESS = {"ship_to": "Asha Kulkarni", "address": "4 Paud Road, Kothrud", "postcode": "411038", "phone": "98200 00000"}


async def desk(client: WebClient) -> str:
    return await form_token_of(await client.get("/gifts", params={"token": MARKETING_TOKEN}))


async def approved_asha(client: WebClient, service: RestockService, report: Report) -> tuple[int, str]:
    await restocked_gifts(service, report)
    [asha] = await service.gift_queue(GiftState.QUEUED)
    assert asha.id is not None
    csrf = await desk(client)
    await client.post(f"/gifts/{asha.id}", data={"csrf": csrf, "action": "approve", "who": "Lena"})
    return asha.id, csrf


async def claim_path(client: WebClient, gift_id: int, csrf: str) -> str:
    page = await client.post(f"/gifts/{gift_id}", data={"csrf": csrf, "action": "claim-link"})
    assert page.status == 200
    found = re.search(r'id="claim-link" readonly value="http://[^/]+(/claim/[\w-]+)"', await page.text())
    assert found, "no claim link on the page"
    return found.group(1)


async def test_a_thank_you_note_is_kept_per_gift_and_travels_in_the_batch(
    client: WebClient, service: RestockService, report: Report
) -> None:
    gift_id, csrf = await approved_asha(client, service, report)

    saved = await client.post(
        f"/gifts/{gift_id}", data={"csrf": csrf, "action": "thank-you", "thank_you": "Asha, thank you! =)"}
    )

    assert saved.status == 200 and f"Gift #{gift_id}: thank-you note saved." in await saved.text()
    assert "Asha, thank you! =)" in await saved.text()
    gifts = (await (await client.get("/api/gifts", headers=MARKETING)).json())["gifts"]
    assert [g["thank_you_note"] for g in gifts if g["id"] == gift_id] == ["Asha, thank you! =)"]


async def test_marketing_holds_a_gift_with_a_reason(client: WebClient, service: RestockService, report: Report) -> None:
    await restocked_gifts(service, report)
    [asha] = await service.gift_queue(GiftState.QUEUED)
    csrf = await desk(client)

    no_reason = await client.post(f"/gifts/{asha.id}", data={"csrf": csrf, "action": "hold", "who": "Lena"})
    assert no_reason.status == 400 and "note: say why the gift is held" in await no_reason.text()
    held = await client.post(
        f"/gifts/{asha.id}", data={"csrf": csrf, "action": "hold", "who": "Lena", "note": "same photo twice?"}
    )

    assert held.status == 200 and f"Gift #{asha.id} held." in await held.text()
    assert "Held: same photo twice?" in await held.text()
    [gift] = [g for g in await service.gift_queue(GiftState.HELD) if g.id == asha.id]
    assert (gift.decided_by, gift.note) == ("Lena", "same photo twice?")


async def test_the_reporter_gives_the_address_once_through_the_claim_link_and_only_marketing_sees_it(
    client: WebClient, service: RestockService, report: Report
) -> None:
    gift_id, csrf = await approved_asha(client, service, report)
    path = await claim_path(client, gift_id, csrf)
    client.session.cookie_jar.clear()  # the reporter has no marketing sign-in

    form = await client.get(path)
    assert form.status == 200 and "Munchu MUN-50 missing at Sharma Kirana, Kothrud, Pune" in await form.text()
    assert form.headers["Cache-Control"] == "no-store"
    missing = await client.post(path, data={**ADDRESS, "postcode": ""})
    assert missing.status == 400 and "postcode: give the postcode" in await missing.text()
    given = await client.post(path, data=ADDRESS)
    assert given.status == 200 and "Thank you!" in await given.text() and "Paud Road" not in await given.text()
    again = await client.post(path, data=ADDRESS)
    assert again.status == 410 and "already used" in await again.text()
    assert (await client.get("/claim/not-a-real-link")).status == 404

    assert "Paud Road" not in await (await client.get("/gifts/approved.csv")).text()  # 401 without marketing
    assert "Paud Road" not in await (await client.get(f"/api/gifts/{gift_id}/approve")).text()
    api = (await (await client.get("/api/gifts", headers=MARKETING)).json())["gifts"]
    assert "Paud Road" not in str(api) and [g["address_received"] for g in api if g["id"] == gift_id] == [True]
    await desk(client)
    assert "4 Paud Road, Kothrud" in await (await client.get("/gifts", params={"state": "approved"})).text()


async def test_a_claim_link_is_only_for_an_approved_gift_and_expires(
    client: WebClient, service: RestockService, report: Report, clock: FixedClock
) -> None:
    await restocked_gifts(service, report)
    [ravi] = await service.gift_queue(GiftState.HELD)
    csrf = await desk(client)
    refused = await client.post(f"/gifts/{ravi.id}", data={"csrf": csrf, "action": "claim-link"})
    assert refused.status == 409 and "ask for an address once it is approved" in await refused.text()

    [asha] = await service.gift_queue(GiftState.QUEUED)
    assert asha.id is not None
    await service.approve_gift(asha.id, "Lena")
    path = await claim_path(client, asha.id, csrf)
    clock.advance(timedelta(days=15))
    expired = await client.get(path)
    assert expired.status == 410 and "expired" in await expired.text()


async def test_shipping_needs_a_tracking_reference_and_the_address_is_deleted_n_days_later(
    client: WebClient, service: RestockService, report: Report, clock: FixedClock
) -> None:
    gift_id, csrf = await approved_asha(client, service, report)
    path = await claim_path(client, gift_id, csrf)
    await client.post(path, data=ADDRESS)
    batch = list(csv.DictReader(io.StringIO(await (await client.get("/gifts/approved.csv")).text())))
    assert [(r["gift_id"], r["ship_to"], r["postcode"]) for r in batch] == [(str(gift_id), "Asha Kulkarni", "411038")]

    no_tracking = await client.post(f"/gifts/{gift_id}", data={"csrf": csrf, "action": "shipped", "who": "Lena"})
    assert no_tracking.status == 400 and "tracking: give the parcel" in await no_tracking.text()
    shipped = await client.post(
        f"/gifts/{gift_id}", data={"csrf": csrf, "action": "shipped", "who": "Lena", "tracking": "DTDC-42"}
    )
    assert shipped.status == 200 and "DTDC-42" in await (await client.get("/gifts?state=shipped")).text()
    assert (await client.get(path)).status == 410  # the link closes once the gift ships

    clock.advance(timedelta(days=29))
    await tidy_up(client.app)
    desk_page = await (await client.get("/gifts?state=shipped")).text()
    assert "address deleted on 2025-04-02" in desk_page
    clock.advance(timedelta(days=2))
    await tidy_up(client.app)
    [shipping] = (await shipping_of(service.database, [gift_id], service.clock.now())).values()
    assert (shipping.ship_to, shipping.address, shipping.postcode, shipping.phone) == ("", "", "", "")
    assert shipping.address_deleted_at is not None and shipping.tracking == "DTDC-42"


async def test_gift_desk_shows_each_reporters_history_and_signals_and_the_leaderboard(
    client: WebClient, service: RestockService, report: Report
) -> None:
    await restocked_gifts(service, report)
    await desk(client)

    page = await (await client.get("/gifts")).text()
    assert "1 report(s) marked not a stock-out" in page and "Confirmed restocks" in page
    reporters = await (await client.get("/reporters.json")).json()
    ravi = next(r for r in reporters["reporters"] if r["reporter"] == "x:ravi")
    assert (ravi["restocks"], ravi["not_a_stockout"], ravi["towns"]) == (1, 1, ["Pune"])
    # his two reports read the same ("no Munchu at the store (p2)", "(p3)"): near-identical
    assert [s["kind"] for s in ravi["signals"]] == ["not_a_stockout", "near_identical", "held"]
    assert reporters["leaderboard"] == ["x:asha"]  # Ravi had a report refused
    assert "x:asha" in await (await client.get("/reporters")).text()
