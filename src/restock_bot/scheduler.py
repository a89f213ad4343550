"""APScheduler jobs that drive the restock service: the inbox worker, the SLA sweep, outbox delivery and
the distributors' digests (cron jobs at `digest.times`).

The SLA sweep runs every `sla_sweep_seconds` as a safety net, and besides at the exact time the next
warning or escalation falls due: after each sweep and each inbox run that took posts a one-shot job
(`sla-wake`) is set for the soonest timer stored in the tickets, so an escalation is recorded within the
sweep's own time of its due time however long the periodic interval is.

The jobs hold no state of their own: every timer lives in the database, so a restart only has to start
them again (each runs once at start-up to catch up). While the database is away the jobs pause and try again
with growing waits (storage/outage.py); what a stopped or failed run had claimed goes back to the queue."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

import structlog
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger

from restock_bot.clock import AcceleratedClock, Clock, SystemClock
from restock_bot.config import Settings
from restock_bot.restock.policy import PolicyBook
from restock_bot.restock.service import InboxRun, RestockService
from restock_bot.storage.outage import DatabaseOutage, is_database_unavailable

log = structlog.get_logger(__name__)

INBOX_JOB = "inbox"
SLA_JOB = "sla-sweep"
DELIVERY_JOB = "delivery"
DIGEST_JOB = "digest"
SLA_WAKE_JOB = "sla-wake"
ARMED_BY = frozenset({INBOX_JOB, SLA_JOB, SLA_WAKE_JOB})  # runs that may move the soonest SLA timer


def wall_time_of(clock: Clock) -> Callable[[datetime], datetime]:
    """How to turn a time on the service's clock into the wall-clock time APScheduler waits for."""
    if isinstance(clock, SystemClock):
        return lambda at: at
    if isinstance(clock, AcceleratedClock):
        return lambda at: datetime.now(UTC) + timedelta(seconds=clock.wall_seconds_until(at))
    return lambda at: datetime.now(UTC) + max(timedelta(0), at - clock.now())


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
        wall_time: Callable[[datetime], datetime] | None = None,
    ) -> None:
        self.service = service
        self.wall_time = wall_time or wall_time_of(service.clock)
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
            SLA_WAKE_JOB: service.sweep_sla,
        }
        self.digest_times = list(settings.digest.times) if digest_wanted(settings) else []
        self.digest_timezone = settings.digest.timezone
        # a cron job per digest time in each time zone the distributors' digests follow (policy `timezone`)
        book = PolicyBook(settings)
        self.digest_zones = sorted({book.digest_timezone(d, service.rules.stores) for d in settings.distributors})
        for zone in self.digest_zones:
            self._work[self._digest_work(zone)] = partial(service.send_digests, zone=zone)

        self.outage = DatabaseOutage()
        self._in_flight: dict[asyncio.Task[Any], str] = {}

    def _guarded(self, name: str) -> Callable[[], Awaitable[None]]:
        """The job for `name`: logs a failure (the next run tries again), waits out a lost database, hands back
        what an earlier run left claimed, and is awaited by `stop()`."""
        work = self._work[name]

        async def job() -> None:
            task = asyncio.current_task()
            assert task is not None  # APScheduler runs coroutine jobs as tasks
            if not self.outage.due():
                return  # the database is away: this run waits for the next try
            self._in_flight[task] = name
            began = self.service.clock.now()
            try:
                await self._hand_back_claims()
                result = await work()
            except Exception as exc:
                if is_database_unavailable(exc):
                    self.outage.failed(name, exc)
                else:
                    log.exception("job failed", job=name)
            else:
                self.outage.recovered(name)
                log.debug("job done", job=name, result=repr(result))
                if name in ARMED_BY and not (isinstance(result, InboxRun) and result.processed == 0):
                    await self._arm_quietly(began)  # an inbox run that opened nothing moved no timer
            finally:
                self._in_flight.pop(task, None)

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
        for zone in self.digest_zones if self.digest_times else []:
            for at in self.digest_times:
                job_id = self._digest_work(zone) + f"-{at:%H:%M}"
                self.scheduler.add_job(
                    self._guarded(self._digest_work(zone)),
                    CronTrigger(hour=at.hour, minute=at.minute, timezone=zone),
                    id=job_id,
                    name=job_id.replace("-", " ", 1),
                    replace_existing=True,
                    max_instances=1,
                    coalesce=True,
                    misfire_grace_time=3600,  # a digest up to an hour late still goes out (once per digest time)
                )
        self.scheduler.start()

    def _digest_work(self, zone: str) -> str:
        """The digest jobs' name for the distributors in `zone` (the plain name for digest.timezone)."""
        return DIGEST_JOB if zone == self.digest_timezone else f"{DIGEST_JOB}-{zone}"

    async def arm_sla_wake(self, after: datetime | None = None) -> datetime | None:
        """Set the one-shot sweep for the soonest stored SLA timer later than `after` (the start of the run that
        arms it: a timer a sweep left behind, e.g. a ticket whose sweep failed, is the periodic sweep's), or
        right away when it is already due; replaces any earlier one. The wall-clock time it runs at, or None."""
        due = await self.service.next_sla_due(after)
        if self.scheduler.get_job(SLA_WAKE_JOB):
            self.scheduler.remove_job(SLA_WAKE_JOB)
        if due is None:
            return None
        when = self.wall_time(due) if due > self.service.clock.now() else datetime.now(UTC)
        self.scheduler.add_job(
            self._guarded(SLA_WAKE_JOB),
            "date",
            run_date=when,
            id=SLA_WAKE_JOB,
            name=SLA_WAKE_JOB,
            max_instances=1,
            misfire_grace_time=None,
        )
        return when

    async def _arm_quietly(self, after: datetime) -> None:
        try:
            await self.arm_sla_wake(after)
        except Exception as exc:  # the periodic sweep still runs: a missed wake-up only costs lateness
            log.warning("sla wake-up not set", error=repr(exc))

    def wake(self, job_id: str = INBOX_JOB) -> None:
        """Run a job now instead of at its next interval (e.g. the inbox right after a post arrives)."""
        self.scheduler.modify_job(job_id, next_run_time=datetime.now(UTC))

    async def _hand_back_claims(self) -> None:
        """Give back to the queue the rows a stopped or failed run left claimed."""
        if handed := await self.service.unfinished.hand_back(self.service.database):
            log.info("claims handed back", rows=handed)

    async def stop(self, grace: float | None = None) -> None:
        """Stop scheduling new runs and let the jobs in flight finish; after `grace` seconds (None: no limit)
        cancel the rest, then hand back every row they had claimed and not finished, and shut down."""
        if not self.scheduler.running:
            return
        self.scheduler.pause()
        await asyncio.sleep(0)  # let runs already handed to the loop begin, so they are awaited below
        if self._in_flight:
            _, late = await asyncio.wait(list(self._in_flight), timeout=grace)
            if late:
                log.warning("jobs cancelled at shutdown", jobs=sorted(self._in_flight.get(t, "?") for t in late))
                for task in late:
                    task.cancel()
                await asyncio.gather(*late, return_exceptions=True)
        self.scheduler.shutdown(wait=False)
        await asyncio.sleep(0)  # AsyncIOScheduler applies the shutdown on the loop's next turn
        try:
            await self._hand_back_claims()
        except Exception as exc:  # the database is away: the claims go stale and are taken again later
            log.warning("claims not handed back", rows=len(self.service.unfinished), error=repr(exc))
