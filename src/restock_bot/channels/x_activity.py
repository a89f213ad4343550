"""X webhooks (Account Activity API): the CRC challenge and signed events, turned into Posts for the sink.

X checks the webhook with `GET ?crc_token=…`, answered with `{"response_token": "sha256=<base64 HMAC-SHA256 of
the token, keyed with the consumer secret>"}`, and signs every POSTed event the same way over the raw body in
`x-twitter-webhooks-signature`. Unsigned or badly signed events are refused (401) and counted; a delivery
seen again within `REPLAY_WINDOW_SECONDS` (X signs no timestamp) is answered 200 and not taken twice. Each
`tweet_create_events` item (a v1.1 tweet) not by the bot itself and not a retweet becomes a Post.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any

import structlog
from aiohttp import web

from restock_bot.channels.base import PostSink
from restock_bot.channels.rate_limit import ClientRateLimit
from restock_bot.channels.seen_signatures import SeenSignatures
from restock_bot.channels.webhook import BodyTooLarge, client_of, read_body, too_many_requests
from restock_bot.channels.x_posts import v1_tweet_to_post
from restock_bot.post import PostError

log = structlog.get_logger(__name__)

X_WEBHOOK_PATH = "/hooks/x"
SIGNATURE_HEADER = "x-twitter-webhooks-signature"
MAX_BODY_BYTES = 1 << 20
REPLAY_WINDOW_SECONDS = 3600.0  # X retries a failed delivery within minutes


def x_signature(consumer_secret: str, message: bytes) -> str:
    """`sha256=` + base64 HMAC-SHA256 of `message` keyed with the consumer secret (CRC answers and events)."""
    digest = hmac.new(consumer_secret.encode("utf-8"), message, hashlib.sha256).digest()
    return "sha256=" + base64.b64encode(digest).decode("ascii")


class XActivityWebhook:
    """Answers X's CRC checks and takes its signed events; counts what it accepted and refused."""

    def __init__(
        self,
        sink: PostSink,
        consumer_secret: str,
        *,
        max_body_bytes: int = MAX_BODY_BYTES,
        rate: ClientRateLimit | None = None,
    ) -> None:
        self._sink = sink
        self._secret = consumer_secret
        self._max_body_bytes = max_body_bytes
        self._rate = rate
        self.accepted = 0
        self.duplicates = 0
        self.refused = 0  # unsigned or badly signed events
        self.replayed = 0  # deliveries seen before, not taken again
        self._seen = SeenSignatures(REPLAY_WINDOW_SECONDS)

    async def crc(self, request: web.Request) -> web.Response:
        """The CRC challenge: prove the consumer secret by signing `crc_token`."""
        token = request.query.get("crc_token")
        if not token:
            return web.json_response({"error": "crc_token missing"}, status=400)
        return web.json_response({"response_token": x_signature(self._secret, token.encode("utf-8"))})

    async def events(self, request: web.Request) -> web.Response:
        """One signed event delivery; 401 (counted) when the signature is missing or wrong."""
        if self._rate is not None and (retry_after := self._rate.retry_after(client_of(request))):
            return too_many_requests(retry_after, self._rate.per_minute)
        try:
            body = await read_body(request, self._max_body_bytes)
        except BodyTooLarge:
            return web.json_response({"error": f"body is larger than {self._max_body_bytes} bytes"}, status=413)
        signature = request.headers.get(SIGNATURE_HEADER, "")
        if not hmac.compare_digest(x_signature(self._secret, body), signature.strip()):
            self.refused += 1
            log.warning("x_webhook_refused", client=client_of(request), signed=bool(signature), refused=self.refused)
            return web.json_response({"error": f"missing or wrong {SIGNATURE_HEADER}"}, status=401)
        try:
            event = json.loads(body)
        except ValueError as exc:
            return web.json_response({"error": f"body is not JSON: {exc}"}, status=400)
        except RecursionError:
            return web.json_response({"error": "body is not JSON we read: nested too deeply"}, status=400)
        if not isinstance(event, dict):
            return web.json_response({"error": "body must be a JSON object"}, status=400)
        if not isinstance(event.get("tweet_create_events") or [], list):
            return web.json_response({"error": "tweet_create_events: expected an array of tweets"}, status=400)
        if self._seen.seen(signature):  # a 200 so X stops retrying; the posts were taken the first time
            self.replayed += 1
            log.warning("x_webhook_replayed", client=client_of(request), replayed=self.replayed)
            return web.json_response({"accepted": [], "duplicates": [], "errors": [], "replayed": True})
        answer = await self._take(event)
        self._seen.remember(signature)
        return web.json_response(answer)

    async def _take(self, event: dict[str, Any]) -> dict[str, Any]:
        for_user = str(event.get("for_user_id") or "")
        accepted: list[str] = []
        duplicates: list[str] = []
        errors: list[dict[str, Any]] = []
        for index, tweet in enumerate(event.get("tweet_create_events") or []):
            if not _is_report_candidate(tweet, for_user):
                continue
            try:
                post = v1_tweet_to_post(tweet)
            except PostError as exc:
                errors.append({"index": index, "error": str(exc)})
                log.warning("x_webhook_unreadable_tweet", index=index, error=str(exc))
                continue
            if await self._sink.accept(post):
                accepted.append(post.id)
            else:
                duplicates.append(post.id)
        self.accepted += len(accepted)
        self.duplicates += len(duplicates)
        return {"accepted": accepted, "duplicates": duplicates, "errors": errors}

    def counts(self) -> dict[str, int]:
        """Events taken so far, for the usage page."""
        return {
            "accepted": self.accepted,
            "duplicates": self.duplicates,
            "refused": self.refused,
            "replayed": self.replayed,
        }

    def routes(self) -> list[web.RouteDef]:
        """GET (CRC) and POST (events) on /hooks/x, for the web app's extra routes."""
        return [web.get(X_WEBHOOK_PATH, self.crc), web.post(X_WEBHOOK_PATH, self.events)]


def _is_report_candidate(tweet: Any, for_user: str) -> bool:
    """Not the bot's own tweet (X delivers those too) and not a retweet of someone else's."""
    if not isinstance(tweet, dict):
        return True  # let v1_tweet_to_post name what is wrong
    user = tweet.get("user")
    author = str(user.get("id_str") or "") if isinstance(user, dict) else ""
    return not (for_user and author == for_user) and "retweeted_status" not in tweet
