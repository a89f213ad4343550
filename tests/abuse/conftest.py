"""Fixtures for the abuse and personal-data scenarios: stores in Mumbai and Delhi with coordinates,
distributors with webhooks and email and a mailer (the service of tests/conftest.py is built of them), and a
helper that files one report through the real inbox."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import SQLModel, col, func, select

from restock_bot.clock import FixedClock
from restock_bot.config import AbuseSettings, DistributorSettings, EmailSettings, Settings
from restock_bot.post import Author, Post
from restock_bot.restock import RestockService
from restock_bot.retailers import Store
from restock_bot.storage.tables import HeldReportRow, ReportRow, TicketRow
from tests.fakes.restock import FakeMailer, ScriptedTriage, ticket_decision

MUMBAI = (19.0760, 72.8777)
DELHI = (28.6139, 77.2090)
MUMBAI_ORDERS = "orders@mumbai-foods.example"
DELHI_ORDERS = "orders@delhi-foods.example"
MUMBAI_TOKEN = "mumbai-portal-token"
MARKETING_TOKEN = "marketing-desk-token"


def _store(store_id: str, name: str, city: str, at: tuple[float, float], distributor_id: str) -> Store:
    return Store(
        store_id=store_id, name=name, chain="", aliases=(), handle="", address="", locality=name, city=city,
        state="", country="IN", postcode="", lat=at[0], lon=at[1], distributor_id=distributor_id,
    )  # fmt: skip


def _stores() -> dict[str, Store]:
    mumbai = {
        f"M{i:02d}": _store(
            f"M{i:02d}", f"Kirana {i}", "Mumbai", (MUMBAI[0] + 0.004 * i, MUMBAI[1] + 0.002 * i), "dist-mum"
        )
        for i in range(30)
    }
    delhi = {f"D{i}": _store(f"D{i}", f"Bazaar {i}", "Delhi", DELHI, "dist-del") for i in (1, 2)}
    return mumbai | delhi


STORES = _stores()

FileReport = Callable[..., Awaitable[None]]


@pytest.fixture
def mailer() -> FakeMailer:
    return FakeMailer()


@pytest.fixture
def stores() -> dict[str, Store]:
    return STORES


@pytest.fixture
def abuse() -> AbuseSettings:
    return AbuseSettings()


@pytest.fixture
def settings(abuse: AbuseSettings, db_url: str) -> Settings:
    return Settings(
        database_url=db_url,
        distributors={
            "dist-mum": DistributorSettings(name="Mumbai Foods", email=MUMBAI_ORDERS, portal_token=MUMBAI_TOKEN),
            "dist-del": DistributorSettings(name="Delhi Foods", email=DELHI_ORDERS),
        },
        email=EmailSettings(host="127.0.0.1"),
        marketing_token=MARKETING_TOKEN,
        abuse=abuse,
    )


def a_post(post_id: str, author: str, *, at: Any, author_id: str | None = None, text: str = "") -> Post:
    return Post(
        id=post_id,
        text=text or f"no Munchu at the store ({post_id})",
        author=Author(author_id or author, author),
        created_at=at,
        channel="x",
    )


@pytest.fixture
def file_report(service: RestockService, triage: ScriptedTriage) -> FileReport:
    """`author` posts a stock-out at `store_id` now; triage reads it as a ticket; the inbox processes it."""

    async def file(post_id: str, author: str, store_id: str, sku: str = "MUN-50", author_id: str | None = None) -> None:
        triage.will(ticket_decision(post_id, store_id=store_id, sku=sku))
        assert await service.accept(a_post(post_id, author, at=service.clock.now(), author_id=author_id))
        run = await service.process_pending()
        assert (run.processed, run.failed) == (1, 0)

    return file


async def flood_in_one_batch(service: RestockService, triage: ScriptedTriage, clock: FixedClock) -> None:
    """One account reports 50 stock-outs about 30 stores over an hour, all processed in one inbox batch: five
    tickets open (the reporter cap), ten reports join them, forty are held."""
    for i in range(50):
        triage.will(ticket_decision(f"flood-{i}", store_id=f"M{i % 30:02d}"))
        assert await service.accept(a_post(f"flood-{i}", "flooder", at=clock.now()))
        clock.advance(timedelta(seconds=72))

    run = await service.process_pending()

    assert (run.processed, run.failed) == (50, 0)
    assert await count(service, TicketRow) == 5
    assert await count(service, ReportRow) == 10 and await count(service, HeldReportRow) == 40


async def count(service: RestockService, model: type[SQLModel], *where: Any) -> int:
    async with service.database.session() as session:
        return int((await session.exec(select(func.count()).select_from(model).where(*where))).one())


async def all_rows(service: RestockService, model: type[SQLModel], *where: Any) -> list[Any]:
    async with service.database.session() as session:
        return list((await session.exec(select(model).where(*where).order_by(col(model.id)))).all())  # type: ignore[attr-defined]


async def restock_all(service: RestockService) -> None:
    for ticket in await all_rows(service, TicketRow):
        await service.mark_restocked(ticket.id, who="distributor desk", why="delivered")


def minutes(n: float) -> timedelta:
    return timedelta(minutes=n)
