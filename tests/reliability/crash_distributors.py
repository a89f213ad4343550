"""The outside world of the crash tests, on loopback: every distributor's webhook and the reply callback.

It lives in the test process, so it outlives every bot process the test kills, and it keeps every request
it was sent: repeats are what at-least-once delivery looks like from the receiving end."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from restock_bot.notify.distributor import EVENT_ID_HEADER
from restock_bot.signing import SIGNATURE_HEADER, verify_signature
from tests.helpers import serve_locally

SECRET = "crash-test-secret"


@dataclass
class Distributors:
    """Answers 200 to every signed distributor webhook and reply; counts each by its key."""

    events: Counter[str] = field(default_factory=Counter)  # X-Restock-Event-Id -> deliveries
    kinds: Counter[str] = field(default_factory=Counter)  # event kind -> deliveries
    replies: Counter[tuple[str, str]] = field(default_factory=Counter)  # (post id, text) -> deliveries
    forged: int = 0
    url: str = ""
    _runner: web.AppRunner | None = None

    async def _webhook(self, request: web.Request) -> web.Response:
        body = await request.read()
        if not verify_signature(SECRET, body, request.headers.get(SIGNATURE_HEADER)):
            self.forged += 1
            return web.json_response({"error": "bad signature"}, status=401)
        event: dict[str, Any] = await request.json()
        self.events[request.headers[EVENT_ID_HEADER]] += 1
        self.kinds[str(event.get("event", event.get("kind", "?")))] += 1
        return web.json_response({"ok": True})

    async def _reply(self, request: web.Request) -> web.Response:
        body: dict[str, Any] = await request.json()
        self.replies[(body["in_reply_to"], body["text"])] += 1
        return web.json_response({"id": f"reply-{sum(self.replies.values())}"})

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/distributors/{distributor}", self._webhook)
        app.router.add_post("/replies", self._reply)
        self._runner, self.url = await serve_locally(app, access_log=None)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def redeliveries(self) -> int:
        return sum(self.events.values()) - len(self.events)

    @property
    def reply_redeliveries(self) -> int:
        return sum(self.replies.values()) - len(self.replies)
