"""Cannot supply and new dates through the JSON API, signed action links from notifications, and the
operators' dead letters, on a real server at 127.0.0.1."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from restock_bot.clock import FixedClock
from restock_bot.config import Settings
from restock_bot.restock import RestockService
from restock_bot.storage import RetryPolicy
from restock_bot.tickets.links import ActionLink, sign_link
from tests.fakes.restock import START, FakeDistributor
from tests.web.conftest import NORTH_TOKEN, SOUTH_TOKEN, Report, WebClient, bearer, north_and_south

OPS_TOKEN = "brand-operations-token"
LINK_SECRET = "link-secret"
NORTH, SOUTH, OPS = bearer(NORTH_TOKEN), bearer(SOUTH_TOKEN), bearer(OPS_TOKEN)


@pytest.fixture
def settings() -> Settings:
    return Settings(
        distributors=north_and_south(),
        operations_token=OPS_TOKEN,
        action_links={"secret": LINK_SECRET},
        public_url="https://bot.example",
    )


def cannot_supply_path(ticket: int, distributor: str = "dist-north") -> str:
    return f"/api/distributors/{distributor}/tickets/{ticket}/cannot-supply"


async def test_distributor_promises_a_date_and_operations_approve_it(
    client: WebClient, service: RestockService, report: Report
) -> None:
    ticket = await report("p1")
    body = {"who": "north-erp", "why": "depot flooded", "promised_date": "2025-03-08"}

    answer = await client.post(cannot_supply_path(ticket), json=body, headers=NORTH)

    assert answer.status == 200
    document = (await answer.json())["ticket"]
    assert (document["state"], document["promised_date"], document["promise_approved_by"]) == (
        "cannot_supply",
        "2025-03-08T23:59:59+00:00",
        None,
    )
    assert document["deadline"] == (START + timedelta(hours=48)).isoformat()  # not moved yet

    approve = f"/api/operations/tickets/{ticket}/approve-new-date"
    approved = await client.post(approve, json={"who": "Meera (brand ops)", "why": "flood"}, headers=OPS)
    assert approved.status == 200
    assert (await approved.json())["ticket"]["deadline"] == "2025-03-08T23:59:59+00:00"
    again = await client.post(approve, json={"who": "Meera (brand ops)"}, headers=OPS)
    assert again.status == 409 and "no new date waiting" in (await again.json())["error"]


async def test_cannot_supply_answers_name_the_field_at_fault(client: WebClient, report: Report) -> None:
    ticket = await report("p1")
    cases = [
        ({"who": "x", "promised_date": "2025-03-08"}, 400, "why"),
        ({"who": "x", "why": "strike"}, 400, "promised_date"),
        ({"who": "x", "why": "strike", "promised_date": "next week"}, 400, "promised_date"),
        ({"who": "x", "why": "strike", "promised_date": "2025-03-01T10:00:00+05:30"}, 400, "promised_date"),
    ]
    for body, status, field in cases:
        answer = await client.post(cannot_supply_path(ticket), json=body, headers=NORTH)
        assert answer.status == status, body
        assert (await answer.json())["error"].startswith(f"{field}:"), body
    other = await client.post(
        cannot_supply_path(ticket, "dist-south"),
        json={"who": "x", "why": "y", "promised_date": "2025-03-08"},
        headers=SOUTH,
    )
    assert other.status == 404
    wrong_token = await client.post(
        cannot_supply_path(ticket), json={"who": "x", "why": "y", "promised_date": "2025-03-08"}, headers=SOUTH
    )
    assert wrong_token.status == 403


async def test_only_operations_approve_new_dates(client: WebClient, report: Report) -> None:
    ticket = await report("p1")
    answer = await client.post(
        f"/api/operations/tickets/{ticket}/approve-new-date", json={"who": "north"}, headers=NORTH
    )
    assert answer.status == 403


async def test_the_other_distributor_actions_still_work_beside_cannot_supply(client: WebClient, report: Report) -> None:
    ticket = await report("p1")
    answer = await client.post(
        f"/api/distributors/dist-north/tickets/{ticket}/acknowledge", json={"who": "north-erp"}, headers=NORTH
    )
    assert answer.status == 200


async def link_of(service: RestockService, action: str) -> str:
    """The signed link of `action` from the last distributor notification."""
    await service.deliver_outboxes()
    notifier = service.notifier
    assert isinstance(notifier, FakeDistributor)
    url = notifier.events[-1][1]["links"][action]
    return url.removeprefix("https://bot.example")


async def test_a_link_shows_a_confirmation_then_acts_once(
    client: WebClient, service: RestockService, report: Report
) -> None:
    ticket = await report("p1")
    path = await link_of(service, "restocked")

    page = await client.get(path)  # what a mail scanner sees: nothing changes
    assert page.status == 200
    text = await page.text()
    assert "Mark restocked: ticket #" in text and 'value="dist-north"' in text
    assert (await service.board_counts()).open == 1

    done = await client.post(path, data={"who": "Kiran", "why": "2 cartons"})
    assert done.status == 200 and "Done: mark restocked" in await done.text()
    assert (await service.board_counts()).restocked == 1
    history = await service.ticket_history(ticket)
    assert (history.events[-1].actor, history.events[-1].reason) == ("Kiran (link to dist-north)", "2 cartons")

    used = await client.get(path)
    assert used.status == 410 and "already used" in await used.text()
    twice = await client.post(path, data={"who": "Kiran"})
    assert twice.status == 410


async def test_a_machine_can_post_json_to_a_link(client: WebClient, service: RestockService, report: Report) -> None:
    await report("p1")
    path = await link_of(service, "cannot-supply")

    missing = await client.post(path, json={"who": "north-erp", "why": "strike"})
    assert missing.status == 400 and (await missing.json())["field"] == "promised_date"
    answer = await client.post(path, json={"who": "north-erp", "why": "strike", "promised_date": "2025-03-09"})
    assert answer.status == 200
    body = await answer.json()
    assert body["action"] == "cannot-supply" and body["ticket"]["state"] == "cannot_supply"


async def test_forged_and_expired_links_are_refused(
    client: WebClient, service: RestockService, report: Report, clock: FixedClock
) -> None:
    ticket = await report("p1")
    path = await link_of(service, "acknowledge")
    forged = re.sub(r"\.[^.]+$", ".AAAA", path)
    assert (await client.get(forged)).status == 403
    foreign = sign_link("not-our-secret", ActionLink(ticket, "dist-north", "restocked", "x", START + timedelta(1), "n"))
    assert (await client.post(f"/act/{foreign}", data={"who": "x"})).status == 403
    clock.advance(timedelta(hours=73))
    expired = await client.get(path)
    assert expired.status == 410 and "expired" in await expired.text()


async def test_a_cross_site_form_post_to_a_link_is_refused(
    client: WebClient, service: RestockService, report: Report
) -> None:
    await report("p1")
    path = await link_of(service, "acknowledge")
    answer = await client.post(path, data={"who": "x"}, headers={"Sec-Fetch-Site": "cross-site"})
    assert answer.status == 403
    assert (await service.board_counts()).acknowledged == 0


async def test_operators_see_dead_letters_and_retry_them(
    client: WebClient, service: RestockService, report: Report, clock: FixedClock
) -> None:
    notifier = service.notifier
    assert isinstance(notifier, FakeDistributor)
    service.retry = RetryPolicy(first_delay_seconds=1, max_delay_seconds=1, max_attempts=1)
    notifier.down = True
    ticket = await report("p1")
    await service.deliver_outboxes()

    assert (await client.get("/api/operations/dead-letters")).status == 401
    listed = await (await client.get("/api/operations/dead-letters", headers=OPS)).json()
    [letter] = listed["dead_letters"]
    assert (letter["outbox"], letter["channel"], letter["recipient"], letter["ticket_id"]) == (
        "notifications",
        "webhook",
        "dist-north",
        ticket,
    )
    assert "the notifier did not deliver it" in letter["error"] and letter["attempts"] == 1

    notifier.down = False
    retried = await client.post(letter["retry"], headers=OPS)
    assert retried.status == 200 and (await retried.json())["status"] == "pending"
    assert (await client.post(letter["retry"], headers=OPS)).status == 404
    assert (await client.post("/api/operations/dead-letters/letters/1/retry", headers=OPS)).status == 400
    assert (await service.deliver_outboxes()).notifications == 1
    assert (await (await client.get("/api/operations/dead-letters", headers=OPS)).json())["dead_letters"] == []


async def test_operators_see_a_distributors_record(client: WebClient, service: RestockService, report: Report) -> None:
    ticket = await report("p1")
    await service.mark_restocked(ticket, "north")
    await report("p2", author="ravi")  # within a week of the restock: reopened
    record = await (await client.get("/api/operations/distributors/dist-north", headers=OPS)).json()
    assert record == {
        "distributor_id": "dist-north",
        "active": 1,
        "past_deadline": 0,
        "restocked": 0,
        "not_a_stockout": 0,
        "reopens": 1,
    }
