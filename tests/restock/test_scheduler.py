"""The scheduler drives the service: jobs built from settings, woken on demand, started and stopped."""

from __future__ import annotations

import asyncio

from apscheduler.events import EVENT_JOB_EXECUTED, JobExecutionEvent

from restock_bot.config import DistributorSettings, Settings
from restock_bot.restock import RestockService
from restock_bot.scheduler import DELIVERY_JOB, DIGEST_JOB, INBOX_JOB, SLA_JOB, RestockScheduler
from tests.fakes.restock import FakeChannel, ScriptedTriage, post, ticket_decision


async def test_jobs_come_from_settings_and_stop_cleanly(service: RestockService) -> None:
    runner = RestockScheduler(service, Settings(sla_sweep_seconds=30), inbox_seconds=1, delivery_seconds=3)
    runner.start()
    jobs = {job.id: job.trigger.interval.total_seconds() for job in runner.scheduler.get_jobs()}
    assert jobs == {INBOX_JOB: 1, SLA_JOB: 30, DELIVERY_JOB: 3}
    await runner.stop()
    assert not runner.running


async def test_started_scheduler_processes_the_inbox_and_delivers(
    service: RestockService, triage: ScriptedTriage, channel: FakeChannel
) -> None:
    triage.will(ticket_decision("p1"))
    await service.accept(post("p1"))
    runner = RestockScheduler(service, Settings(sla_sweep_seconds=3600), inbox_seconds=3600, delivery_seconds=3600)
    done: dict[str, asyncio.Event] = {INBOX_JOB: asyncio.Event(), DELIVERY_JOB: asyncio.Event()}

    def finished(event: JobExecutionEvent) -> None:
        if event.job_id in done:
            done[event.job_id].set()

    runner.scheduler.add_listener(finished, EVENT_JOB_EXECUTED)
    runner.start()  # each job runs once at start-up
    await asyncio.wait_for(done[INBOX_JOB].wait(), timeout=10)
    await runner.stop()
    assert (await service.board_counts()).open == 1
    assert (await service.inbox_counts())["done"] == 1


async def test_digests_are_cron_jobs_at_the_configured_times(service: RestockService) -> None:
    settings = Settings(
        distributors={"dist-north": DistributorSettings(webhook_url="http://north.example/hook")},
        digest={"times": ["08:30", "17:00"], "timezone": "Asia/Kolkata"},
    )
    runner = RestockScheduler(service, settings)
    runner.start()
    digests = [job for job in runner.scheduler.get_jobs() if job.id.startswith(DIGEST_JOB)]
    crons = {job.id: str(job.trigger) for job in digests}
    zones = {str(job.trigger.timezone) for job in digests}
    await runner.stop()
    assert zones == {"Asia/Kolkata"}
    assert crons == {
        "digest-08:30": "cron[hour='8', minute='30']",
        "digest-17:00": "cron[hour='17', minute='0']",
    }


async def test_no_digest_jobs_when_no_distributor_can_receive_one(service: RestockService) -> None:
    runner = RestockScheduler(service, Settings(distributors={"dist-north": DistributorSettings(name="North")}))
    assert runner.digest_times == []
