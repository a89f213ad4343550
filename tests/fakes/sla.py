"""Many open tickets at once, written in bulk, and the SLA events their deadlines call for (SLA tests, bench)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, replace
from datetime import datetime, timedelta

from sqlalchemy import insert
from sqlmodel import col, select

from restock_bot.restock.rules import Rules
from restock_bot.retailers import Store, StoreRef
from restock_bot.storage.database import Database
from restock_bot.storage.tables import TicketRow
from restock_bot.tickets import lifecycle, sla
from restock_bot.tickets.models import Ticket


def _row(ticket: Ticket, rules: Rules) -> dict[str, object]:
    policy = rules.policy_for(ticket)
    values = asdict(ticket)
    values.pop("id")
    values["state"] = ticket.state.value
    values["key"] = values["open_key"] = ticket.key
    values["sla_due_at"] = sla.next_due_at(ticket, (), ticket.opened_at, policy.ladder_names, policy.sla)
    return values


def new_tickets(
    stores: Mapping[str, Store | StoreRef],
    rules: Rules,
    count: int,
    first: datetime,
    spread: timedelta,
    *,
    numbers: range | None = None,
) -> list[Ticket]:
    """`count` tickets, one per product, first reported evenly over `spread` from `first` (only tickets
    `numbers` of them when given, to make many in parts)."""
    listed = list(stores.values())
    made = []
    for n in numbers if numbers is not None else range(count):
        store = listed[n % len(listed)]
        at = first + spread * (n / max(count, 1))
        change = lifecycle.open_ticket(
            store_id=store.store_id,
            distributor_id=store.distributor_id,
            sku=f"SKU-{n:07d}",
            brand=None,
            reporter=f"x:reporter-{n % 997}",
            report_ref=f"x/{n}",
            reported_at=at,
            at=at,
            policy=rules.policy_at(store).sla,
        )
        made.append(change.ticket)
    return made


async def store_tickets(database: Database, rules: Rules, tickets: list[Ticket], chunk: int = 5000) -> list[Ticket]:
    """Insert the tickets in batches (as the bot would have left them, timers set); the stored tickets."""
    table = TicketRow.__table__  # type: ignore[attr-defined]
    ids: dict[str, int] = {}
    for start in range(0, len(tickets), chunk):
        part = tickets[start : start + chunk]
        async with database.session() as session, session.begin():
            await session.execute(insert(table), [_row(t, rules) for t in part])
            keys = [t.key for t in part]
            rows = await session.exec(select(TicketRow.key, TicketRow.id).where(col(TicketRow.key).in_(keys)))
            ids.update({key: ticket_id for key, ticket_id in rows.all() if ticket_id is not None})
    return [replace(t, id=ids[t.key]) for t in tickets]


def expected_events(tickets: Iterable[Ticket], rules: Rules, until: datetime) -> dict[tuple[int, str], datetime]:
    """Every (ticket, event key) the SLA calls for by `until` if nobody acts, with when it falls due."""
    expected: dict[tuple[int, str], datetime] = {}
    for ticket in tickets:
        assert ticket.id is not None
        policy = rules.policy_for(ticket)
        for item in sla.plan(ticket, policy.ladder_names, policy.sla):
            if item.at <= until:
                expected[(ticket.id, item.key)] = item.at
    return expected
