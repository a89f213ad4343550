"""The ticket caps inside the report's transaction: a report that would open (or reopen) a ticket is held
instead when its reporter or its store is over a cap (the decision is tickets/caps.py's)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

import structlog
from sqlmodel.ext.asyncio.session import AsyncSession

from restock_bot.restock.rules import Rules
from restock_bot.retailers import Store, StoreRef
from restock_bot.storage import held_reports, tickets
from restock_bot.storage.tables import HeldReportRow, ReportRow
from restock_bot.tickets.caps import REPORTER_WINDOW, cap_hit
from restock_bot.tickets.models import ticket_key
from restock_bot.triage.decision import Decision

log = structlog.get_logger(__name__)


async def hold_if_capped(
    session: AsyncSession, store: Store | StoreRef, decision: Decision, report: ReportRow, rules: Rules, now: datetime
) -> bool:
    """True when the report was held (no ticket, no notification); False when it may be filed: it joins an
    open ticket (never capped) or its reporter and store are under the caps."""
    if await tickets.find_open_ticket(session, ticket_key(store.store_id, decision.sku, decision.brand)):
        return False
    caps = rules.caps
    hit = cap_hit(
        by_reporter=await held_reports.new_tickets_by(session, report.reporter, now - REPORTER_WINDOW),
        at_store=await held_reports.new_tickets_at(session, store.store_id, now - caps.store_window),
        store_label=store.label,
        caps=caps,
    )
    if hit is None:
        return False
    held = HeldReportRow(
        post_row_id=report.post_row_id,
        reporter=report.reporter,
        reporter_name=report.reporter_name,
        channel=report.channel,
        store_id=store.store_id,
        sku=decision.sku,
        brand=decision.brand,
        reported_at=report.reported_at,
        held_at=now,
        cap=hit.cap,
        reason=hit.reason,
    )
    await held_reports.hold_report(session, held)
    log.info("report held by a cap", reporter=report.reporter, store=store.store_id, cap=hit.cap, reason=hit.reason)
    return True


class CapBudget:
    """The caps for a batch of posts planned without the database (restock/intake.py): the new tickets each
    reporter and store already has, read once, counted on as the batch opens tickets. A post it refuses
    takes the full flow, where `hold_if_capped` holds it."""

    def __init__(self, rules: Rules) -> None:
        self.rules = rules
        self.by_reporter: dict[str, int] = {}
        self.at_store: dict[str, int] = {}

    async def read(
        self, session: AsyncSession, reporters: Collection[str], store_ids: Collection[str], now: datetime
    ) -> None:
        """The counts of these reporters and stores as stored now (again after a post took the full flow)."""
        caps = self.rules.caps
        self.by_reporter = await held_reports.new_tickets_by_each(session, set(reporters), now - REPORTER_WINDOW)
        self.at_store = await held_reports.new_tickets_at_each(session, set(store_ids), now - caps.store_window)

    def allows(self, reporter: str, store: Store | StoreRef) -> bool:
        """Whether `reporter` may open a ticket at `store` now."""
        by_reporter = self.by_reporter.get(reporter, 0)
        at_store = self.at_store.get(store.store_id, 0)
        return (
            cap_hit(by_reporter=by_reporter, at_store=at_store, store_label=store.label, caps=self.rules.caps) is None
        )

    def opened(self, reporter: str, store_id: str) -> None:
        self.by_reporter[reporter] = self.by_reporter.get(reporter, 0) + 1
        self.at_store[store_id] = self.at_store.get(store_id, 0) + 1
