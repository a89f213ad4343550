"""Posts through the real triage (`Triage.from_files` on small CSVs) to tickets, questions and replies."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from restock_bot.clock import FixedClock
from restock_bot.config import Settings
from restock_bot.restock import RestockService
from tests.fakes.restock import START, FakeChannel, FakeDistributor, post

STORES_CSV = """\
store_id,name,chain,aliases,handle,address,locality,city,state,country,postcode,lat,lon,distributor_id
S1,Sharma Kirana Stores,,,,"12 Paud Road, Kothrud",Kothrud,Pune,MH,IN,411038,18.5074,73.8077,dist-north
S2,Greenleaf Supermarket,Greenleaf,,,"4 Baner Road, Baner",Baner,Pune,MH,IN,411045,18.559,73.7868,dist-north
S3,Greenleaf Supermarket,Greenleaf,,,"9 ITI Road, Aundh",Aundh,Pune,MH,IN,411007,18.558,73.8075,dist-south
"""
PRODUCTS_CSV = """\
sku,brand,brand_aliases,name,aliases
MUN-50,Munchu,,Munchu Masala Chips 50g,munchu masala
"""


@pytest.fixture
async def real_service(tmp_path: Path) -> AsyncIterator[tuple[RestockService, FakeChannel]]:
    (tmp_path / "stores.csv").write_text(STORES_CSV)
    (tmp_path / "products.csv").write_text(PRODUCTS_CSV)
    settings = Settings(
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'e2e.db'}",
        stores_csv=tmp_path / "stores.csv",
        products_csv=tmp_path / "products.csv",
    )
    channel = FakeChannel()
    service = await RestockService.open(
        settings, clock=FixedClock(START), notifier=FakeDistributor(), senders=[channel]
    )
    yield service, channel
    await service.close()


async def test_clear_report_through_real_triage_opens_a_ticket(
    real_service: tuple[RestockService, FakeChannel],
) -> None:
    service, channel = real_service
    await service.accept(post("e1", "asha", "Can't find Munchu Masala Chips at Sharma Kirana Stores Kothrud #soldout"))
    await service.process_pending()
    await service.deliver_outboxes()
    [queued] = await service.distributor_queue("dist-north")
    assert queued.ticket.store_id == "S1" and queued.ticket.sku == "MUN-50"
    assert "ticket #1" in channel.sent[0][1]


async def test_which_store_question_and_answer_through_real_triage(
    real_service: tuple[RestockService, FakeChannel],
) -> None:
    service, channel = real_service
    await service.accept(post("e1", "asha", "Can't find Munchu Masala Chips at Greenleaf Supermarket #soldout"))
    await service.process_pending()
    await service.deliver_outboxes()
    assert "Which store" in channel.sent[0][1]
    await service.accept(post("e2", "asha", "the one in Baner", in_reply_to="bot-1"))
    await service.process_pending()
    [queued] = await service.distributor_queue("dist-north")
    assert queued.ticket.store_id == "S2"
    [credited] = (await service.ticket_history(queued.ticket.id or 0)).reports
    assert credited.reporter == "x:asha"


async def test_a_vague_answer_then_a_clear_one_resolves_the_original_report(
    real_service: tuple[RestockService, FakeChannel],
) -> None:
    """'the big one' names no branch, so the bot asks again; the answer to that question is read with the
    report two posts up (the thread through the stored decisions) and credits the original reporter."""
    service, channel = real_service
    await service.accept(post("e1", "asha", "Can't find Munchu Masala Chips at Greenleaf Supermarket #soldout"))
    await service.process_pending()
    await service.deliver_outboxes()
    await service.accept(post("e2", "asha", "the big one", in_reply_to="bot-1"))
    await service.process_pending()
    await service.deliver_outboxes()
    assert len(channel.sent) == 2 and "Which store" in channel.sent[1][1]
    assert await service.distributor_queue("dist-north") == []
    await service.accept(post("e3", "asha", "the one in Baner", in_reply_to="bot-2"))
    await service.process_pending()
    [queued] = await service.distributor_queue("dist-north")
    assert (queued.ticket.store_id, queued.ticket.sku) == ("S2", "MUN-50")
    [credited] = (await service.ticket_history(queued.ticket.id or 0)).reports
    assert credited.reporter == "x:asha"
