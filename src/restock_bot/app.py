"""Wiring: builds the bot's adapters and core from Settings and runs them (initialize → start → stop).

`RestockBot` owns one HTTP client session, the RestockService (database and triage), the distributor
notifier, the reply senders, the channels (the inbound webhook always; X in the modes of `x.mode` and
Bluesky when configured), the scheduler (inbox worker, SLA sweep, delivery) and the web app on host:port.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
from collections.abc import Iterable
from typing import TextIO

import aiohttp
import structlog
from aiohttp import web

from restock_bot.channels.base import ReplySender
from restock_bot.channels.bluesky import BlueskyApi, BlueskyPoller, BlueskyReplies
from restock_bot.channels.listening import Listening
from restock_bot.channels.rate_limit import ClientRateLimit
from restock_bot.channels.webhook import WebhookReplies, webhook_routes
from restock_bot.channels.x import XApi, XReplies
from restock_bot.channels.x_listening import XListening
from restock_bot.clock import Clock, SystemClock
from restock_bot.config import Settings
from restock_bot.notify import Notifier
from restock_bot.notify.distributor import DistributorWebhooks
from restock_bot.notify.email import SmtpMailer
from restock_bot.post import Post
from restock_bot.restock.service import RestockService, Triager
from restock_bot.scheduler import INBOX_JOB, RestockScheduler

log = structlog.get_logger(__name__)

HEALTH_PATH = "/healthz"
SHUTDOWN_SECONDS = 10.0  # how long open HTTP requests may take to finish once stopping


def configure_logging(level: str = "info", stream: TextIO | None = None) -> None:
    """structlog to `stream` (stderr): readable lines on a terminal, JSON lines otherwise."""
    levels = logging.getLevelNamesMapping()
    if level.upper() not in levels:
        raise ValueError(f"log level {level!r}: use debug, info, warning or error")
    out = stream or sys.stderr
    processors: list[structlog.typing.Processor] = [
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    if out.isatty():
        processors.append(structlog.dev.ConsoleRenderer())
    else:
        processors += [structlog.processors.format_exc_info, structlog.processors.JSONRenderer()]
    structlog.configure(
        processors=processors,
        wrapper_class=structlog.make_filtering_bound_logger(levels[level.upper()]),
        logger_factory=structlog.PrintLoggerFactory(out),
        cache_logger_on_first_use=False,
    )
    # APScheduler logs every run at INFO and skipped runs at WARNING; the jobs log their own failures.
    logging.getLogger("apscheduler").setLevel(logging.ERROR)


class Inbox:
    """The PostSink every channel hands posts to: stored by the service, then the inbox worker is woken."""

    def __init__(self, service: RestockService, scheduler: RestockScheduler) -> None:
        self._service = service
        self._scheduler = scheduler

    async def accept(self, post: Post) -> bool:
        """Store the post (once per channel and id); a new one is triaged right away, not at the next tick."""
        new = await self._service.accept(post)
        if new and self._scheduler.running:
            self._scheduler.wake(INBOX_JOB)
        return new


def _has_path(app: web.Application, path: str) -> bool:
    return any(resource.canonical == path for resource in app.router.resources())


def build_web_app(
    service: RestockService, settings: Settings, routes: list[web.RouteDef], *, demo: bool = False
) -> web.Application:
    """The web app with `routes` (the inbound webhook) and /healthz mounted.

    Until `restock_bot.web.app` exists, a bare app serves only those routes."""
    try:
        from restock_bot.web.app import create_web_app
    except ModuleNotFoundError as exc:
        if exc.name not in ("restock_bot.web", "restock_bot.web.app"):
            raise
        log.warning("web_app_missing", detail="serving only the post webhook and /healthz")
        app = web.Application()
        app.add_routes(routes)
    else:
        app = create_web_app(service, settings, extra_routes=routes, demo=demo)

    async def healthz(_request: web.Request) -> web.Response:
        return web.json_response({"status": "ok", "inbox": await service.inbox_counts()})

    if not _has_path(app, HEALTH_PATH):
        app.router.add_get(HEALTH_PATH, healthz)
    return app


class RestockBot:
    """The whole bot from Settings. `initialize()` builds everything, `start()` serves and schedules,
    `stop()` ends it all in reverse order (safe to call after a failed or partial start)."""

    def __init__(
        self,
        settings: Settings,
        *,
        clock: Clock | None = None,
        notifier: Notifier | None = None,
        senders: Iterable[ReplySender] = (),
        triage: Triager | None = None,
        serve_web: bool = True,
        demo: bool = False,
    ) -> None:
        self.settings = settings
        self.clock: Clock = clock or SystemClock()
        self._notifier = notifier
        self._extra_senders = list(senders)
        self._triage = triage
        self._serve_web = serve_web
        self._demo = demo
        self._http: aiohttp.ClientSession | None = None
        self._service: RestockService | None = None
        self._scheduler: RestockScheduler | None = None
        self._inbox: Inbox | None = None
        self._x: XListening | None = None
        self._bluesky_api: BlueskyApi | None = None
        self._bluesky: Listening | None = None
        self._runner: web.AppRunner | None = None

    @property
    def service(self) -> RestockService:
        if self._service is None:
            raise RuntimeError("call initialize() first")
        return self._service

    @property
    def scheduler(self) -> RestockScheduler:
        if self._scheduler is None:
            raise RuntimeError("call initialize() first")
        return self._scheduler

    @property
    def inbox(self) -> Inbox:
        """Where posts enter (what the webhooks, X and Bluesky call)."""
        if self._inbox is None:
            raise RuntimeError("call initialize() first")
        return self._inbox

    @property
    def url(self) -> str | None:
        """http://host:port the web app listens on (the real port when settings.port is 0), once started."""
        if self._runner is None or not self._runner.addresses:
            return None
        host, port = self._runner.addresses[0][:2]
        return f"http://{host}:{port}"

    async def initialize(self) -> None:
        """Open the HTTP session and database, load triage, build the channels, scheduler and web app."""
        if self._service is not None:
            return
        settings = self.settings
        self._http = aiohttp.ClientSession()
        notifier = self._notifier or DistributorWebhooks(settings.distributors, self._http)
        senders: list[ReplySender] = [WebhookReplies(self._http, settings.webhook_reply_url, settings.webhook_secret)]
        x_api: XApi | None = None
        if settings.x.enabled:
            x_api = XApi(settings.x, self._http)
            senders.append(XReplies(x_api, dry_run=settings.x.dry_run))
        if settings.bluesky.enabled:
            self._bluesky_api = BlueskyApi(settings.bluesky)
            senders.append(BlueskyReplies(self._bluesky_api, dry_run=settings.bluesky.dry_run))
        self._service = await RestockService.open(
            settings,
            clock=self.clock,
            notifier=notifier,
            mailer=SmtpMailer(settings.email) if settings.email.enabled else None,
            senders=[*senders, *self._extra_senders],
            triage=self._triage,
        )
        self._scheduler = RestockScheduler(
            self._service,
            settings,
            inbox_seconds=settings.inbox_seconds,
            delivery_seconds=settings.delivery_seconds,
        )
        self._inbox = Inbox(self._service, self._scheduler)
        rate = ClientRateLimit(settings.webhook_rate_per_minute)
        routes = webhook_routes(self._inbox, settings, rate=rate)
        if x_api is not None:
            await x_api.budget.restore(self._service)
            self._x = XListening(x_api, self._inbox, self._service, webhook_rate=rate)
            routes += self._x.routes()
        if self._bluesky_api is not None:
            poller = BlueskyPoller(self._bluesky_api, self._inbox, self._service)
            self._bluesky = Listening("bluesky", poller.poll, settings.bluesky.poll_seconds)
        if self._serve_web:
            app = build_web_app(self._service, settings, routes, demo=self._demo)
            self._runner = web.AppRunner(app, shutdown_timeout=SHUTDOWN_SECONDS)
            await self._runner.setup()

    async def start(self) -> None:
        """Start the scheduler's jobs, serve the web app, start listening on X and Bluesky."""
        if self._service is None:
            await self.initialize()
        self.scheduler.start()
        if self._runner is not None:
            site = web.TCPSite(self._runner, self.settings.host, self.settings.port)
            await site.start()
        if self._x is not None:
            self._x.start()
        if self._bluesky is not None:
            self._bluesky.start()
        log.info(
            "restock_bot_started",
            url=self.url,
            database=self.service.database.engine.url.render_as_string(hide_password=True),
            x_modes=[loop.name for loop in self._x.loops] if self._x else [],
            bluesky=self._bluesky is not None,
        )

    async def stop(self) -> None:
        """Stop taking posts (X, Bluesky, then HTTP), let running jobs finish, then close the database and sessions."""
        if self._x is not None:
            await self._x.stop()
        if self._bluesky is not None:
            await self._bluesky.stop()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if self._scheduler is not None:
            await self._scheduler.stop()
        if self._service is not None:
            await self._service.close()
            self._service = None
        if self._http is not None:
            await self._http.close()
            self._http = None
        if self._bluesky_api is not None:
            await self._bluesky_api.close()
            self._bluesky_api = None
        log.info("restock_bot_stopped")

    async def __aenter__(self) -> RestockBot:
        try:
            await self.initialize()
            await self.start()
        except BaseException:
            await self.stop()
            raise
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.stop()


async def run_until_stopped(bot: RestockBot, stop: asyncio.Event | None = None) -> None:
    """Run the bot until SIGINT/SIGTERM (or `stop` is set), then shut it down gracefully."""
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    signals = (signal.SIGINT, signal.SIGTERM)
    for signum in signals:
        loop.add_signal_handler(signum, stop.set)
    try:
        async with bot:
            where = f" on {bot.url}" if bot.url else ""
            print(f"Restock Bot is running{where} (Ctrl-C to stop)", file=sys.stderr, flush=True)
            await stop.wait()
            log.info("restock_bot_stopping")
    finally:
        for signum in signals:
            loop.remove_signal_handler(signum)
