"""The README documents every operations setting, operator command and metric (and the architecture page
has its picture): adding one without its line fails here."""

from __future__ import annotations

from pathlib import Path

import typer.main

from restock_bot.cli import app
from restock_bot.monitoring.metrics import BotMetrics

ROOT = Path(__file__).parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")
OPERATIONS_SETTINGS = ("database_schema", "auto_migrate", "role", "leader_retry_seconds", "claim_stale_seconds")
OPERATOR_GROUPS = ("db", "tickets", "outbox", "reporters")


def test_every_operations_setting_is_in_the_configuration_table() -> None:
    table = README.split("\n## Configuration\n", 1)[1]
    for name in OPERATIONS_SETTINGS:
        assert f"| `{name}` |" in table, name


def test_every_operator_command_is_documented() -> None:
    root = typer.main.get_command(app)
    commands = root.commands  # type: ignore[attr-defined]
    for group in OPERATOR_GROUPS:
        for name in commands[group].commands:
            assert f"{group} {name}" in README, f"restock-bot {group} {name}"
    assert "restock-bot replay FILE" in README and "restock-bot stores geocode" in README
    assert "--role listener" in README


def test_every_metric_is_in_the_metrics_table() -> None:
    table = README.split("\n### Metrics, health and logs\n", 1)[1].split("\n### ", 1)[0]
    for family in BotMetrics("all").registry.collect():
        name = f"{family.name}_total" if family.type == "counter" else family.name
        assert f"`{name}" in table, name


def test_the_architecture_page_draws_the_data_flow() -> None:
    page = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    assert "```mermaid" in page and "flowchart" in page
    assert "CHANGELOG" not in page and (ROOT / "CHANGELOG.md").is_file()
