"""The inbound webhook channel: `POST /hooks/posts` hands posts to the sink; replies go to a callback URL.

Any system that can send JSON can report posts here: one post object in the posts.jsonl shape, or a
JSON array of them (the README documents the shape). When `Settings.webhook_secret` is set the sender puts
the time in `X-Restock-Timestamp: <Unix seconds>` and signs `<timestamp>.<raw body>` with HMAC-SHA256 in
`X-Restock-Signature: sha256=<hex>`: a timestamp more than `webhook_timestamp_tolerance_seconds` from our
clock gets a 401, a delivery already taken within the window a 409 (`webhook_legacy_signatures` also takes
the older signature of the body alone, without a timestamp). Replies are signed over the body alone.
Bodies over `webhook_max_body_bytes` get a 413, clients over `webhook_rate_per_minute` a 429 with Retry-After.
While the database is away the answer is 503 with Retry-After: the sender keeps the posts and sends them again
(posts stored before the outage then come back as duplicates), so none is lost.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import aiohttp
import structlog
from aiohttp import web

from restock_bot.channels.base import PostSink, SinkUnavailable
from restock_bot.channels.rate_limit import ClientRateLimit
from restock_bot.channels.seen_signatures import SeenSignatures
from restock_bot.config import Settings, reveal
from restock_bot.post import Post, PostError, post_from_dict
from restock_bot.signing import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign_body, timestamped, verify_signature

log = structlog.get_logger(__name__)

POSTS_PATH = "/hooks/posts"
MAX_BODY_BYTES = 1 << 20
TOLERANCE_SECONDS = 300.0
CHANNEL = "webhook"


class BodyTooLarge(Exception):
    """The request body is over the webhook's size limit."""


class PostWebhook:
    """Handles `POST /hooks/posts`: checks the signature, reads each post, hands the good ones to the sink."""

    def __init__(
        self,
        sink: PostSink,
        secret: str | None,
        max_body_bytes: int = MAX_BODY_BYTES,
        rate: ClientRateLimit | None = None,
        *,
        tolerance_seconds: float = TOLERANCE_SECONDS,
        legacy_signatures: bool = False,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._sink = sink
        self._secret = secret
        self._max_body_bytes = max_body_bytes
        self._rate = rate
        self._tolerance = tolerance_seconds
        self._legacy = legacy_signatures
        self._clock = clock
        # a timestamp is good for `tolerance` either side of our clock: remember signatures that long twice over
        self._seen = SeenSignatures(2 * tolerance_seconds)

    async def handle(self, request: web.Request) -> web.Response:
        """Answer `{"accepted", "duplicates", "errors"}`; 400/401/409/413/429 for a body that cannot be taken."""
        if self._rate is not None and (retry_after := self._rate.retry_after(client_of(request))):
            return too_many_requests(retry_after, self._rate.per_minute)
        try:
            body = await read_body(request, self._max_body_bytes)
        except BodyTooLarge:
            return _error(413, f"body is larger than {self._max_body_bytes} bytes")
        signature = request.headers.get(SIGNATURE_HEADER, "").strip()
        if self._secret and (refusal := self._refuse_signature(request, self._secret, signature, body)):
            log.warning("webhook_refused", client=client_of(request), status=refusal.status)
            return refusal
        answer = await self._answer(body)
        if self._secret and answer.status < 500:  # a 503 is sent again as it was: not a replay
            self._seen.remember(signature)
        return answer

    async def _answer(self, body: bytes) -> web.Response:
        try:
            items = _items(json.loads(body))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            return _error(400, f"body is not JSON: {exc}")
        except RecursionError:
            return _error(400, "body is not JSON we read: nested too deeply")
        except ValueError as exc:
            return _error(400, str(exc))
        return await self._accept_all(items)

    def _refuse_signature(self, request: web.Request, secret: str, signature: str, body: bytes) -> web.Response | None:
        """None when the delivery is signed, timely and new; else the 401 or 409 saying why."""
        stamp = request.headers.get(TIMESTAMP_HEADER, "").strip()
        if not signature:
            return _error(401, f"missing {SIGNATURE_HEADER} (sha256=<hex HMAC-SHA256 of '<timestamp>.<raw body>'>)")
        if not stamp and self._legacy:
            signed = verify_signature(secret, body, signature)
        elif not stamp:
            return _error(401, f"missing {TIMESTAMP_HEADER} (Unix seconds, signed with the body in {SIGNATURE_HEADER})")
        elif not (stamp.isascii() and stamp.isdigit()):
            return _error(401, f"{TIMESTAMP_HEADER}: {stamp[:20]!r} is not Unix seconds")
        elif abs(self._clock() - int(stamp)) > self._tolerance:
            return _error(401, f"{TIMESTAMP_HEADER}: more than {self._tolerance:g} s from our clock; sign it anew")
        else:
            signed = verify_signature(secret, timestamped(stamp, body), signature)
        if not signed:
            return _error(401, f"wrong {SIGNATURE_HEADER} (sha256=<hex HMAC-SHA256 of '<timestamp>.<raw body>'>)")
        if self._seen.seen(signature):
            return _error(409, "replayed: this signed delivery was already taken; send a new one with a new timestamp")
        return None

    async def _accept_all(self, items: list[Any]) -> web.Response:
        accepted: list[str] = []
        duplicates: list[str] = []
        errors: list[dict[str, Any]] = []
        for index, item in enumerate(items):
            try:
                post = post_from_dict(item, CHANNEL)
            except PostError as exc:
                errors.append({"index": index, "error": str(exc)})
                continue
            try:
                new = await self._sink.accept(post)
            except SinkUnavailable as exc:
                return service_unavailable(str(exc), exc.retry_after_seconds)
            if new:
                accepted.append(post.id)
            else:
                duplicates.append(post.id)
        status = 422 if errors and not (accepted or duplicates) else 200
        answer = {"accepted": accepted, "duplicates": duplicates, "errors": errors}
        return web.json_response(answer, status=status)


async def read_body(request: web.Request, max_bytes: int) -> bytes:
    """The raw body, read no further than `max_bytes` (raises BodyTooLarge past it, chunked or not)."""
    if request.content_length is not None and request.content_length > max_bytes:
        raise BodyTooLarge
    body = bytearray()
    async for chunk in request.content.iter_any():
        body.extend(chunk)
        if len(body) > max_bytes:
            raise BodyTooLarge
    return bytes(body)


def client_of(request: web.Request) -> str:
    """The address a request came from (the peer; put a proxy's own limits in front when there is one)."""
    return request.remote or "unknown"


def too_many_requests(retry_after: int, per_minute: float) -> web.Response:
    """A 429 with Retry-After and the limit in words."""
    message = f"too many requests: at most {per_minute:g} a minute per client; retry after {retry_after} s"
    return web.json_response({"error": message}, status=429, headers={"Retry-After": str(retry_after)})


def service_unavailable(reason: str, retry_after: int) -> web.Response:
    """A 503 with Retry-After: nothing of this body is kept for sure, send all of it again."""
    message = f"{reason}; send the whole body again after {retry_after} s"
    return web.json_response({"error": message}, status=503, headers={"Retry-After": str(retry_after)})


def _items(data: Any) -> list[Any]:
    """The posts of a body: a JSON array as is, a single object as a list of one."""
    if isinstance(data, list):
        return data
    if isinstance(data, dict):
        return [data]
    raise ValueError(f"body must be a post object or an array of posts, got {type(data).__name__}")


def _error(status: int, message: str) -> web.Response:
    return web.json_response({"error": message}, status=status)


def webhook_routes(
    sink: PostSink,
    settings: Settings,
    max_body_bytes: int | None = None,
    rate: ClientRateLimit | None = None,
) -> list[web.RouteDef]:
    """The routes of the inbound post webhook, for `app.add_routes(...)`."""
    limit = max_body_bytes or settings.webhook_max_body_bytes
    rate = rate or ClientRateLimit(settings.webhook_rate_per_minute)
    webhook = PostWebhook(
        sink,
        reveal(settings.webhook_secret),
        limit,
        rate,
        tolerance_seconds=settings.webhook_timestamp_tolerance_seconds,
        legacy_signatures=settings.webhook_legacy_signatures,
    )
    return [web.post(POSTS_PATH, webhook.handle)]


class WebhookReplies:
    """A ReplySender for webhook posts: POSTs each reply, signed, to `callback_url`, or logs it when unset."""

    channel = CHANNEL

    def __init__(self, session: aiohttp.ClientSession, callback_url: str | None, secret: str | None) -> None:
        self._session = session
        self._callback_url = callback_url
        self._secret = secret

    async def reply(self, to: Post, text: str) -> str | None:
        """Send the reply; returns the `id` the callback answers with, if any. A failure is logged and raised,
        so the outbox tries again and, in the end, keeps it as a dead letter (never marked sent)."""
        if not self._callback_url:
            log.info("webhook_reply_not_sent", reason="no callback URL", post_id=to.id, text=text)
            return None
        body = json.dumps(reply_body(to, text), ensure_ascii=False).encode("utf-8")
        try:
            return await self._send(self._callback_url, body)
        except (aiohttp.ClientError, TimeoutError) as exc:
            log.warning("webhook_reply_failed", url=self._callback_url, post_id=to.id, error=str(exc))
            raise

    async def _send(self, url: str, body: bytes) -> str | None:
        headers = {"Content-Type": "application/json"}
        if self._secret:
            headers[SIGNATURE_HEADER] = sign_body(self._secret, body)
        async with self._session.post(url, data=body, headers=headers) as response:
            response.raise_for_status()
            return _reply_id(await response.read())


def _reply_id(answer: bytes) -> str | None:
    """The `id` in a callback's JSON answer; None for an empty or non-JSON answer."""
    try:
        data = json.loads(answer)
    except ValueError:
        return None
    reply_id = data.get("id") if isinstance(data, dict) else None
    return str(reply_id) if reply_id is not None else None


def reply_body(to: Post, text: str) -> dict[str, Any]:
    """The JSON a webhook reply carries: the text and the post it answers."""
    return {
        "in_reply_to": to.id,
        "channel": to.channel,
        "author": {"id": to.author.id, "username": to.author.username},
        "text": text,
    }
