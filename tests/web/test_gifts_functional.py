"""Marketing's gift desk: the queue with the abuse guard's holds, approve / reject / shipped, CSV export,
reporters; over a real server on 127.0.0.1."""

from __future__ import annotations

import csv
import io

from restock_bot.gifts import GiftState
from restock_bot.restock import RestockService
from tests.web.conftest import MARKETING_TOKEN, NORTH_TOKEN, Report, WebClient, bearer, form_token_of

MARKETING = bearer(MARKETING_TOKEN)


async def restocked_gifts(service: RestockService, report: Report) -> None:
    """Asha's Kothrud report is restocked (gift queued); Ravi's Baner report is restocked after his
    Kothrud-South report was called not a stock-out (gift held by the abuse guard)."""
    kothrud = await report("p1", author="asha", store_id="S1")
    refused = await report("p2", author="ravi", store_id="S1", sku="MUN-100")
    baner = await report("p3", author="ravi", store_id="S2")
    await service.mark_not_a_stockout(refused, "north-desk", "shelf was full")
    await service.mark_restocked(kothrud, "north-desk")
    await service.mark_restocked(baner, "north-desk")


async def log_in(client: WebClient) -> str:
    response = await client.get("/gifts", params={"token": MARKETING_TOKEN})
    assert response.status == 200 and str(response.url).endswith("/gifts")
    return await form_token_of(response)


async def test_desk_lists_gifts_with_reporter_reason_and_hold_reasons(
    client: WebClient, service: RestockService, report: Report
) -> None:
    await restocked_gifts(service, report)

    gifts = (await (await client.get("/gifts.json", headers=MARKETING)).json())["gifts"]
    assert [(g["reporter"], g["state"]) for g in gifts] == [("x:asha", "queued"), ("x:ravi", "held")]
    assert gifts[0]["held_because"] is None
    assert gifts[1]["held_because"] == "1 report(s) marked not a stock-out"

    await log_in(client)
    page = await (await client.get("/gifts", params={"state": "held"})).text()
    assert "Held: 1 report(s) marked not a stock-out" in page and "x:asha" not in page


async def test_marketing_approves_then_ships_a_gift_from_the_desk(
    client: WebClient, service: RestockService, report: Report
) -> None:
    await restocked_gifts(service, report)
    [asha] = await service.gift_queue(GiftState.QUEUED)
    csrf = await log_in(client)

    approved = await client.post(
        f"/gifts/{asha.id}", data={"csrf": csrf, "action": "approve", "who": "Lena", "note": "", "state": ""}
    )
    assert approved.status == 200 and f"Gift #{asha.id} approved." in await approved.text()
    shipped = await client.post(
        f"/gifts/{asha.id}",
        data={"csrf": csrf, "action": "shipped", "who": "Lena", "tracking": "DTDC-123", "state": "approved"},
    )
    assert f"Gift #{asha.id} marked shipped." in await shipped.text()
    assert str(shipped.url).endswith("state=approved&done=shipped&gift=1")

    [gift] = await service.gift_queue(GiftState.SHIPPED)
    assert gift.decided_by == "Lena" and gift.shipped_at is not None


async def test_a_rejection_needs_a_note(client: WebClient, service: RestockService, report: Report) -> None:
    await restocked_gifts(service, report)
    [ravi] = await service.gift_queue(GiftState.HELD)
    csrf = await log_in(client)

    no_note = await client.post(f"/gifts/{ravi.id}", data={"csrf": csrf, "action": "reject", "who": "Lena"})
    assert no_note.status == 400 and "note: say why the gift is rejected" in await no_note.text()
    api = await client.post(f"/api/gifts/{ravi.id}/reject", json={"who": "Lena"}, headers=MARKETING)
    assert api.status == 400 and (await api.json())["field"] == "note"

    rejected = await client.post(
        f"/api/gifts/{ravi.id}/reject", json={"who": "Lena", "note": "reports look staged"}, headers=MARKETING
    )
    assert (await rejected.json())["gift"]["state"] == "rejected"
    assert (await rejected.json())["gift"]["note"] == "reports look staged"


async def test_a_gift_cannot_ship_before_approval_409_and_unknown_gift_404(
    client: WebClient, service: RestockService, report: Report
) -> None:
    await restocked_gifts(service, report)
    [asha] = await service.gift_queue(GiftState.QUEUED)

    early = await client.post(
        f"/api/gifts/{asha.id}/shipped", json={"who": "Lena", "tracking": "DTDC-1"}, headers=MARKETING
    )
    missing = await client.post("/api/gifts/404/approve", json={"who": "Lena"}, headers=MARKETING)

    assert early.status == 409 and "cannot mark shipped" in (await early.json())["error"]
    assert missing.status == 404 and (await missing.json())["error"] == "gift #404 not found"


async def test_gift_csv_export_follows_the_state_filter(
    client: WebClient, service: RestockService, report: Report
) -> None:
    await restocked_gifts(service, report)

    response = await client.get("/gifts.csv", params={"state": "held"}, headers=MARKETING)

    assert response.status == 200 and response.content_type == "text/csv"
    assert 'filename="gifts-held.csv"' in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(await response.text())))
    assert [(r["reporter"], r["state"], r["reason"]) for r in rows] == [
        ("x:ravi", "held", "1 report(s) marked not a stock-out")
    ]
    everything = await client.get("/gifts.csv", headers=MARKETING)
    assert len(list(csv.DictReader(io.StringIO(await everything.text())))) == 2


async def test_an_unknown_state_filter_is_400_naming_state(client: WebClient) -> None:
    response = await client.get("/api/gifts", params={"state": "lost"}, headers=MARKETING)
    assert response.status == 400 and (await response.json())["field"] == "state"
    assert (await client.get("/gifts.csv", params={"state": "lost"}, headers=MARKETING)).status == 400


async def test_reporters_list_counts_reports_restocks_and_gifts(
    client: WebClient, service: RestockService, report: Report
) -> None:
    await restocked_gifts(service, report)

    reporters = (await (await client.get("/api/reporters", headers=MARKETING)).json())["reporters"]

    assert [(r["reporter"], r["reports"], r["restocked"], r["gifts"]) for r in reporters] == [
        ("x:ravi", 2, 1, 1),
        ("x:asha", 1, 1, 1),
    ]
    await log_in(client)
    assert "x:ravi" in await (await client.get("/reporters")).text()


async def test_gift_desk_needs_the_marketing_token(client: WebClient) -> None:
    assert (await client.get("/gifts")).status == 401
    assert (await client.get("/gifts.csv", headers=bearer(NORTH_TOKEN))).status == 403
    assert (await client.get("/reporters", params={"token": "guess"})).status == 403
    assert (await client.post("/api/gifts/1/approve", json={"who": "x"})).status == 401
