"""Each distributor's twice-daily digest at 09:00 and 17:00 in its own stores' time: Pune's distributor in
India Standard Time, Seoul's in Korea Standard Time, from the policy's regions (or per distributor)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlmodel import select

from restock_bot.clock import FixedClock
from restock_bot.config import DistributorSettings, Settings
from restock_bot.restock import RestockService
from restock_bot.restock.rules import Rules
from restock_bot.scheduler import RestockScheduler
from restock_bot.storage import Database
from restock_bot.storage.tables import NotificationRow
from tests.fakes.restock import ScriptedTriage, post, store, ticket_decision

STORES = {
    "S1": store("S1", "Sharma Kirana", "Kothrud", distributor_id="dist-pune"),
    "K1": replace(store("K1", "행복마트", "역삼", distributor_id="dist-seoul"), city="Seoul", state="", country="KR"),
}
DAY = datetime(2025, 3, 3, tzinfo=UTC)


def zoned_settings(**policy: object) -> Settings:
    return Settings(
        distributors={
            "dist-pune": DistributorSettings(webhook_url="http://pune.example/hook"),
            "dist-seoul": DistributorSettings(webhook_url="http://seoul.example/hook"),
        },
        digest={"times": ["09:00", "17:00"]},  # digest.timezone stays UTC: the regions say otherwise
        policy={
            "regions": {
                "india": {"places": ["IN"], "timezone": "Asia/Kolkata"},
                "korea": {"places": ["KR"], "timezone": "Asia/Seoul"},
            },
            **policy,
        },
    )


@pytest.fixture
async def zoned(tmp_path: Path) -> AsyncIterator[tuple[RestockService, FixedClock]]:
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'digests.db'}")
    await database.create_schema()
    triage = ScriptedTriage()
    clock = FixedClock(DAY)
    service = RestockService(
        database, triage, stores=STORES, clock=clock, settings=zoned_settings(), notifier=_NoNotifier()
    )
    for post_id, store_id in (("p1", "S1"), ("p2", "K1")):
        triage.will(ticket_decision(post_id, store_id=store_id))
        await service.accept(post(post_id, at=DAY))
    await service.process_pending()
    yield service, clock
    await service.close()


class _NoNotifier:
    async def notify(self, distributor_id: str, event: dict[str, object]) -> bool:
        return True


async def digest_keys(service: RestockService) -> list[str]:
    async with service.database.session() as session:
        rows = (await session.exec(select(NotificationRow).where(NotificationRow.kind == "digest"))).all()
    return sorted(r.key or "" for r in rows)


def test_the_regions_give_each_distributor_its_time_zone() -> None:
    rules = Rules.from_settings(zoned_settings(), STORES)
    assert rules.digest_timezone("dist-pune") == "Asia/Kolkata"
    assert rules.digest_timezone("dist-seoul") == "Asia/Seoul"
    own = Rules.from_settings(zoned_settings(distributors={"dist-pune": {"timezone": "Asia/Dubai"}}), STORES)
    assert own.digest_timezone("dist-pune") == "Asia/Dubai"  # a distributor's own setting comes first
    plain = Rules.from_settings(Settings(digest={"timezone": "Asia/Tokyo"}), STORES)
    assert plain.digest_timezone("dist-pune") == "Asia/Tokyo"  # no policy time zone: digest.timezone


async def test_digest_jobs_run_at_nine_and_five_local_time_in_each_zone(
    zoned: tuple[RestockService, FixedClock],
) -> None:
    service, _ = zoned
    runner = RestockScheduler(service, zoned_settings())
    runner.start()
    jobs = {job.id: job.trigger for job in runner.scheduler.get_jobs() if job.id.startswith("digest")}
    await runner.stop()
    assert sorted(jobs) == [
        "digest-Asia/Kolkata-09:00",
        "digest-Asia/Kolkata-17:00",
        "digest-Asia/Seoul-09:00",
        "digest-Asia/Seoul-17:00",
    ]
    night_before = datetime(2025, 3, 2, 20, 0, tzinfo=UTC)
    next_utc = {job_id: trigger.get_next_fire_time(None, night_before) for job_id, trigger in jobs.items()}
    assert next_utc == {
        "digest-Asia/Seoul-09:00": datetime(2025, 3, 3, 0, 0, tzinfo=UTC),  # 09:00 KST
        "digest-Asia/Kolkata-09:00": datetime(2025, 3, 3, 3, 30, tzinfo=UTC),  # 09:00 IST
        "digest-Asia/Seoul-17:00": datetime(2025, 3, 3, 8, 0, tzinfo=UTC),  # 17:00 KST
        "digest-Asia/Kolkata-17:00": datetime(2025, 3, 3, 11, 30, tzinfo=UTC),  # 17:00 IST
    }


async def test_each_zones_job_queues_only_its_distributors_digest_for_its_local_time(
    zoned: tuple[RestockService, FixedClock],
) -> None:
    service, clock = zoned
    clock.set(datetime(2025, 3, 3, 0, 0, tzinfo=UTC))  # 09:00 in Seoul, 05:30 in Pune
    assert await service.send_digests(zone="Asia/Seoul") == 1
    assert await digest_keys(service) == ["digest:dist-seoul:2025-03-03T00:00:webhook:dist-seoul"]

    clock.set(datetime(2025, 3, 3, 3, 30, tzinfo=UTC))  # 09:00 in Pune
    assert await service.send_digests(zone="Asia/Kolkata") == 1
    assert await service.send_digests(zone="Asia/Kolkata") == 0  # once per digest time
    assert await digest_keys(service) == [
        "digest:dist-pune:2025-03-03T03:30:webhook:dist-pune",
        "digest:dist-seoul:2025-03-03T00:00:webhook:dist-seoul",
    ]


async def test_catching_up_takes_each_distributors_latest_local_digest_time(
    zoned: tuple[RestockService, FixedClock],
) -> None:
    service, clock = zoned
    clock.set(datetime(2025, 3, 3, 9, 0, tzinfo=UTC))  # 18:00 in Seoul, 14:30 in Pune
    assert await service.send_digests() == 2
    assert await digest_keys(service) == [
        "digest:dist-pune:2025-03-03T03:30:webhook:dist-pune",  # 09:00 IST
        "digest:dist-seoul:2025-03-03T08:00:webhook:dist-seoul",  # 17:00 KST
    ]
