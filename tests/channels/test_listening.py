"""The background listening loop never spins: every outcome of a round waits before the next one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from restock_bot.channels.listening import Listening
from restock_bot.channels.x_errors import XBudgetSpent, XCredentialsError, XPlanError, XUnavailable
from restock_bot.clock import FixedClock
from tests.fakes.memory import RecordedSleeps

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def loop_raising(*errors: Exception | None) -> tuple[Listening, RecordedSleeps, list[int]]:
    sleeps = RecordedSleeps()
    rounds: list[int] = []
    outcomes = list(errors)

    async def round() -> None:
        rounds.append(len(rounds) + 1)
        outcome = outcomes.pop(0) if outcomes else None
        if outcome is not None:
            raise outcome

    return Listening("x-polling", round, 60.0, sleep=sleeps, clock=FixedClock(NOW)), sleeps, rounds


async def test_a_quiet_round_waits_the_poll_interval() -> None:
    loop, _, _ = loop_raising(None)

    assert await loop.one_round() == 60.0


async def test_an_unavailable_service_is_waited_for_until_its_retry_time() -> None:
    loop, _, _ = loop_raising(
        XUnavailable("rate-limited", retry_at=NOW + timedelta(minutes=15)),
        XBudgetSpent("budget spent", retry_at=NOW + timedelta(hours=3)),
        XUnavailable("5xx through every retry"),
        XUnavailable("reset already passed", retry_at=NOW - timedelta(minutes=1)),
    )

    assert [await loop.one_round() for _ in range(4)] == [900.0, 10800.0, 60.0, 60.0]


async def test_a_crashing_round_waits_too() -> None:
    loop, _, _ = loop_raising(RuntimeError("bug"))

    assert await loop.one_round() == 60.0


async def test_refused_credentials_or_plan_stop_listening_with_the_reason() -> None:
    loop, sleeps, rounds = loop_raising(None, XUnavailable("down"), XPlanError("402: check credits"))

    await loop.run()

    assert rounds == [1, 2, 3] and sleeps.waits == [60.0, 60.0]
    assert loop.stopped_because == "402: check credits"
    stopped, _, _ = loop_raising(XCredentialsError("401: check x.bearer_token"))
    assert await stopped.one_round() is None
