"""Fixtures for the wiring tests: settings that read no outside config (a fresh SQLite file is `db_url`, in
tests/conftest.py)."""

from __future__ import annotations

import pytest

from tests.helpers import forget_outside_config


@pytest.fixture(autouse=True)
def no_outside_config(monkeypatch: pytest.MonkeyPatch) -> None:
    forget_outside_config(monkeypatch)
