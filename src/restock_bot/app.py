"""Wiring: builds the bot's adapters and core from Settings and runs them (initialize → start → stop).

`RestockBot` owns one HTTP client session, the RestockService (database and triage), the distributor
notifier, the reply senders, the channels (the inbound webhook always; X in the modes of `x.mode` and
Bluesky when configured), the scheduler (inbox worker, SLA sweep, delivery) and the web app on host:port.

`settings.role` picks what this process does: `listener` takes posts (channels and the web app; the
pollers only while it is the leader, see leadership.py), `worker` runs the scheduler's jobs and serves
only /healthz, /readyz and /metrics, `all` does both. Any number of each share one PostgreSQL database.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
from collections.abc import Iterable
from datetime import timedelta
from typing import TextIO

import aiohttp
import structlog
from aiohttp import web

from restock_bot.channels.base import ReplySender, SinkUnavailable
from restock_bot.channels.bluesky import BlueskyApi, BlueskyPoller, BlueskyReplies
from restock_bot.channels.listening import Listening
from restock_bot.channels.rate_limit import ClientRateLimit
from restock_bot.channels.webhook import WebhookReplies, webhook_routes
from restock_bot.channels.x import XApi, XReplies
from restock_bot.channels.x_listening import XListening
from restock_bot.clock import Clock, SystemClock
from restock_bot.config import Settings, reveal
from restock_bot.leadership import Leadership
from restock_bot.monitoring import BotMetrics, Monitoring, TimedTriage
from restock_bot.notify import Notifier
from restock_bot.notify.distributor import DistributorWebhooks
from restock_bot.notify.email import SmtpMailer
from restock_bot.post import Post
from restock_bot.restock.policy import rung_webhook_secrets
from restock_bot.restock.service import RestockService, Triager
from restock_bot.scheduler import INBOX_JOB, RestockScheduler
from restock_bot.storage.outage import is_database_unavailable

log = structlog.get_logger(__name__)

HEALTH_PATH = "/healthz"
SHUTDOWN_SECONDS = 10.0  # once stopping: how long open HTTP requests and running jobs may take to finish
DATABASE_RETRY_AFTER_SECONDS = 5  # what a sender is asked to wait when a post cannot be stored


def configure_logging(level: str = "info", stream: TextIO | None = None) -> None:
    """structlog to `stream` (stderr): readable lines on a terminal, JSON lines otherwise."""
    levels = logging.getLevelNamesMapping()
    if level.upper() not in levels:
        raise ValueError(f"log level {level!r}: use debug, info, warning or error")
    out = stream or sys.stderr
    processors: list[structlog.typing.Processor] = [
        structlog.contextvars.merge_contextvars,  # the post being processed, bound by TimedTriage
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
    """The PostSink every channel hands posts to: stored by the service, then the inbox worker is woken
    (in this process; workers elsewhere find it at their next look, every `inbox_seconds`)."""

    def __init__(self, service: RestockService, scheduler: RestockScheduler, metrics: BotMetrics | None = None) -> None:
        self._service = service
        self._scheduler = scheduler
        self._metrics = metrics

    async def accept(self, post: Post) -> bool:
        """Store the post (once per channel and id); a new one is triaged right away, not at the next tick.
        SinkUnavailable when the database is away (the channel has the post sent again)."""
        try:
            new = await self._service.accept(post)
        except Exception as exc:
            if not is_database_unavailable(exc):
                raise
            where = f"{post.channel}/{post.id}"
            log.warning("post not stored: database unavailable", post=where, error=f"{type(exc).__name__}: {exc}")
            message = f"post {where}: not stored, the database is unavailable"
            raise SinkUnavailable(message, DATABASE_RETRY_AFTER_SECONDS) from exc
        log.info("post_received", post=f"{post.channel}/{post.id}", new=new)
        if self._metrics is not None:
            self._metrics.received(post, new)
        if new and self._scheduler.running:
            self._scheduler.wake(INBOX_JOB)
        return new


def _has_path(app: web.Application, path: str) -> bool:
    return any(resource.canonical == path for resource in app.router.resources())


def build_operations_app(monitoring: Monitoring) -> web.Application:
    """A worker's web app: only /healthz, /readyz and /metrics."""
    app = web.Application()
    app.add_routes(monitoring.routes(health=True))
    return app


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
        self.role = settings.role
        self.metrics = BotMetrics(self.role)
        self.leadership: Leadership | None = None

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
    def listens(self) -> bool:
        """Takes posts: channels, pollers (as leader) and the web app."""
        return self.role in ("all", "listener")

    @property
    def works(self) -> bool:
        """Runs the scheduler's jobs: inbox, SLA sweep, outbox delivery, digests."""
        return self.role in ("all", "worker")

    @property
    def polling(self) -> bool:
        """This process's X or Bluesky pollers are running (on the leader only)."""
        loops = [*(self._x.loops if self._x else []), *([self._bluesky] if self._bluesky else [])]
        return any(loop.running for loop in loops)

    @property
    def web_app(self) -> web.Application | None:
        """The aiohttp application this process serves (None before `initialize()` or without the web)."""
        return self._runner.app if self._runner is not None else None

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
        notifier = self._notifier or DistributorWebhooks(
            settings.distributors, self._http, rung_secrets=rung_webhook_secrets(settings)
        )
        replies = WebhookReplies(self._http, settings.webhook_reply_url, reveal(settings.webhook_secret))
        senders: list[ReplySender] = [replies]
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
            triage=TimedTriage(self._triage or _triage_from(settings), self.metrics),
        )
        self._service.stale_after = timedelta(seconds=settings.claim_stale_seconds)
        self._scheduler = RestockScheduler(
            self._service,
            settings,
            inbox_seconds=settings.inbox_seconds,
            delivery_seconds=settings.delivery_seconds,
        )
        self._inbox = Inbox(self._service, self._scheduler, self.metrics)
        if x_api is not None:
            await x_api.budget.restore(self._service)
        routes = self._listen(x_api) if self.listens else []
        monitoring = Monitoring(
            self._service,
            self.metrics,
            role=self.role,
            leader=lambda: self.leadership.is_leader if self.leadership else None,
            x_usage=x_api.budget.usage if x_api is not None else None,
        )
        if self._serve_web:
            if self.listens:
                app = build_web_app(self._service, settings, [*routes, *monitoring.routes()], demo=self._demo)
            else:
                app = build_operations_app(monitoring)
            self._runner = web.AppRunner(app, shutdown_timeout=SHUTDOWN_SECONDS)
            await self._runner.setup()

    def _listen(self, x_api: XApi | None) -> list[web.RouteDef]:
        """Build the channels; the routes they serve (the post webhook, X's webhook and usage page)."""
        settings, inbox = self.settings, self.inbox
        rate = ClientRateLimit(settings.webhook_rate_per_minute)
        routes = webhook_routes(inbox, settings, rate=rate)
        if not reveal(settings.webhook_secret):
            log.warning("webhook_unsigned", detail="POST /hooks/posts takes unsigned posts: set webhook_secret")
        if x_api is not None:
            self._x = XListening(x_api, inbox, self.service, webhook_rate=rate)
            routes += self._x.routes()
        if self._bluesky_api is not None:
            poller = BlueskyPoller(self._bluesky_api, inbox, self.service)
            self._bluesky = Listening("bluesky", poller.poll, settings.bluesky.poll_seconds)
        if self._x is not None and self._x.loops or self._bluesky is not None:
            self.leadership = Leadership(
                self.service.database,
                every=settings.leader_retry_seconds,
                on_elected=self._start_polling,
                on_deposed=self._stop_polling,
            )
        return routes

    async def _start_polling(self) -> None:
        if self._x is not None:
            self._x.start()
        if self._bluesky is not None:
            self._bluesky.start()

    async def _stop_polling(self) -> None:
        if self._x is not None:
            await self._x.stop()
        if self._bluesky is not None:
            await self._bluesky.stop()

    async def start(self) -> None:
        """Start the scheduler's jobs (worker), serve the web app, poll X and Bluesky (listener, as leader)."""
        if self._service is None:
            await self.initialize()
        if self.works:
            self.scheduler.start()
        if self._runner is not None:
            site = web.TCPSite(self._runner, self.settings.host, self.settings.port)
            await site.start()
        if self.leadership is not None:
            await self.leadership.start()
        log.info(
            "restock_bot_started",
            role=self.role,
            url=self.url,
            database=self.service.database.engine.url.render_as_string(hide_password=True),
            x_modes=[loop.name for loop in self._x.loops] if self._x else [],
            bluesky=self._bluesky is not None,
            leader=self.leadership.is_leader if self.leadership else None,
        )

    async def stop(self) -> None:
        """Stop taking posts (X, Bluesky, then HTTP) while running jobs finish, both within SHUTDOWN_SECONDS (jobs
        still running then are cancelled and their claimed rows handed back), then close the database and sessions."""
        if self.leadership is not None:
            await self.leadership.stop()  # a leader stops its pollers and hands the lock back
            self.leadership = None
        else:
            await self._stop_polling()
        await asyncio.gather(self._stop_serving(), self._stop_jobs())
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

    async def _stop_serving(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()  # open requests get up to SHUTDOWN_SECONDS
            self._runner = None

    async def _stop_jobs(self) -> None:
        if self._scheduler is not None:
            await self._scheduler.stop(grace=SHUTDOWN_SECONDS)

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


def _triage_from(settings: Settings) -> Triager:
    from restock_bot.triage.decide import Triage

    return Triage.from_files(settings.stores_csv, settings.products_csv)


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
