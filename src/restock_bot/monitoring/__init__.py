"""What operators watch: /metrics (Prometheus), /healthz (alive: the database answers) and /readyz (ready
for traffic: database reachable, schema at head; with this process's role and leader state)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from aiohttp import web
from sqlalchemy.exc import SQLAlchemyError

from restock_bot.monitoring.metrics import CONTENT_TYPE, BotMetrics, TimedTriage, XUsage, stats_fresh
from restock_bot.restock.service import RestockService
from restock_bot.storage.schema import SchemaError, schema_version
from restock_bot.storage.stats import read_stats

__all__ = ["BotMetrics", "Monitoring", "TimedTriage"]

METRICS_PATH = "/metrics"
READY_PATH = "/readyz"
HEALTH_PATH = "/healthz"
STATS_SECONDS = 5.0  # scrapes closer together than this share one read of the database counts


class Monitoring:
    """The operators' routes of one process; `leader()` is None where this process elects no leader."""

    def __init__(
        self,
        service: RestockService,
        metrics: BotMetrics,
        *,
        role: str,
        leader: Callable[[], bool | None] = lambda: None,
        x_usage: XUsage | None = None,
    ) -> None:
        self.service = service
        self.metrics = metrics
        self.role = role
        self.leader = leader
        self.x_usage = x_usage
        self._stats_at: datetime | None = None

    def routes(self, *, health: bool = False) -> list[web.RouteDef]:
        """/metrics and /readyz (and /healthz when the app has none of its own)."""
        routes = [web.get(METRICS_PATH, self.metrics_page), web.get(READY_PATH, self.ready_page)]
        return [*routes, web.get(HEALTH_PATH, self.health_page)] if health else routes

    async def metrics_page(self, _request: web.Request) -> web.Response:
        now = datetime.now(UTC)  # scrape bookkeeping runs on the wall clock, like Prometheus itself
        if not stats_fresh(self._stats_at, now, STATS_SECONDS):
            try:
                async with self.service.database.session() as session:
                    self.metrics.show_stats(await read_stats(session, self.service.clock.now()))
                self._stats_at = now
            except (SQLAlchemyError, OSError) as exc:  # the counters of this process are still worth serving
                self.metrics.show_stats_failed(str(exc))
        if self.x_usage is not None:
            self.metrics.show_x_usage(self.x_usage())
        self.metrics.leader.set(1 if self.leader() else 0)
        return web.Response(body=self.metrics.render(), headers={"Content-Type": CONTENT_TYPE})

    async def readiness(self) -> tuple[bool, dict[str, Any]]:
        """Whether this process should get traffic, and why (the body of /readyz)."""
        body: dict[str, Any] = {"role": self.role, "leader": self.leader()}
        try:
            version = await schema_version(self.service.database)
        except (SQLAlchemyError, OSError, SchemaError) as exc:
            body.update(status="unavailable", database=f"unreachable: {exc}")
            return False, body
        body.update(database="ok", schema={"current": version.current, "head": version.head})
        if not version.at_head:
            body.update(status="unavailable", reason="schema is not at head: run `restock-bot db upgrade`")
            return False, body
        body["status"] = "ready"
        return True, body

    async def ready_page(self, _request: web.Request) -> web.Response:
        ready, body = await self.readiness()
        return web.json_response(body, status=200 if ready else 503)

    async def health_page(self, _request: web.Request) -> web.Response:
        """200 when the database answers, 503 when it does not (the same answer as the web app's)."""
        try:
            inbox = await self.service.inbox_counts()
        except (SQLAlchemyError, OSError) as exc:
            return web.json_response({"status": "unavailable", "error": f"database: {exc}"}, status=503)
        return web.json_response({"status": "ok", "inbox": inbox})
