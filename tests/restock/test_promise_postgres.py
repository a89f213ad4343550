"""The promise's storage on PostgreSQL: reopenings, new dates, digests, links and dead letters."""

from __future__ import annotations

from datetime import timedelta

import pytest

from restock_bot.clock import FixedClock
from restock_bot.restock import RestockService
from restock_bot.storage import Database, RetryPolicy
from restock_bot.tickets import TicketState
from restock_bot.tickets.links import LinkUsed
from tests.fakes.restock import START, STORES, FakeChannel, FakeDistributor, FakeMailer, ScriptedTriage, post
from tests.fakes.restock import ticket_decision as decision
from tests.restock.test_promise_loop import promise_settings

pytestmark = pytest.mark.postgres


async def test_the_promise_on_postgres(pg: Database) -> None:
    triage, clock, distributor, mailer = ScriptedTriage(), FixedClock(START), FakeDistributor(), FakeMailer()
    service = RestockService(
        pg,
        triage,
        stores=STORES,
        clock=clock,
        settings=promise_settings(),
        notifier=distributor,
        mailer=mailer,
        senders=[FakeChannel()],
    )
    for n, who in enumerate(("asha", "ravi")):
        triage.will(decision(f"p{n}"))
        await service.accept(post(f"p{n}", who))
    await service.process_pending()
    assert [i.ticket.priority for i in await service.distributor_queue("dist-north")] == [2]

    await service.report_cannot_supply(1, "north", "strike", START + timedelta(days=4))
    approved = await service.approve_new_date(1, "Meera")
    assert approved.deadline == START + timedelta(days=4) and approved.deadline_round == 1
    assert await service.send_digests(at=START) == 2
    assert await service.send_digests(at=START) == 0

    await service.deliver_outboxes()
    token = distributor.events[0][1]["links"]["restocked"].rsplit("/", 1)[1]
    await service.act_through_link(token, "Kiran", "delivered")
    with pytest.raises(LinkUsed):
        await service.act_through_link(token, "Kiran", "delivered")
    clock.advance(timedelta(days=2))
    triage.will(decision("p9"))
    await service.accept(post("p9", "meera"))
    await service.process_pending()
    reopened = (await service.ticket_history(1)).ticket
    assert (reopened.state, reopened.reopens, reopened.deadline_round) == (TicketState.REOPENED, 1, 2)
    assert (await service.distributor_record("dist-north")).reopens == 1

    service.retry = RetryPolicy(first_delay_seconds=1, max_delay_seconds=1, max_attempts=1)
    distributor.down = True
    await service.deliver_outboxes()
    [letter] = await service.dead_letters()
    assert letter.channel == "webhook" and letter.ticket_id == 1
    assert await service.retry_dead_letter("notifications", letter.id)
