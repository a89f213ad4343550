"""Exact SLA wake-ups: besides the periodic sweep (a safety net), the scheduler sets a one-shot sweep for the
soonest timer stored in the tickets, so warnings and escalations are recorded at their due time."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from apscheduler.events import EVENT_JOB_EXECUTED, JobExecutionEvent

from restock_bot.clock import FixedClock, SystemClock
from restock_bot.config import Settings
from restock_bot.restock import RestockService, flows
from restock_bot.scheduler import SLA_JOB, SLA_WAKE_JOB, RestockScheduler
from restock_bot.storage import Database
from restock_bot.tickets.models import EventKind
from tests.fakes.restock import START, STORES, FakeDistributor, ScriptedTriage, post, ticket_decision


async def _open_ticket(service: RestockService, triage: ScriptedTriage, post_id: str, at: datetime) -> int:
    triage.will(ticket_decision(post_id))
    await service.accept(post(post_id, at=at))
    assert (await service.process_pending()).processed == 1
    [queued] = await service.distributor_queue("dist-north")
    assert queued.ticket.id is not None
    return queued.ticket.id


async def test_wake_up_is_set_for_the_exact_due_time_and_its_sweep_records_the_event(
    service: RestockService, triage: ScriptedTriage, clock: FixedClock
) -> None:
    ticket_id = await _open_ticket(service, triage, "p1", START)
    warning_at, deadline = START + timedelta(hours=36), START + timedelta(hours=48)
    runner = RestockScheduler(service, Settings(sla_sweep_seconds=3600), wall_time=lambda at: at)  # never started

    assert await runner.arm_sla_wake() == warning_at
    wake = runner.scheduler.get_job(SLA_WAKE_JOB)
    assert wake.trigger.run_date == warning_at

    clock.set(warning_at)
    await wake.func()  # what APScheduler runs at that time: the sweep, then the next wake-up is set
    history = await service.ticket_history(ticket_id)
    [warned] = [e for e in history.events if e.kind is EventKind.WARNED]
    assert warned.at == warning_at
    assert runner.scheduler.get_job(SLA_WAKE_JOB).trigger.run_date == deadline

    clock.set(deadline)
    await runner.scheduler.get_job(SLA_WAKE_JOB).func()
    history = await service.ticket_history(ticket_id)
    [escalated] = [e for e in history.events if e.kind is EventKind.ESCALATED]
    assert escalated.at == deadline and escalated.tier == 1


async def test_a_new_ticket_with_an_earlier_timer_moves_the_wake_up(
    service: RestockService, triage: ScriptedTriage, clock: FixedClock
) -> None:
    await _open_ticket(service, triage, "p1", START)
    runner = RestockScheduler(service, Settings(sla_sweep_seconds=3600), wall_time=lambda at: at)
    assert await runner.arm_sla_wake() == START + timedelta(hours=36)

    triage.will(ticket_decision("p2", store_id="S2", sku="MUN-90"))
    await service.accept(post("p2", at=START - timedelta(hours=10)))  # reported earlier, seen now
    await runner._guarded("inbox")()  # the inbox run opens the ticket and sets the wake-up again
    assert runner.scheduler.get_job(SLA_WAKE_JOB).trigger.run_date == START + timedelta(hours=26)


async def test_no_wake_up_without_timers(service: RestockService) -> None:
    runner = RestockScheduler(service, Settings(sla_sweep_seconds=3600), wall_time=lambda at: at)
    assert await runner.arm_sla_wake() is None
    assert runner.scheduler.get_job(SLA_WAKE_JOB) is None


async def test_escalation_on_the_real_clock_comes_from_the_wake_up_not_the_hourly_sweep(tmp_path: Path) -> None:
    """A 2-second SLA on the wall clock; the periodic sweep runs at start and then only after an hour."""
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'wake.db'}")
    await database.create_schema()
    settings = Settings(sla_hours=2 / 3600, warn_at_hours=2 / 3600, sla_sweep_seconds=3600)
    triage = ScriptedTriage()
    service = RestockService(
        database, triage, stores=STORES, clock=SystemClock(), settings=settings, notifier=FakeDistributor()
    )
    runner = RestockScheduler(service, settings, inbox_seconds=3600, delivery_seconds=3600)
    sweeps: list[str] = []
    woke = asyncio.Event()

    def executed(event: JobExecutionEvent) -> None:
        if event.job_id in (SLA_JOB, SLA_WAKE_JOB):
            sweeps.append(event.job_id)
        if event.job_id == SLA_WAKE_JOB:
            woke.set()

    runner.scheduler.add_listener(executed, EVENT_JOB_EXECUTED)
    triage.will(ticket_decision("p1"))
    reported = datetime.now(UTC)
    await service.accept(post("p1", at=reported))
    try:
        runner.start()  # inbox, sweep and delivery run once now; the next periodic sweep is an hour away
        await asyncio.wait_for(woke.wait(), timeout=30)  # a generous bound, not a measurement
        [queued] = await service.distributor_queue("dist-north")
        assert queued.ticket.id is not None
        events = (await service.ticket_history(queued.ticket.id)).events
    finally:
        await runner.stop()
        await service.close()
    [escalated] = [e for e in events if e.kind is EventKind.ESCALATED]
    assert escalated.at >= queued.ticket.deadline  # at its time, not before
    assert sweeps.count(SLA_JOB) == 1 and sweeps[-1] == SLA_WAKE_JOB  # the wake-up recorded it, not the sweep


async def test_a_ticket_whose_sweep_fails_does_not_hold_back_the_next_wake_up(
    service: RestockService, triage: ScriptedTriage, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken = await _open_ticket(service, triage, "p1", START)
    clock.set(START + timedelta(hours=1))
    triage.will(ticket_decision("p2", store_id="S2", sku="MUN-90"))
    await service.accept(post("p2", at=START + timedelta(hours=1)))
    await service.process_pending()
    sweep_ticket = flows.sweep_ticket

    async def failing(session, ticket, events, rules, now):  # type: ignore[no-untyped-def]
        if ticket.id == broken:
            raise RuntimeError("this ticket's sweep keeps failing")
        return await sweep_ticket(session, ticket, events, rules, now)

    monkeypatch.setattr(flows, "sweep_ticket", failing)
    runner = RestockScheduler(service, Settings(sla_sweep_seconds=3600), wall_time=lambda at: at)
    assert await runner.arm_sla_wake() == START + timedelta(hours=36)

    clock.set(START + timedelta(hours=36))
    await runner.scheduler.get_job(SLA_WAKE_JOB).func()  # ticket 1 fails and keeps its timer

    # the next wake-up is the other ticket's warning, not ticket 1's spent timer over and over
    assert runner.scheduler.get_job(SLA_WAKE_JOB).trigger.run_date == START + timedelta(hours=37)
