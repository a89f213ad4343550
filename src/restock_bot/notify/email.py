"""Email notifications through SMTP (aiosmtplib): one plain-text message per call, raising on failure."""

from __future__ import annotations

import hashlib
from email.message import EmailMessage
from email.utils import formatdate

import aiosmtplib
import structlog

from restock_bot.config import EmailSettings, reveal

log = structlog.get_logger(__name__)

KEY_HEADER = "X-Restock-Notification"


def email_message(sender: str, to: str, subject: str, body: str, key: str) -> EmailMessage:
    """The message for one notification; its Message-ID comes from `key`, so a resend is the same mail."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(usegmt=True)
    domain = sender.rpartition("@")[2] or "restock-bot"
    message["Message-ID"] = f"<{hashlib.sha256(key.encode()).hexdigest()[:32]}@{domain}>"
    message[KEY_HEADER] = key
    message.set_content(body)
    return message


class SmtpMailer:
    """The Mailer for `[email]` settings: connects to the SMTP server for each message."""

    def __init__(self, settings: EmailSettings) -> None:
        if not settings.host:
            raise ValueError("email.host: set the SMTP server to send email")
        self._settings = settings

    async def send(self, to: str, subject: str, body: str, *, key: str) -> None:
        s = self._settings
        message = email_message(s.from_address, to, subject, body, key)
        await aiosmtplib.send(
            message,
            hostname=s.host,
            port=s.port,
            username=s.username,
            password=reveal(s.password),
            use_tls=s.tls == "tls",
            start_tls={"auto": None, "starttls": True, "tls": False, "none": False}[s.tls],
            timeout=s.timeout_seconds,
        )
        log.info("email_sent", to=to, key=key)
