"""Distributor webhooks: signed POSTs to a loopback receiver, retried only when it may still get through."""

from __future__ import annotations

import json
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from restock_bot.clock import FixedClock
from restock_bot.config import DistributorSettings
from restock_bot.notify.distributor import (
    EVENT_ID_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    DistributorWebhooks,
    verify_signature,
)
from restock_bot.retry import RetryPolicy
from restock_bot.signing import sign_body
from tests.fakes.memory import RecordedSleeps

SECRET = "distributor-secret"
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
EVENT = {
    "event_id": "T-17:opened",
    "event": "opened",
    "at": datetime(2026, 3, 2, 9, 0, tzinfo=UTC),
    "ticket": {"id": "T-17", "store_id": "MUM-0042", "sku": "HPO-MASALA-25", "distributor_id": "mum-north"},
}


@dataclass
class Delivery:
    headers: dict[str, str]
    body: bytes

    @property
    def signed(self) -> bool:
        return verify_signature(SECRET, self.body, self.headers.get(SIGNATURE_HEADER))


@dataclass
class Receiver:
    """A distributor's webhook on loopback: answers the scripted statuses in turn, then 200."""

    url: str = ""
    answers: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    deliveries: list[Delivery] = field(default_factory=list)

    async def handle(self, request: web.Request) -> web.Response:
        self.deliveries.append(Delivery(dict(request.headers), await request.read()))
        status, headers = self.answers.pop(0) if self.answers else (200, {})
        return web.json_response({"status": status}, status=status, headers=headers)


@pytest.fixture
async def receiver(aiohttp_server) -> Receiver:
    receiver = Receiver()
    app = web.Application()
    app.router.add_post("/restock-events", receiver.handle)
    server = await aiohttp_server(app)
    receiver.url = str(server.make_url("/restock-events"))
    return receiver


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


def webhooks(
    url: str, http: aiohttp.ClientSession, sleeps: RecordedSleeps, attempts: int = 4
) -> DistributorWebhooks:
    distributors = {
        "mum-north": DistributorSettings(name="Mumbai North", webhook_url=url, webhook_secret=SECRET)
    }
    policy = RetryPolicy(attempts=attempts, base_delay=0.5, max_delay=10.0)
    return DistributorWebhooks(distributors, http, retry=policy, sleep=sleeps, clock=FixedClock(NOW))


async def test_the_event_arrives_signed_with_its_id_and_time(receiver: Receiver, http) -> None:
    sleeps = RecordedSleeps()

    delivered = await webhooks(receiver.url, http, sleeps).notify("mum-north", EVENT)

    assert delivered is True
    [delivery] = receiver.deliveries
    assert delivery.signed
    assert delivery.headers[EVENT_ID_HEADER] == "T-17:opened"
    assert delivery.headers[TIMESTAMP_HEADER] == str(int(NOW.timestamp()))
    assert delivery.headers["Content-Type"] == "application/json"
    assert json.loads(delivery.body) == {**EVENT, "at": "2026-03-02T09:00:00+00:00"}
    assert sleeps.waits == []


async def test_two_failures_then_delivered(receiver: Receiver, http) -> None:
    receiver.answers = [(503, {}), (502, {})]
    sleeps = RecordedSleeps()

    delivered = await webhooks(receiver.url, http, sleeps).notify("mum-north", EVENT)

    assert delivered is True
    assert len(receiver.deliveries) == 3
    assert all(d.signed for d in receiver.deliveries)
    assert {d.headers[EVENT_ID_HEADER] for d in receiver.deliveries} == {"T-17:opened"}
    assert len({d.body for d in receiver.deliveries}) == 1
    assert sleeps.waits == [0.5, 1.0]


async def test_a_rejected_event_is_not_retried(receiver: Receiver, http) -> None:
    receiver.answers = [(400, {})]
    sleeps = RecordedSleeps()

    delivered = await webhooks(receiver.url, http, sleeps).notify("mum-north", EVENT)

    assert delivered is False
    assert len(receiver.deliveries) == 1
    assert sleeps.waits == []


async def test_too_many_requests_waits_as_long_as_asked(receiver: Receiver, http) -> None:
    receiver.answers = [(429, {"Retry-After": "7"})]
    sleeps = RecordedSleeps()

    assert await webhooks(receiver.url, http, sleeps).notify("mum-north", EVENT) is True
    assert sleeps.waits == [7.0]


async def test_gives_up_when_every_attempt_fails(receiver: Receiver, http) -> None:
    receiver.answers = [(503, {})] * 3
    sleeps = RecordedSleeps()

    delivered = await webhooks(receiver.url, http, sleeps, attempts=3).notify("mum-north", EVENT)

    assert delivered is False
    assert len(receiver.deliveries) == 3
    assert sleeps.waits == [0.5, 1.0]


async def test_an_unreachable_distributor_is_retried_then_reported(http) -> None:
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    sleeps = RecordedSleeps()

    delivered = await webhooks(f"http://127.0.0.1:{port}/hook", http, sleeps, attempts=2).notify(
        "mum-north", EVENT
    )

    assert delivered is False
    assert sleeps.waits == [0.5]


async def test_a_distributor_without_a_webhook_is_not_notified(http) -> None:
    sleeps = RecordedSleeps()
    notifier = DistributorWebhooks({"quiet": DistributorSettings(name="Quiet")}, http, sleep=sleeps)

    assert await notifier.notify("quiet", EVENT) is False
    assert await notifier.notify("unknown", EVENT) is False


async def test_an_event_without_an_id_gets_the_same_id_every_time(receiver: Receiver, http) -> None:
    sleeps = RecordedSleeps()
    event: dict[str, Any] = {"event": "warned", "ticket": {"id": "T-18"}}
    notifier = webhooks(receiver.url, http, sleeps)

    await notifier.notify("mum-north", event)
    await notifier.notify("mum-north", dict(reversed(event.items())))

    first, second = (d.headers[EVENT_ID_HEADER] for d in receiver.deliveries)
    assert first == second and len(first) == 32


def test_a_tampered_body_fails_verification() -> None:
    body = b'{"event": "opened"}'
    signature = sign_body(SECRET, body)

    assert verify_signature(SECRET, body, signature)
    assert not verify_signature(SECRET, body.replace(b"opened", b"closed"), signature)
    assert not verify_signature("other-secret", body, signature)
    assert not verify_signature(SECRET, body, None)
