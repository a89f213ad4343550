"""Fixtures for the wiring tests: settings that read no outside config and a fresh SQLite file."""

from __future__ import annotations

import os
from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def no_outside_config(monkeypatch: pytest.MonkeyPatch) -> None:
    """Settings come from the test alone, never from a RESTOCK_BOT_* variable of the machine."""
    for name in list(os.environ):
        if name.startswith("RESTOCK_BOT_"):
            monkeypatch.delenv(name)


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'restock.db'}"


def clean_env() -> dict[str, str]:
    """The environment for a `restock-bot` subprocess, without any RESTOCK_BOT_* setting."""
    return {k: v for k, v in os.environ.items() if not k.startswith("RESTOCK_BOT_")}
