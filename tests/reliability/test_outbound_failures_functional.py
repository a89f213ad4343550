"""Every way out down at once (the distributors' webhook answers 500, the SMTP port has no server, X answers 503
to every reply, the webhook sender's reply callback answers 500) while reports keep arriving.

Ingestion goes on (every report is triaged and ticketed), every delivery is tried again and ends as a dead letter
that operators see in `restock-bot outbox list` and GET /api/operations/dead-letters, and once the receivers are
back `restock-bot outbox retry` (or the API) gets each message through exactly once."""

from __future__ import annotations

import asyncio
import json
import sys
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiosmtpd.smtp import SMTP, Envelope, Session

from restock_bot.app import RestockBot
from restock_bot.channels.x import XApi, XReplies
from restock_bot.config import DistributorSettings, EmailSettings, OutboxSettings, Settings, XSettings
from restock_bot.notify.distributor import EVENT_ID_HEADER, DistributorWebhooks
from restock_bot.post import post_from_dict
from restock_bot.retry import RetryPolicy
from tests.fakes.x_api import FakeXApi
from tests.helpers import clean_env
from tests.reliability.private_postgres import free_port
from tests.reliability.running_bot import SECRET, ReportSender, report, settled, write_config

OPERATIONS_TOKEN = "operations-token"
MAX_ATTEMPTS = 3  # outbox attempts before a dead letter
X_TRIES = 2  # create-tweet requests per outbox attempt (XApi's own retry)
WEBHOOK_REPORTS, X_REPORTS = 16, 4  # the webhook reports open 16 tickets (16 store and product pairs)


@dataclass
class Receiver:
    """An HTTP endpoint that answers 500 while `down`, else 200; keeps the event ids (or bodies) it accepted."""

    down: bool = True
    failed: int = 0
    accepted: Counter[str] = field(default_factory=Counter)
    url: str = ""

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        if self.down:
            self.failed += 1
            return web.json_response({"error": "down for maintenance"}, status=500)
        key = request.headers.get(EVENT_ID_HEADER) or json.loads(body)["in_reply_to"]
        self.accepted[key] += 1
        return web.json_response({"id": f"reply-{sum(self.accepted.values())}"})


@dataclass
class MailBox:
    """What the SMTP server, once started, accepts: the X-Restock-Notification key of each message."""

    keys: Counter[str] = field(default_factory=Counter)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:  # noqa: N802
        content = envelope.content if isinstance(envelope.content, bytes) else b""
        for line in content.decode(errors="replace").splitlines():
            if line.lower().startswith("x-restock-notification:"):
                self.keys[line.split(":", 1)[1].strip()] += 1
        return "250 OK"


async def serve(receiver: Receiver, aiohttp_server: Any, path: str) -> None:
    app = web.Application()
    app.router.add_post(path, receiver.handle)
    server = await aiohttp_server(app, host="127.0.0.1")
    receiver.url = str(server.make_url(path))


@pytest.fixture
async def fake_x() -> AsyncIterator[FakeXApi]:
    async with FakeXApi() as fake:
        fake.fail_next(503, times=X_REPORTS * MAX_ATTEMPTS * X_TRIES, path="/2/tweets")
        yield fake


async def cli(config: Path, *args: str) -> tuple[int, str]:
    """`restock-bot …` as an operator runs it (without blocking the bot running in this loop)."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "restock_bot.cli", *args, "--config", str(config),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT, env=clean_env(),
    )  # fmt: skip
    output, _ = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode is not None
    return process.returncode, output.decode()


async def test_deliveries_to_receivers_that_are_all_down_end_as_dead_letters_and_are_redelivered_once(
    tmp_path: Path, aiohttp_server: Any, fake_x: FakeXApi
) -> None:
    distributors, replies = Receiver(), Receiver()
    await serve(distributors, aiohttp_server, "/restock-events")
    await serve(replies, aiohttp_server, "/replies")
    smtp_port = free_port()  # nothing listens here until the mail server comes back
    database_url = f"sqlite+aiosqlite:///{tmp_path / 'restock.db'}"
    contacts = {"DST-MUM-E": "orders@east.example", "DST-MUM-W": "orders@west.example"}
    settings = Settings(
        database_url=database_url,
        host="127.0.0.1",
        port=0,
        webhook_secret=SECRET,
        webhook_rate_per_minute=100000.0,
        webhook_reply_url=replies.url,
        inbox_seconds=0.1,
        delivery_seconds=0.1,
        distributors={
            d: DistributorSettings(name=d, webhook_url=distributors.url, email=email) for d, email in contacts.items()
        },
        email=EmailSettings(host="127.0.0.1", port=smtp_port, tls="none", timeout_seconds=2),
        outbox=OutboxSettings(first_delay_seconds=0.2, max_delay_seconds=0.5, max_attempts=MAX_ATTEMPTS),
        operations_token=OPERATIONS_TOKEN,
    )
    config = write_config(tmp_path / "operator.toml", database_url)
    x_settings = XSettings(
        consumer_key="ck", consumer_secret="cs", access_token="at", access_token_secret="ats", api_base=fake_x.base_url
    )
    quick = RetryPolicy(attempts=X_TRIES, base_delay=0.05, max_delay=0.1)
    operator = {"Authorization": f"Bearer {OPERATIONS_TOKEN}"}

    async with aiohttp.ClientSession() as http:
        notifier = DistributorWebhooks(settings.distributors, http, retry=quick)
        x_replies = XReplies(XApi(x_settings, http, retry=quick))
        async with RestockBot(settings, notifier=notifier, senders=[x_replies]) as bot:
            assert bot.url is not None
            sender = ReportSender(bot.url, http)
            await asyncio.gather(*(sender.send([report(n)]) for n in range(WEBHOOK_REPORTS // 2)))
            for n in range(X_REPORTS):  # as the X channel hands its posts over
                await bot.inbox.accept(post_from_dict(report(n, prefix="x"), "x"))
            while True:  # deliveries are failing ...
                if distributors.failed:
                    break
                await asyncio.sleep(0.05)
            await asyncio.gather(*(sender.send([report(n)]) for n in range(WEBHOOK_REPORTS // 2, WEBHOOK_REPORTS)))

            dead = await settled(database_url, "failed")  # ... and end as dead letters
            inbox = await bot.service.inbox_counts()
            tickets = len(await bot.service.distributor_queue("DST-MUM-E")) + len(
                await bot.service.distributor_queue("DST-MUM-W")
            )
            code, listed = await cli(config, "outbox", "list", "--json")
            async with http.get(f"{bot.url}/api/operations/dead-letters", headers=operator) as answer:
                assert answer.status == 200
                letters = (await answer.json())["dead_letters"]
            create_requests = len([r for r in fake_x.seen("/2/tweets") if r.method == "POST"])

            distributors.down = replies.down = False  # the receivers come back
            mail = MailBox()
            smtp = await asyncio.get_running_loop().create_server(
                lambda: SMTP(mail, hostname="mail.test"), "127.0.0.1", smtp_port
            )
            try:
                first = letters[0]
                async with http.post(f"{bot.url}{first['retry']}", headers=operator) as answer:
                    assert answer.status == 200
                retry_code, retried = await cli(config, "outbox", "retry", "--all")
                delivered = await settled(database_url, "done")
                async with http.get(f"{bot.url}/api/operations/dead-letters", headers=operator) as answer:
                    left = (await answer.json())["dead_letters"]
            finally:
                smtp.close()
                await smtp.wait_closed()

    # ingestion went on while nothing could get out
    assert inbox == {"pending": 0, "claimed": 0, "done": WEBHOOK_REPORTS + X_REPORTS, "failed": 0}
    assert tickets == 16
    # every delivery was tried MAX_ATTEMPTS times, then kept as a dead letter naming why
    notifications = 16 * 2  # each opened ticket: the distributor's webhook and an email to its contact
    assert dead == {"notifications": {"failed": notifications}, "replies": {"failed": WEBHOOK_REPORTS + X_REPORTS}}
    assert len(letters) == notifications + WEBHOOK_REPORTS + X_REPORTS
    assert {letter["attempts"] for letter in letters} == {MAX_ATTEMPTS}
    assert all(letter["error"] for letter in letters)
    by_channel = Counter(letter["channel"] for letter in letters)
    assert by_channel == {"webhook": 16 + WEBHOOK_REPORTS, "email": 16, "x": X_REPORTS}
    assert distributors.failed == 16 * MAX_ATTEMPTS * 2  # two tries per attempt (the notifier's own retry)
    assert create_requests == X_REPORTS * MAX_ATTEMPTS * X_TRIES
    listed_letters = [json.loads(line) for line in listed.splitlines() if line.startswith('{"letter"')]
    assert code == 0 and len(listed_letters) == len(letters)
    assert {line["letter"] for line in listed_letters} == {f"{letter['outbox']}/{letter['id']}" for letter in letters}
    # once back, `outbox retry` gets each one through exactly once
    assert retry_code == 0, retried
    assert f"{len(letters) - 1} letter(s) back in the outbox" in retried
    assert delivered == {"notifications": {"done": notifications}, "replies": {"done": WEBHOOK_REPORTS + X_REPORTS}}
    assert left == []
    assert len(distributors.accepted) == 16 and set(distributors.accepted.values()) == {1}
    assert len(mail.keys) == 16 and set(mail.keys.values()) == {1}
    assert sorted(replies.accepted) == sorted(f"r-{n}" for n in range(WEBHOOK_REPORTS))
    assert set(replies.accepted.values()) == {1}
    x_posted = [p["reply"]["in_reply_to_tweet_id"] for p in fake_x.posted]
    assert sorted(x_posted) == sorted(f"x-{n}" for n in range(X_REPORTS))
    print(
        f"\nAll three ways out down: {WEBHOOK_REPORTS + X_REPORTS} reports ingested, {tickets} tickets opened; "
        f"{len(letters)} dead letters ({dict(by_channel)}) after {MAX_ATTEMPTS} attempts each; "
        f"{len(letters)} redelivered once after `outbox retry`, 0 lost, 0 twice"
    )
