"""Distributor notifications: each event a signed JSON POST to the distributor's webhook, retried while it may
still get through.

Every POST carries `X-Restock-Signature: sha256=<hex HMAC-SHA256 of the raw body>` under the distributor's
`webhook_secret`, `X-Restock-Event-Id` (the same on every retry, so the distributor can drop repeats) and
`X-Restock-Timestamp` (Unix seconds of the attempt). Distributors check the signature with `verify_signature`.

When every attempt fails, `notify` raises WebhookFailed saying why (the last status or error), and the
outbox keeps that text: retried later, then a dead letter operators can read.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import aiohttp
import structlog
from pydantic import SecretStr

from restock_bot.clock import Clock, SystemClock
from restock_bot.config import DistributorSettings, reveal
from restock_bot.retry import RetryPolicy, Sleep
from restock_bot.signing import SIGNATURE_HEADER, sign_body, verify_signature

__all__ = [
    "EVENT_ID_HEADER",
    "SIGNATURE_HEADER",
    "TIMESTAMP_HEADER",
    "DeliveryAttempt",
    "DistributorWebhooks",
    "WebhookFailed",
    "event_body",
    "event_id_of",
    "verify_signature",
]

log = structlog.get_logger(__name__)

EVENT_ID_HEADER = "X-Restock-Event-Id"
TIMESTAMP_HEADER = "X-Restock-Timestamp"
ATTEMPT_HEADER = "X-Restock-Attempt"


class WebhookFailed(RuntimeError):
    """The distributor's webhook did not take the event; the message says why (no URL, status, error)."""


@dataclass(frozen=True, slots=True)
class DeliveryAttempt:
    """How one POST went: the HTTP status (None when no answer came) and what went wrong."""

    status: int | None
    error: str = ""
    retry_after: float | None = None

    @property
    def delivered(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    @property
    def worth_retrying(self) -> bool:
        """No answer, a server error or "too many requests" may pass; any other 4xx will not."""
        return self.status is None or self.status >= 500 or self.status == 429


def event_body(event: Mapping[str, Any]) -> bytes:
    """The event as the exact JSON bytes that are signed and sent (keys sorted, so retries are identical)."""
    return json.dumps(event, sort_keys=True, ensure_ascii=False, default=_json_value).encode("utf-8")


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def event_id_of(event: Mapping[str, Any], body: bytes) -> str:
    """The event's own `event_id` (or `id`), else a digest of its body: the same event, the same id."""
    own = event.get("event_id") or event.get("id")
    return str(own) if own else hashlib.sha256(body).hexdigest()[:32]


def _retry_after(response: aiohttp.ClientResponse) -> float | None:
    value = response.headers.get("Retry-After", "")
    return float(value) if value.isdigit() else None


class DistributorWebhooks:
    """Notifies distributors through their webhooks (the Notifier the ticket flow calls)."""

    def __init__(
        self,
        distributors: Mapping[str, DistributorSettings],
        session: aiohttp.ClientSession,
        *,
        retry: RetryPolicy | None = None,
        sleep: Sleep = asyncio.sleep,
        clock: Clock | None = None,
        timeout_seconds: float = 10.0,
        rung_secrets: Mapping[str, SecretStr] | None = None,
    ) -> None:
        self._distributors = distributors
        self._rung_secrets = dict(rung_secrets or {})  # a ladder rung's webhook_url -> its own webhook_secret
        self._session = session
        self._retry = retry or RetryPolicy()
        self._sleep = sleep
        self._clock = clock or SystemClock()
        self._timeout = aiohttp.ClientTimeout(total=timeout_seconds)

    async def notify(self, distributor_id: str, event: dict[str, Any]) -> bool:
        """POST the signed event to the distributor's webhook: True once it answered 2xx; WebhookFailed
        (saying why) when it has no webhook or every attempt failed."""
        distributor = self._distributors.get(distributor_id)
        if distributor is None or not distributor.webhook_url:
            log.warning("distributor_not_notified", distributor=distributor_id, reason="no webhook_url")
            raise WebhookFailed(f"distributors.{distributor_id}.webhook_url is not set")
        body = event_body(event)
        event_id = event_id_of(event, body)
        await self._deliver(distributor.webhook_url, reveal(distributor.webhook_secret) or "", body, event_id)
        log.info("distributor_notified", distributor=distributor_id, event_id=event_id)
        return True

    async def notify_rung(self, url: str, distributor_id: str, event: dict[str, Any]) -> bool:
        """POST the signed escalation to a ladder rung's own webhook, signed with the rung's `webhook_secret`
        (else the ticket's distributor's); True once it answered 2xx, else WebhookFailed saying why."""
        distributor = self._distributors.get(distributor_id)
        secret = self._rung_secrets.get(url) or (distributor.webhook_secret if distributor is not None else None)
        if secret is None:
            raise WebhookFailed(f"rung webhook {url}: no webhook_secret (neither the rung's nor {distributor_id}'s)")
        body = event_body(event)
        event_id = event_id_of(event, body)
        await self._deliver(url, reveal(secret) or "", body, event_id)
        log.info("rung_notified", url=url, distributor=distributor_id, event_id=event_id)
        return True

    async def _deliver(self, url: str, secret: str, body: bytes, event_id: str) -> None:
        attempt = 0
        while True:
            attempt += 1
            outcome = await self.post_once(url, secret, body, event_id, attempt)
            if outcome.delivered:
                return
            if not outcome.worth_retrying or not self._retry.allows(attempt):
                log.warning(
                    "distributor_delivery_failed",
                    url=url,
                    event_id=event_id,
                    attempt=attempt,
                    status=outcome.status,
                    error=outcome.error,
                )
                answer = f"answered {outcome.status} {outcome.error}".strip() if outcome.status else outcome.error
                raise WebhookFailed(f"POST {url}: {answer} (attempt {attempt})")
            await self._sleep(self._wait(attempt, outcome))

    def _wait(self, attempt: int, outcome: DeliveryAttempt) -> float:
        """Exponential backoff, or longer when the distributor asked so (Retry-After), within max_delay."""
        wait = max(self._retry.delay(attempt), outcome.retry_after or 0.0)
        return min(wait, self._retry.max_delay)

    async def post_once(self, url: str, secret: str, body: bytes, event_id: str, attempt: int) -> DeliveryAttempt:
        """One signed POST of `body`; never raises for network trouble, it reports it."""
        headers = {
            "Content-Type": "application/json",
            SIGNATURE_HEADER: sign_body(secret, body),
            EVENT_ID_HEADER: event_id,
            TIMESTAMP_HEADER: str(int(self._clock.now().timestamp())),
            ATTEMPT_HEADER: str(attempt),
        }
        try:
            async with self._session.post(url, data=body, headers=headers, timeout=self._timeout) as response:
                await response.read()
                return DeliveryAttempt(response.status, response.reason or "", _retry_after(response))
        except (aiohttp.ClientError, TimeoutError) as exc:
            return DeliveryAttempt(None, f"{type(exc).__name__}: {exc}")
