"""APScheduler jobs that drive the restock service: the inbox worker, the SLA sweep, outbox delivery and
the distributors' digests (cron jobs at `digest.times`).

The jobs hold no state of their own: every timer lives in the database, so a restart only has to start
them again (each runs once at start-up to catch up)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import structlog
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger

from restock_bot.config import Settings
from restock_bot.restock.service import RestockService

log = structlog.get_logger(__name__)

INBOX_JOB = "inbox"
SLA_JOB = "sla-sweep"
DELIVERY_JOB = "delivery"
DIGEST_JOB = "digest"


def digest_wanted(settings: Settings) -> bool:
    """Whether any distributor can receive a digest (a webhook, or an email address with SMTP set up)."""
    return any(d.webhook_url or (settings.email.enabled and d.email) for d in settings.distributors.values())


class RestockScheduler:
    """Owns an AsyncIOScheduler with the three restock jobs; `start()` inside a running event loop."""

    def __init__(
        self,
        service: RestockService,
        settings: Settings,
        *,
        inbox_seconds: float = 2.0,
        delivery_seconds: float = 5.0,
        scheduler: AsyncIOScheduler | None = None,
    ) -> None:
        self.service = service
        self.scheduler = scheduler or AsyncIOScheduler(timezone=UTC)
        self.intervals = {
            INBOX_JOB: inbox_seconds,
            SLA_JOB: settings.sla_sweep_seconds,
            DELIVERY_JOB: delivery_seconds,
        }
        self._work: dict[str, Callable[[], Awaitable[Any]]] = {
            INBOX_JOB: service.process_pending,
            SLA_JOB: service.sweep_sla,
            DELIVERY_JOB: service.deliver_outboxes,
            DIGEST_JOB: service.send_digests,
        }
        self.digest_times = list(settings.digest.times) if digest_wanted(settings) else []
        self.digest_timezone = settings.digest.timezone

        self._in_flight: set[asyncio.Task[Any]] = set()

    def _guarded(self, name: str) -> Callable[[], Awaitable[None]]:
        """The job for `name`: logs a failure (the next run tries again) and is awaited by `stop()`."""
        work = self._work[name]

        async def job() -> None:
            task = asyncio.current_task()
            assert task is not None  # APScheduler runs coroutine jobs as tasks
            self._in_flight.add(task)
            try:
                result = await work()
            except Exception:
                log.exception("job failed", job=name)
            else:
                log.debug("job done", job=name, result=repr(result))
            finally:
                self._in_flight.discard(task)

        return job

    @property
    def running(self) -> bool:
        return bool(self.scheduler.running)

    def start(self) -> None:
        """Add the jobs and start the scheduler: the interval jobs first run right away (to catch up after a
        restart), the digests at their times of day."""
        start_now = datetime.now(UTC)  # APScheduler runs on the wall clock; the service reads its own Clock
        for name, seconds in self.intervals.items():
            self.scheduler.add_job(
                self._guarded(name),
                "interval",
                seconds=seconds,
                id=name,
                name=name,
                replace_existing=True,
                max_instances=1,
                coalesce=True,
                misfire_grace_time=None,
                next_run_time=start_now,
            )
        for at in self.digest_times:
            self.scheduler.add_job(
                self._guarded(DIGEST_JOB),
                CronTrigger(hour=at.hour, minute=at.minute, timezone=self.digest_timezone),
                id=f"{DIGEST_JOB}-{at:%H:%M}",
                name=f"{DIGEST_JOB} {at:%H:%M}",
                replace_existing=True,
                max_instances=1,
                coalesce=True,
                misfire_grace_time=3600,  # a digest up to an hour late still goes out (once per digest time)
            )
        self.scheduler.start()

    def wake(self, job_id: str = INBOX_JOB) -> None:
        """Run a job now instead of at its next interval (e.g. the inbox right after a post arrives)."""
        self.scheduler.modify_job(job_id, next_run_time=datetime.now(UTC))

    async def stop(self) -> None:
        """Stop scheduling new runs, let the jobs in flight finish, then shut the scheduler down."""
        if not self.scheduler.running:
            return
        self.scheduler.pause()
        await asyncio.sleep(0)  # let runs already handed to the loop begin, so they are awaited below
        while self._in_flight:
            await asyncio.gather(*list(self._in_flight), return_exceptions=True)
        self.scheduler.shutdown(wait=False)
        await asyncio.sleep(0)  # AsyncIOScheduler applies the shutdown on the loop's next turn
