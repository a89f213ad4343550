"""Prometheus metrics of one Restock Bot process, served at /metrics.

Counters and the triage histogram count what this process did (Prometheus sums them over processes);
the gauges of tickets, breaches, inbox and outboxes are read from the database when scraped, so every
process reports the same totals."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

import prometheus_client
import structlog
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

from restock_bot.post import Post
from restock_bot.restock.service import Triager
from restock_bot.storage.stats import Stats
from restock_bot.triage.decision import Decision

log = structlog.get_logger(__name__)

prometheus_client.disable_created_metrics()  # the *_created series only add noise to every counter

CONTENT_TYPE = prometheus_client.CONTENT_TYPE_LATEST
TRIAGE_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)
XUsage = Callable[[], dict[str, Any]]


class BotMetrics:
    """The instruments, on a registry of their own (several bots in one test process never collide)."""

    def __init__(self, role: str) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.posts_received = Counter(
            "restock_bot_posts_received", "Posts handed to the inbox, by channel and outcome (new, duplicate)",
            ["channel", "outcome"], registry=r,
        )  # fmt: skip
        self.posts_triaged = Counter(
            "restock_bot_posts_triaged", "Posts triaged, by channel and action (ticket, clarify, ignore)",
            ["channel", "action"], registry=r,
        )  # fmt: skip
        self.triage_seconds = Histogram(
            "restock_bot_triage_seconds", "Time triage took to decide one post", buckets=TRIAGE_BUCKETS, registry=r
        )
        self.tickets = Gauge("restock_bot_tickets", "Tickets by state", ["state"], registry=r)
        self.past_deadline = Gauge(
            "restock_bot_tickets_past_deadline", "Active tickets whose deadline has passed (SLA breaches now)",
            registry=r,
        )  # fmt: skip
        self.breached = Gauge(
            "restock_bot_sla_breached_tickets", "Tickets ever escalated: their deadline passed before a restock",
            registry=r,
        )  # fmt: skip
        self.inbox = Gauge("restock_bot_inbox_posts", "Posts not yet done, by status", ["status"], registry=r)
        self.outbox = Gauge(
            "restock_bot_outbox_messages", "Replies and notifications not yet delivered, by outbox and status",
            ["outbox", "status"], registry=r,
        )  # fmt: skip
        self.dead_letters = Gauge(
            "restock_bot_outbox_dead_letters", "Messages that failed for good, waiting for an operator",
            ["outbox"], registry=r,
        )  # fmt: skip
        self.x_budget_used = Gauge(
            "restock_bot_x_budget_used", "X usage in the current budget window", ["kind"], registry=r
        )
        self.x_budget_limit = Gauge("restock_bot_x_budget_limit", "X budget per window", ["kind"], registry=r)
        self.database_up = Gauge("restock_bot_database_up", "1 when the last read of the counts worked", registry=r)
        self.leader = Gauge("restock_bot_leader", "1 when this process runs the pollers", registry=r)
        self.role = Gauge("restock_bot_role", "This process's role (the label with value 1)", ["role"], registry=r)
        self.role.labels(role).set(1)

    def received(self, post: Post, new: bool) -> None:
        self.posts_received.labels(post.channel, "new" if new else "duplicate").inc()

    def show_stats(self, stats: Stats) -> None:
        """Set the database gauges from freshly read counts."""
        self.database_up.set(1)
        for state, n in stats.tickets.items():
            self.tickets.labels(state).set(n)
        self.past_deadline.set(stats.past_deadline)
        self.breached.set(stats.breached)
        for status, n in stats.inbox.items():
            self.inbox.labels(status).set(n)
        for box, counts in stats.outbox.items():
            for status, n in counts.items():
                self.outbox.labels(box, status).set(n)
            self.dead_letters.labels(box).set(counts.get("failed", 0))

    def show_stats_failed(self, error: str) -> None:
        """The counts could not be read: the gauges keep their last values and database_up says so."""
        self.database_up.set(0)
        log.warning("metrics_counts_unavailable", error=error)

    def show_x_usage(self, usage: dict[str, Any]) -> None:
        """Set the X budget gauges from XBudget.usage()."""
        for kind, value in usage.items():
            if isinstance(value, dict) and "used" in value:
                self.x_budget_used.labels(kind).set(value["used"])
                self.x_budget_limit.labels(kind).set(value["limit"])

    def render(self) -> bytes:
        return generate_latest(self.registry)


class TimedTriage:
    """Triage that counts and times each decision, logs it with the post's id, and binds the post to the
    log context, so the ticket events its processing records name the post too."""

    def __init__(self, triage: Triager, metrics: BotMetrics) -> None:
        self._triage = triage
        self._metrics = metrics

    def decide(self, post: Post, parent: Post | None = None, earlier: Sequence[Post] = ()) -> Decision:
        started = time.perf_counter()
        decision = self._triage.decide(post, parent, earlier)
        seconds = time.perf_counter() - started
        self._metrics.triage_seconds.observe(seconds)
        self._metrics.posts_triaged.labels(post.channel, decision.action.value).inc()
        structlog.contextvars.bind_contextvars(post=f"{post.channel}/{post.id}")
        log.info(
            "post_triaged",
            action=decision.action.value,
            store=decision.store_id,
            sku=decision.sku,
            ms=round(seconds * 1000, 2),
        )
        return decision

    def __getattr__(self, name: str) -> Any:
        return getattr(self._triage, name)  # the retailer index and the rest of the wrapped triage


def stats_fresh(read_at: datetime | None, now: datetime, seconds: float) -> bool:
    """Whether counts read at `read_at` are recent enough to serve again (scrapers share one read)."""
    return read_at is not None and (now - read_at).total_seconds() < seconds
