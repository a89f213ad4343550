"""Getting a gift to its reporter: marketing's thank-you note, the one-time claim link through which the
reporter gives a shipping address, shipping with a tracking reference, the approved batch for the
fulfilment house, and deleting the address a set number of days after shipping.

The address is personal data: only the gift desk shows it, the claim page never echoes it back, and
`delete_due_addresses` blanks it once `address_delete_at` has passed."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_
from sqlmodel import col, select, update
from sqlmodel.ext.asyncio.session import AsyncSession

from restock_bot.gifts.queue import Gift, GiftDecision, GiftState, IllegalGiftTransition, ship
from restock_bot.spreadsheets import spreadsheet_csv
from restock_bot.storage import gifts as stored_gifts
from restock_bot.storage.database import Database, insert_new
from restock_bot.storage.tables import GiftRow, GiftShippingRow

CLAIM_DAYS = 14  # how long a claim link works


class ClaimRefused(Exception):
    """A claim link that cannot be used: unknown (404), or used or expired (410)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True, slots=True)
class Shipping:
    """What the desk knows about getting one gift out."""

    gift_id: int
    thank_you_note: str = ""
    claim_open: bool = False  # a claim link is out and unused
    claim_expires_at: datetime | None = None
    claimed_at: datetime | None = None
    ship_to: str = ""
    address: str = ""
    postcode: str = ""
    phone: str = ""
    tracking: str = ""
    address_delete_at: datetime | None = None
    address_deleted_at: datetime | None = None

    @property
    def has_address(self) -> bool:
        return bool(self.address)


@dataclass(frozen=True, slots=True)
class Claim:
    """An open claim link: the gift it is for."""

    gift: Gift
    expires_at: datetime


def claim_key(token: str) -> str:
    """Only this hash of a claim link's token is stored."""
    return hashlib.sha256(token.encode()).hexdigest()


def _shipping_of(row: GiftShippingRow | None, gift_id: int, now: datetime | None = None) -> Shipping:
    if row is None:
        return Shipping(gift_id)
    expires = row.claim_expires_at
    return Shipping(
        gift_id=gift_id,
        thank_you_note=row.thank_you_note,
        claim_open=bool(row.claim_key) and row.claimed_at is None and (now is None or (expires or now) > now),
        claim_expires_at=expires,
        claimed_at=row.claimed_at,
        ship_to=row.ship_to,
        address=row.address,
        postcode=row.postcode,
        phone=row.phone,
        tracking=row.tracking,
        address_delete_at=row.address_delete_at,
        address_deleted_at=row.address_deleted_at,
    )


async def _row(session: AsyncSession, gift_id: int) -> GiftShippingRow:
    """The gift's shipping row, made on first use."""
    await insert_new(session, GiftShippingRow, {"gift_id": gift_id}, ["gift_id"])
    row = (await session.exec(select(GiftShippingRow).where(GiftShippingRow.gift_id == gift_id))).one()
    return row


async def _gift(session: AsyncSession, gift_id: int) -> Gift:
    gift = await stored_gifts.get_gift(session, gift_id)
    if gift is None:
        raise LookupError(f"gift #{gift_id} not found")
    return gift


async def decide_gift(database: Database, gift_id: int, decide: GiftDecision, now: datetime) -> Gift:
    """Apply one of marketing's decisions (gifts/queue.py) to the stored gift."""
    async with database.session() as session, session.begin():
        decided = decide(await _gift(session, gift_id), now)
        await stored_gifts.save_gift(session, decided)
        return decided


async def shipping_of(database: Database, gift_ids: Collection[int], now: datetime) -> dict[int, Shipping]:
    """The shipping record of each gift (an empty one when nothing was done yet)."""
    async with database.session() as session:
        statement = select(GiftShippingRow).where(col(GiftShippingRow.gift_id).in_(list(gift_ids)))
        rows = {r.gift_id: r for r in (await session.exec(statement)).all()}
    return {i: _shipping_of(rows.get(i), i, now) for i in gift_ids}


async def write_note(database: Database, gift_id: int, note: str) -> Shipping:
    """Marketing's hand-written thank-you note for the gift (shipped with it)."""
    async with database.session() as session, session.begin():
        gift = await _gift(session, gift_id)
        if gift.state in (GiftState.REJECTED, GiftState.SHIPPED):
            raise IllegalGiftTransition(f"gift #{gift_id} is {gift.state.value}: its note can no longer change")
        row = await _row(session, gift_id)
        row.thank_you_note = note
        session.add(row)
        return _shipping_of(row, gift_id)


async def open_claim(database: Database, gift_id: int, now: datetime, days: float = CLAIM_DAYS) -> str:
    """A new one-time claim link token for an approved gift (an earlier unused link stops working)."""
    token = secrets.token_urlsafe(24)
    async with database.session() as session, session.begin():
        gift = await _gift(session, gift_id)
        if gift.state is not GiftState.APPROVED:
            raise IllegalGiftTransition(
                f"gift #{gift_id} is {gift.state.value}: ask for an address once it is approved"
            )
        row = await _row(session, gift_id)
        row.claim_key = claim_key(token)
        row.claim_expires_at = now + timedelta(days=days)
        row.claimed_at = None
        session.add(row)
    return token


async def read_claim(database: Database, token: str, now: datetime) -> Claim:
    """The gift an open claim link is for; ClaimRefused when the link is unknown, used or expired."""
    async with database.session() as session:
        statement = select(GiftShippingRow).where(GiftShippingRow.claim_key == claim_key(token))
        row = (await session.exec(statement)).first()
        if row is None:
            raise ClaimRefused(404, "claim link: not found (ask the team for a new one)")
        if row.claimed_at is not None:
            raise ClaimRefused(410, "claim link: already used; thank you, your address has reached us")
        if row.claim_expires_at is None or row.claim_expires_at <= now:
            raise ClaimRefused(410, "claim link: expired (ask the team for a new one)")
        gift = await _gift(session, row.gift_id)
    if gift.state is not GiftState.APPROVED:
        raise ClaimRefused(410, f"claim link: the gift is {gift.state.value}")
    return Claim(gift, row.claim_expires_at)


async def give_address(
    database: Database, token: str, *, ship_to: str, address: str, postcode: str, phone: str, now: datetime
) -> Gift:
    """The reporter's shipping address through the claim link, accepted once."""
    claim = await read_claim(database, token, now)
    async with database.session() as session, session.begin():
        statement = (
            update(GiftShippingRow)
            .where(
                col(GiftShippingRow.claim_key) == claim_key(token),
                col(GiftShippingRow.claimed_at).is_(None),
                col(GiftShippingRow.claim_expires_at) > now,
            )
            .values(claimed_at=now, ship_to=ship_to, address=address, postcode=postcode, phone=phone)
        )
        result: Any = await session.exec(statement)
        if result.rowcount != 1:  # another submission won the race
            raise ClaimRefused(410, "claim link: already used")
    return claim.gift


async def ship_gift(
    database: Database, gift_id: int, *, who: str, tracking: str, now: datetime, keep_days: float
) -> Gift:
    """The gift went out with `tracking`; its address is deleted `keep_days` later (the claim link stops
    working: it is only for approved gifts)."""
    async with database.session() as session, session.begin():
        shipped = ship(await _gift(session, gift_id), who=who, at=now)
        await stored_gifts.save_gift(session, shipped)
        row = await _row(session, gift_id)
        row.tracking = tracking
        row.address_delete_at = now + timedelta(days=keep_days)
        session.add(row)
        return shipped


async def delete_due_addresses(database: Database, now: datetime) -> int:
    """Blank every shipping address whose time is up, and at once those of rejected gifts (no parcel will
    go); how many were deleted."""
    rejected = select(GiftRow.id).where(GiftRow.state == GiftState.REJECTED.value).scalar_subquery()
    given = col(GiftShippingRow.claimed_at).is_not(None)
    due = or_(col(GiftShippingRow.address_delete_at) <= now, and_(col(GiftShippingRow.gift_id).in_(rejected), given))
    async with database.session() as session, session.begin():
        statement = (
            update(GiftShippingRow)
            .where(due, col(GiftShippingRow.address_deleted_at).is_(None))
            .values(ship_to="", address="", postcode="", phone="", address_deleted_at=now)
        )
        result: Any = await session.exec(statement)
        return int(result.rowcount or 0)


BATCH_COLUMNS = (
    "gift_id",
    "reporter",
    "reporter_name",
    "ticket_id",
    "store",
    "thank_you_note",
    "ship_to",
    "address",
    "postcode",
    "phone",
    "address_received_at",
    "approved_by",
    "approved_at",
)


def batch_csv(rows: Iterable[tuple[Gift, Shipping, str]]) -> str:
    """The approved batch for the fulfilment house: gift, store, note and address; no cell runs as a formula."""
    return spreadsheet_csv(
        BATCH_COLUMNS,
        (
            (
                gift.id,
                gift.reporter,
                gift.reporter_name,
                gift.ticket_id,
                store,
                shipping.thank_you_note,
                shipping.ship_to,
                shipping.address,
                shipping.postcode,
                shipping.phone,
                shipping.claimed_at,
                gift.decided_by,
                gift.decided_at,
            )
            for gift, shipping, store in rows
        ),
    )
