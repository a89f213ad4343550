"""Email notifications through a real SMTP server (aiosmtpd) on loopback."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import timedelta
from email import message_from_bytes
from email.message import Message
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.smtp import SMTP, Envelope, Session

from restock_bot.clock import FixedClock
from restock_bot.config import EmailSettings, Settings
from restock_bot.notify.email import KEY_HEADER, SmtpMailer
from restock_bot.restock import RestockService
from restock_bot.storage import Database
from tests.fakes.restock import START, STORES, FakeDistributor, ScriptedTriage, post, ticket_decision


@dataclass
class MailServer:
    """An SMTP server on 127.0.0.1 that keeps what it accepts; `refusals` answers the next DATA with 451."""

    port: int = 0
    received: list[tuple[list[str], Message]] = field(default_factory=list)
    refusals: int = 0

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:  # noqa: N802
        if self.refusals:
            self.refusals -= 1
            return "451 4.3.0 mailbox busy, try again later"
        content = envelope.content if isinstance(envelope.content, bytes) else b""
        self.received.append((list(envelope.rcpt_tos), message_from_bytes(content)))
        return "250 OK"

    def to(self, address: str) -> list[Message]:
        return [m for rcpt, m in self.received if address in rcpt]


@pytest.fixture
async def mail_server() -> AsyncIterator[MailServer]:
    inbox = MailServer()
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: SMTP(inbox, hostname="mail.test"), "127.0.0.1", 0)
    inbox.port = server.sockets[0].getsockname()[1]
    yield inbox
    server.close()
    await server.wait_closed()


def email_settings(port: int) -> EmailSettings:
    return EmailSettings(host="127.0.0.1", port=port, from_address="bot@brand.example", timeout_seconds=5)


async def test_a_notification_arrives_as_plain_text_with_its_key(mail_server: MailServer) -> None:
    mailer = SmtpMailer(email_settings(mail_server.port))  # tls "auto": no STARTTLS offered, none used

    await mailer.send("desk@north.example", "Ticket #1 is nearly due", "12 h left at Sharma Kirana", key="event:4:x")

    [message] = mail_server.to("desk@north.example")
    assert message["Subject"] == "Ticket #1 is nearly due"
    assert message["From"] == "bot@brand.example" and message[KEY_HEADER] == "event:4:x"
    assert message["Message-ID"].endswith("@brand.example>")
    assert message.get_payload(decode=True).decode().strip() == "12 h left at Sharma Kirana"
    await mailer.send("desk@north.example", "again", "same key", key="event:4:x")
    assert len({m["Message-ID"] for m in mail_server.to("desk@north.example")}) == 1  # a resend is the same mail


async def test_a_refused_or_unreachable_server_raises_so_the_outbox_retries(mail_server: MailServer) -> None:
    mail_server.refusals = 1
    with pytest.raises(Exception, match="mailbox busy"):
        await SmtpMailer(email_settings(mail_server.port)).send("a@x.example", "s", "b", key="k")
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    with pytest.raises(Exception, match=r"(?i)connect"):
        await SmtpMailer(email_settings(port)).send("a@x.example", "s", "b", key="k")


def test_a_mailer_needs_a_server() -> None:
    with pytest.raises(ValueError, match="email.host"):
        SmtpMailer(EmailSettings())


async def test_the_ladder_is_emailed_through_smtp_and_a_busy_server_is_tried_again(
    tmp_path: Path, mail_server: MailServer
) -> None:
    settings = Settings(
        distributors={"dist-north": {"name": "North Foods", "email": "desk@north.example"}},
        policy={"ladder": ["distributor", {"name": "area_manager", "emails": ["am@brand.example"]}]},
        email=email_settings(mail_server.port),
        action_links={"secret": "s"},
        public_url="https://bot.example",
    )
    clock, triage = FixedClock(START), ScriptedTriage()
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'restock.db'}")
    await database.create_schema()
    service = RestockService(
        database,
        triage,
        stores=STORES,
        clock=clock,
        settings=settings,
        notifier=FakeDistributor(),
        mailer=SmtpMailer(settings.email),
    )
    triage.will(ticket_decision("p1"))
    await service.accept(post("p1"))
    await service.process_pending()
    mail_server.refusals = 1
    delivered = await service.deliver_outboxes()
    assert delivered.notifications == 1  # the webhook went; the email waits for its next attempt
    clock.advance(timedelta(minutes=1))
    assert (await service.deliver_outboxes()).notifications == 1
    [opened] = mail_server.to("desk@north.example")
    assert opened["Subject"] == "New restock ticket #1: MUN-50 at Sharma Kirana, Kothrud, Pune"
    body: Any = opened.get_payload(decode=True)
    assert "Acknowledge: https://bot.example/act/" in body.decode()

    clock.advance(timedelta(hours=72))
    await service.sweep_sla()
    await service.deliver_outboxes()
    [escalated] = mail_server.to("am@brand.example")
    assert escalated["Subject"].startswith("Ticket #1 escalated to area_manager")
    assert "/act/" not in escalated.get_payload(decode=True).decode()  # links are the distributor's
    assert len(mail_server.to("desk@north.example")) == 2
    await service.close()
