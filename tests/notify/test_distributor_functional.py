"""Distributor webhooks: signed POSTs to a loopback receiver, retried only when it may still get through."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from sqlmodel import select

from restock_bot.clock import FixedClock
from restock_bot.config import DistributorSettings, Settings
from restock_bot.notify.distributor import (
    EVENT_ID_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    DistributorWebhooks,
    WebhookFailed,
    verify_signature,
)
from restock_bot.restock import RestockService
from restock_bot.retry import RetryPolicy
from restock_bot.signing import sign_body
from restock_bot.storage import Database
from restock_bot.storage.tables import NotificationRow
from tests.fakes.memory import RecordedSleeps
from tests.fakes.restock import START, STORES, ScriptedTriage, post, ticket_decision

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


def webhooks(url: str, http: aiohttp.ClientSession, sleeps: RecordedSleeps, attempts: int = 4) -> DistributorWebhooks:
    distributors = {"mum-north": DistributorSettings(name="Mumbai North", webhook_url=url, webhook_secret=SECRET)}
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

    with pytest.raises(WebhookFailed, match=r"answered 400 Bad Request \(attempt 1\)"):
        await webhooks(receiver.url, http, sleeps).notify("mum-north", EVENT)

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

    with pytest.raises(WebhookFailed, match=r"answered 503 .*\(attempt 3\)"):
        await webhooks(receiver.url, http, sleeps, attempts=3).notify("mum-north", EVENT)

    assert len(receiver.deliveries) == 3
    assert sleeps.waits == [0.5, 1.0]


async def test_an_unreachable_distributor_is_retried_then_reported(http) -> None:
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    sleeps = RecordedSleeps()

    with pytest.raises(WebhookFailed, match="ClientConnectorError"):
        await webhooks(f"http://127.0.0.1:{port}/hook", http, sleeps, attempts=2).notify("mum-north", EVENT)

    assert sleeps.waits == [0.5]


async def test_a_distributor_without_a_webhook_is_not_notified(http) -> None:
    sleeps = RecordedSleeps()
    notifier = DistributorWebhooks({"quiet": DistributorSettings(name="Quiet")}, http, sleep=sleeps)

    with pytest.raises(WebhookFailed, match=r"distributors\.quiet\.webhook_url is not set"):
        await notifier.notify("quiet", EVENT)
    with pytest.raises(WebhookFailed, match="unknown"):
        await notifier.notify("unknown", EVENT)


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


@dataclass
class FlakyReceiver:
    """A distributor's webhook as a raw HTTP server on loopback, playing a script per request: "drop"
    closes the connection unanswered, "hang" never answers, a number answers with that status."""

    script: list[str | int]
    port: int = 0
    requests: list[tuple[dict[str, str], bytes]] = field(default_factory=list)

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
        headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in head[1:] if line)}
        body = await reader.readexactly(int(headers.get("content-length", "0")))
        self.requests.append((headers, body))
        step = self.script.pop(0) if self.script else 200
        if step == "hang":
            await reader.read()  # until the client gives up and closes
        elif step != "drop":
            writer.write(f"HTTP/1.1 {step} Scripted\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".encode())
            await writer.drain()
        writer.close()


@pytest.fixture
async def flaky() -> AsyncIterator[FlakyReceiver]:
    receiver = FlakyReceiver(script=["drop", "hang", 500])
    server = await asyncio.start_server(receiver.handle, "127.0.0.1", 0)
    receiver.port = server.sockets[0].getsockname()[1]
    yield receiver
    server.close()


def flaky_webhooks(
    receiver: FlakyReceiver, http: aiohttp.ClientSession, sleeps: RecordedSleeps, attempts: int
) -> DistributorWebhooks:
    url = f"http://127.0.0.1:{receiver.port}/restock-events"
    distributors = {"mum-north": DistributorSettings(webhook_url=url, webhook_secret=SECRET)}
    return DistributorWebhooks(
        distributors,
        http,
        retry=RetryPolicy(attempts=attempts, base_delay=0.5, max_delay=10.0),
        sleep=sleeps,
        clock=FixedClock(NOW),
        timeout_seconds=0.3,
    )


async def test_dropped_timed_out_and_500_attempts_are_retried_until_accepted(flaky: FlakyReceiver, http) -> None:
    sleeps = RecordedSleeps()

    assert await flaky_webhooks(flaky, http, sleeps, attempts=5).notify("mum-north", EVENT) is True

    assert len(flaky.requests) == 4
    assert sleeps.waits == [0.5, 1.0, 2.0]
    assert [h["x-restock-attempt"] for h, _ in flaky.requests] == ["1", "2", "3", "4"]
    assert {h[EVENT_ID_HEADER.lower()] for h, _ in flaky.requests} == {"T-17:opened"}
    assert all(verify_signature(SECRET, body, h[SIGNATURE_HEADER.lower()]) for h, body in flaky.requests)
    assert len({body for _, body in flaky.requests}) == 1


async def test_the_outbox_retries_across_rounds_and_keeps_the_last_failure(
    flaky: FlakyReceiver, http, tmp_path
) -> None:
    """Each outbox round makes one attempt here: drop, time-out and 500 each leave the notification
    pending with the reason, the fourth round delivers it."""
    clock, triage = FixedClock(START), ScriptedTriage()
    url = f"http://127.0.0.1:{flaky.port}/restock-events"
    settings = Settings(distributors={"dist-north": DistributorSettings(webhook_url=url, webhook_secret=SECRET)})
    notifier = DistributorWebhooks(
        settings.distributors, http, retry=RetryPolicy(attempts=1), clock=clock, timeout_seconds=0.3
    )
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'restock.db'}")
    await database.create_schema()
    service = RestockService(database, triage, stores=STORES, clock=clock, settings=settings, notifier=notifier)
    triage.will(ticket_decision("p1"))
    await service.accept(post("p1"))
    await service.process_pending()
    errors = []
    for _ in range(3):
        assert (await service.deliver_outboxes()).notifications == 0
        async with database.session() as session:
            [row] = (await session.exec(select(NotificationRow))).all()
        errors.append(row.error or "")
        clock.advance(timedelta(hours=1))
    assert "ServerDisconnectedError" in errors[0]
    assert "TimeoutError" in errors[1]
    assert "answered 500 Scripted" in errors[2] and "ticket #1 webhook to dist-north" in errors[2]
    assert (await service.deliver_outboxes()).notifications == 1
    [(headers, body)] = flaky.requests[-1:]
    assert json.loads(body)["event"] == "opened" and verify_signature(SECRET, body, headers["x-restock-signature"])
    assert await service.dead_letters() == []
    await service.close()
