"""The X channel as configured: which listening modes run (x.mode), their background loops, routes and usage.

- `search` / `mentions`: XPoller every `x.poll_seconds` (bearer token; mentions also need the user keys);
- `stream`: the filtered stream with rules from config (bearer token; X's Pro plan or pay-per-use);
- `webhook`: X's Account Activity webhooks at /hooks/x (consumer secret; a plan with Account Activity).
`/api/x/usage` shows the budget window, what is used, the stream and webhook counts.
"""

from __future__ import annotations

import asyncio
from typing import Any

import structlog
from aiohttp import web

from restock_bot.channels.base import PostSink
from restock_bot.channels.listening import Listening
from restock_bot.channels.rate_limit import ClientRateLimit
from restock_bot.channels.x import CursorStore, XApi, XPoller
from restock_bot.channels.x_activity import XActivityWebhook
from restock_bot.channels.x_stream import XStream
from restock_bot.clock import Clock, SystemClock
from restock_bot.config import reveal
from restock_bot.retry import Sleep

log = structlog.get_logger(__name__)

USAGE_PATH = "/api/x/usage"


class XListening:
    """Builds and runs the X listening modes chosen in `x.mode`."""

    def __init__(
        self,
        api: XApi,
        sink: PostSink,
        cursors: CursorStore,
        *,
        sleep: Sleep = asyncio.sleep,
        clock: Clock | None = None,
        webhook_rate: ClientRateLimit | None = None,
    ) -> None:
        settings = api.settings
        clock = clock or SystemClock()
        self.api = api
        self.modes = list(settings.mode)
        self.loops: list[Listening] = []
        self.poller: XPoller | None = None
        self.stream: XStream | None = None
        self.webhook: XActivityWebhook | None = None
        polling = {"search", "mentions"} & set(self.modes)
        if polling and api.has_bearer_token:
            self.poller = XPoller(
                api, sink, cursors, settings.query, search="search" in polling, mentions="mentions" in polling
            )
            self.loops.append(Listening("x-polling", self.poller.poll, settings.poll_seconds, sleep=sleep, clock=clock))
        elif polling:
            log.warning("x_polling_off", reason="search and mentions need x.bearer_token")
        if "stream" in self.modes and api.has_bearer_token:
            self.stream = XStream(api, sink, cursors, sleep=sleep, clock=clock)
            self.loops.append(
                Listening(
                    "x-stream",
                    self.stream.listen,
                    settings.poll_seconds,
                    sleep=sleep,
                    clock=clock,
                    on_stop=self.stream.stop,
                )
            )
        elif "stream" in self.modes:
            log.warning("x_stream_off", reason="the filtered stream needs x.bearer_token")
        if "webhook" in self.modes and settings.consumer_secret:
            self.webhook = XActivityWebhook(sink, reveal(settings.consumer_secret) or "", rate=webhook_rate)

    def start(self) -> None:
        for loop in self.loops:
            loop.start()

    async def stop(self) -> None:
        for loop in self.loops:
            await loop.stop()

    def routes(self) -> list[web.RouteDef]:
        """The X webhook (when `webhook` is a mode) and the usage page, for the web app."""
        routes = self.webhook.routes() if self.webhook else []
        return [*routes, web.get(USAGE_PATH, self.usage_page)]

    def usage(self) -> dict[str, Any]:
        """Budget and counts, as the usage page shows them."""
        stopped = {loop.name: loop.stopped_because for loop in self.loops if loop.stopped_because}
        return {
            "modes": self.modes,
            "budget": self.api.budget.usage(),
            "stream": {"connections": self.stream.connections, "rules": self.stream.rules} if self.stream else None,
            "webhook": self.webhook.counts() if self.webhook else None,
            "stopped": stopped,
        }

    async def usage_page(self, _request: web.Request) -> web.Response:
        return web.json_response(self.usage())
