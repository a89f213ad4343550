"""Hypothesis profiles for the fuzz properties: `ci` (the default, whole folder well under 90 s) and `fuzz`
(the long run of `bench/fuzz.py`, over 100,000 inputs in all). HYPOTHESIS_PROFILE picks one."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from pydantic import SecretStr

from restock_bot.clock import FixedClock
from restock_bot.config import DATA_DIR, DistributorSettings, Settings
from restock_bot.restock import RestockService
from restock_bot.retailers import Store, read_stores
from restock_bot.storage import Database
from restock_bot.triage.decide import Triage
from tests.fakes.restock import START, FakeChannel, FakeDistributor

SLOW_OK = [
    HealthCheck.too_slow,
    HealthCheck.data_too_large,
    HealthCheck.large_base_example,
    HealthCheck.function_scoped_fixture,
    HealthCheck.filter_too_much,
]

# No example database: runs leave no files behind, and `ci` is derandomized so CI is repeatable.
settings.register_profile(
    "ci", max_examples=60, deadline=None, database=None, derandomize=True, suppress_health_check=SLOW_OK
)
FUZZ_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "8000"))  # per property; bench/fuzz.py --examples sets it
settings.register_profile(
    "fuzz", max_examples=FUZZ_EXAMPLES, deadline=None, database=None, suppress_health_check=SLOW_OK, print_blob=True
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


def examples(share: float) -> int:
    """A share of the profile's max_examples, for the slower targets (a server round trip, a database)."""
    profile = settings.default
    return max(10, int((profile.max_examples if profile else 100) * share))


PORTAL_TOKEN = "mumbai-east-portal-token"
MARKETING_TOKEN = "marketing-desk-token"
SETTINGS = Settings(
    distributors={"DST-MUM-E": DistributorSettings(name="Mumbai East", portal_token=SecretStr(PORTAL_TOKEN))},
    marketing_token=SecretStr(MARKETING_TOKEN),
)


@pytest.fixture(scope="session")
def real_triage() -> Triage:
    """Triage on the bundled retailer list and catalogue, as the bot runs it."""
    return Triage.from_files(DATA_DIR / "stores.csv", DATA_DIR / "products.csv")


@pytest.fixture
async def service(tmp_path: Path, real_triage: Triage) -> AsyncIterator[RestockService]:
    """The real service on a SQLite file with the real triage; only distributors and channels are stand-ins."""
    stores = {s.store_id: s for s in read_stores(DATA_DIR / "stores.csv") if isinstance(s, Store)}
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'fuzz.db'}")
    await database.create_schema()
    svc = RestockService(
        database,
        real_triage,
        stores=stores,
        clock=FixedClock(START),
        settings=SETTINGS,
        notifier=FakeDistributor(),
        senders=[FakeChannel(), FakeChannel("webhook")],
    )
    yield svc
    await svc.close()
