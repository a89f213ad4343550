"""Fixtures for the channel tests: the fake X API, an HTTP session, and the in-memory stand-ins."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest

from tests.fakes.memory import MemoryCursors, MemorySink, RecordedSleeps
from tests.fakes.x_api import FakeXApi


@pytest.fixture
async def fake_x() -> AsyncIterator[FakeXApi]:
    async with FakeXApi() as fake:
        yield fake


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture
def sink() -> MemorySink:
    return MemorySink()


@pytest.fixture
def cursors() -> MemoryCursors:
    return MemoryCursors()


@pytest.fixture
def sleeps() -> RecordedSleeps:
    return RecordedSleeps()
