"""The README's policy, email and webhook examples are what the code reads and sends."""

from __future__ import annotations

import json
import re
import tomllib
from datetime import UTC, datetime
from pathlib import Path

from restock_bot.config import Settings
from restock_bot.restock.policy import PolicyBook
from restock_bot.tickets.messages import distributor_event
from restock_bot.tickets.models import EventKind, Ticket, TicketEvent, TicketState

README = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")


def block(heading: str, language: str) -> str:
    """The first fenced block in `language` under `heading`."""
    section = README.split(f"\n{heading}\n", 1)[1]
    found = re.search(rf"```{language}\n(.*?)```", section, re.S)
    assert found, f"no {language} block under {heading}"
    return found.group(1)


def test_the_policy_example_loads_and_resolves() -> None:
    settings = Settings(**tomllib.loads(block("### The policy file", "toml")))
    policy = PolicyBook(settings).for_store(None, "dist-south")
    assert policy.sla.sla_hours == 72 and policy.sla.warnings() == (12, 2)
    assert policy.ladder_names == ("distributor", "area_manager", "regional_head", "brand_operations")


def test_the_policy_example_gives_a_rung_webhook_and_digest_time_zones() -> None:
    settings = Settings(**tomllib.loads(block("### The policy file", "toml")))
    book = PolicyBook(settings)
    rung = book.for_store(None, "dist-south").rung(3)
    assert rung is not None and rung.webhook_url == "https://ops.brand.example/rh"
    assert book.digest_timezone("dist-south", {}) == "Asia/Kolkata"  # [policy] timezone


def test_the_email_and_digest_example_loads() -> None:
    settings = Settings(**tomllib.loads(block("### Email and digests", "toml")))
    assert settings.email.enabled and settings.distributors["dist-north"].email == "desk@north.example"
    assert [t.isoformat() for t in settings.digest.times] == ["08:00:00", "17:00:00"]


def test_the_webhook_example_has_the_fields_the_bot_sends() -> None:
    documented = json.loads(block("### Distributor webhook format", "json").replace("…", ""))
    at = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
    ticket = Ticket(7, "S1", "d1", "SKU", "Brand", TicketState.ESCALATED, at, at)
    event = TicketEvent(EventKind.ESCALATED, at, "sla", "late", "escalated:1", tier=1, id=42)
    sent = distributor_event(ticket, event, "Store", 3, {"acknowledge": "u"})
    assert set(documented) == set(sent)
    assert set(documented["ticket"]) == set(sent["ticket"])
