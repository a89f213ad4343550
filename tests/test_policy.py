"""The ticket policy a brand writes in TOML: deadlines, warnings, the ladder, quiet hours, per region,
chain and distributor (plain values in, policies out)."""

from __future__ import annotations

import tomllib
from dataclasses import replace
from datetime import UTC, datetime, time, timedelta

import pytest
from pydantic import ValidationError

from restock_bot.config import DistributorSettings, EscalationTier, Settings
from restock_bot.restock.policy import PolicyBook
from restock_bot.tickets import lifecycle, sla
from restock_bot.tickets.models import EventKind, Ticket
from restock_bot.tickets.policy import QuietHours
from restock_bot.tickets.priority import PriorityPolicy, priority
from restock_bot.tickets.sla import SlaPolicy
from tests.fakes.restock import START, store
from tests.helpers import opened_ticket

T0 = START
LADDER = ("distributor", "area_manager", "regional_head", "brand_operations")


def hours(n: float) -> datetime:
    return T0 + timedelta(hours=n)


def ticket(policy: SlaPolicy) -> Ticket:
    return opened_ticket(1, policy=policy)


def test_several_warnings_before_the_deadline_each_once() -> None:
    policy = SlaPolicy(sla_hours=48, warn_before_hours=(2, 12, 24))
    t = ticket(policy)
    plan = [(d.kind, d.warning, d.at) for d in sla.plan(t, LADDER[:1], policy)]
    assert plan == [
        (EventKind.WARNED, 1, hours(24)),
        (EventKind.WARNED, 2, hours(36)),
        (EventKind.WARNED, 3, hours(46)),
        (EventKind.ESCALATED, None, hours(48)),
    ]
    first = lifecycle.warn(t, at=hours(24), reason="24 h left", number=1)
    assert [d.key for d in sla.due(t, list(first.events), hours(37), LADDER, policy)] == ["warned:2"]


def test_each_rung_waits_its_own_repeat_interval() -> None:
    policy = SlaPolicy(sla_hours=48, escalation_repeat_hours=24, tier_repeat_hours={"distributor": 4})
    escalations = [(d.tier_name, d.at) for d in sla.plan(ticket(policy), LADDER, policy) if d.tier]
    assert escalations == [
        ("distributor", hours(48)),
        ("area_manager", hours(52)),
        ("regional_head", hours(76)),
        ("brand_operations", hours(100)),
    ]


def test_today_flat_settings_are_the_defaults() -> None:
    policy = PolicyBook(Settings()).for_store(store("S1", "Sharma Kirana", "Kothrud"), "dist-north")
    assert policy.sla.sla_hours == 48 and policy.sla.warnings() == (12,)
    assert policy.ladder_names == LADDER
    assert policy.quiet_hours is None and policy.reopen_days == 7
    legacy = PolicyBook(Settings(sla_hours=24, warn_at_hours=20, escalation_repeat_hours=6))
    resolved = legacy.for_store(None, "dist-north")
    assert (resolved.sla.sla_hours, resolved.sla.warnings(), resolved.sla.repeat_after("distributor")) == (24, (4,), 6)


def test_distributor_ladder_from_the_distributor_settings_still_counts() -> None:
    settings = Settings(
        distributors={"d1": DistributorSettings(email="ops@d1.example", ladder=["distributor", "owner"])}
    )
    policy = PolicyBook(settings).for_store(None, "d1")
    assert policy.ladder_names == ("distributor", "owner")
    assert policy.rung(1) is not None and policy.rung(1).emails == ("ops@d1.example",)  # type: ignore[union-attr]
    assert policy.rung(3) is None


POLICY_TOML = """
[policy]
deadline_hours = 48
warn_before_hours = [12, 2]
repeat_hours = 24
reopen_days = 7
ladder = [
  "distributor",
  { name = "area_manager", emails = ["am-west@brand.example"], repeat_hours = 12 },
  { name = "regional_head", email = "rh@brand.example" },
  { name = "brand_operations", emails = ["ops@brand.example"] },
]
quiet_hours = { start = "21:00", end = "08:00", timezone = "Asia/Kolkata" }

[policy.regions.west]
places = ["Pune", "Mumbai", "MH"]
deadline_hours = 36

[policy.chains.freshmart]
warn_before_hours = [6]

[policy.distributors.dist-south]
deadline_hours = 72
quiet_hours = { start = "22:00", end = "07:00", timezone = "Asia/Kolkata" }
"""


def book(text: str = POLICY_TOML) -> PolicyBook:
    return PolicyBook(Settings(**tomllib.loads(text)))


def test_region_chain_and_distributor_override_field_by_field() -> None:
    policies = book()
    kirana = policies.for_store(store("S1", "Sharma Kirana", "Kothrud"), "dist-north")  # Pune: west
    assert (kirana.sla.sla_hours, kirana.sla.warnings()) == (36, (12, 2))
    assert kirana.ladder_names == LADDER
    assert kirana.rung(2).emails == ("am-west@brand.example",)  # type: ignore[union-attr]
    assert kirana.sla.repeat_after("area_manager") == 12 and kirana.sla.repeat_after("regional_head") == 24
    fresh = replace(store("S2", "FreshMart", "Baner"), chain="FreshMart")
    assert policies.for_store(fresh, "dist-north").sla.warnings() == (6,)  # chain over region
    south = policies.for_store(replace(fresh, city="Chennai"), "dist-south")
    assert (south.sla.sla_hours, south.sla.warnings()) == (72, (6,))  # distributor over chain
    assert south.quiet_hours == QuietHours(time(22), time(7), "Asia/Kolkata")
    elsewhere = policies.for_store(replace(store("S9", "Corner", "Salt Lake"), city="Kolkata", state="WB"), "dist-east")
    assert elsewhere.sla.sla_hours == 48


def test_a_typo_in_the_policy_is_refused_with_its_name() -> None:
    with pytest.raises(ValidationError, match="deadline_hour"):
        Settings(**tomllib.loads("[policy]\ndeadline_hour = 24\n"))
    with pytest.raises(ValidationError, match="unknown timezone 'Mars/Olympus'"):
        Settings(policy={"quiet_hours": {"start": "21:00", "end": "08:00", "timezone": "Mars/Olympus"}})


def test_quiet_hours_hold_notifications_until_they_end_but_never_the_clock() -> None:
    quiet = QuietHours(time(21), time(8), "Asia/Kolkata")  # UTC+5:30
    evening = datetime(2025, 3, 3, 16, 0, tzinfo=UTC)  # 21:30 in Kolkata
    assert quiet.holds(evening)
    assert quiet.release_time(evening) == datetime(2025, 3, 4, 2, 30, tzinfo=UTC)  # 08:00 next morning
    after_midnight = datetime(2025, 3, 3, 20, 0, tzinfo=UTC)  # 01:30
    assert quiet.release_time(after_midnight) == datetime(2025, 3, 4, 2, 30, tzinfo=UTC)
    daytime = datetime(2025, 3, 3, 6, 0, tzinfo=UTC)  # 11:30
    assert not quiet.holds(daytime) and quiet.release_time(daytime) == daytime
    lunch = QuietHours(time(13), time(14))
    assert lunch.release_time(datetime(2025, 3, 3, 13, 20, tzinfo=UTC)) == datetime(2025, 3, 3, 14, 0, tzinfo=UTC)


def test_priority_rises_with_distinct_reporters_and_repeat_stockouts() -> None:
    weights = PriorityPolicy(reporter_weight=1, repeat_weight=2)
    assert priority(1, 0, weights) == 1
    assert priority(3, 0, weights) == 3
    assert priority(1, 2, weights) == 5
    assert priority(3, 2, weights) > priority(3, 1, weights) > priority(3, 0, weights)


def test_ladder_rungs_may_be_written_as_names() -> None:
    tiers = Settings(policy={"ladder": ["distributor", {"name": "owner", "email": "o@x.example"}]}).policy.ladder
    assert tiers == [EscalationTier(name="distributor"), EscalationTier(name="owner", email="o@x.example")]
