"""Every table Restock Bot keeps, in one module so migrations (Alembic) can be generated from it."""

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Dialect, Index, Text, UniqueConstraint, text
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in and out, on SQLite (which keeps no zone) as on PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: give times in UTC")
        value = value.astimezone(UTC)
        return value if dialect.name == "postgresql" else value.replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _when(nullable: bool = False, index: bool = False) -> Any:
    if nullable:
        return Field(default=None, sa_type=UTCDateTime, index=index)
    return Field(sa_type=UTCDateTime, index=index)


class PostRow(SQLModel, table=True):
    """The inbox: every post as received, then its processing status (pending, claimed, done, failed)."""

    __tablename__ = "posts"
    __table_args__ = (
        UniqueConstraint("channel", "post_id"),
        Index("ix_posts_work", "status", "available_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    channel: str
    post_id: str
    author_id: str
    author_name: str = ""
    in_reply_to: str | None = None
    payload: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    raw: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    received_at: datetime = _when()
    status: str = "pending"
    attempts: int = 0
    available_at: datetime = _when()
    claimed_at: datetime | None = _when(nullable=True)
    finished_at: datetime | None = _when(nullable=True)
    error: str | None = Field(default=None, sa_type=Text)


class DecisionRow(SQLModel, table=True):
    """What triage answered for a post, with its explanation kept for people."""

    __tablename__ = "decisions"

    id: int | None = Field(default=None, primary_key=True)
    post_row_id: int = Field(foreign_key="posts.id", unique=True)
    action: str
    store_id: str | None = None
    sku: str | None = None
    brand: str | None = None
    resolves: str | None = None
    parent_row_id: int | None = Field(default=None, foreign_key="posts.id")
    explain: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    decided_at: datetime = _when()


class TicketRow(SQLModel, table=True):
    """A restock ticket; `open_key` holds its key while active: one open ticket per key is a database fact."""

    __tablename__ = "tickets"
    # Only tickets with a timer are indexed: the SLA sweep reads the due ones, never every open ticket.
    __table_args__ = (
        Index(
            "ix_tickets_due",
            "sla_due_at",
            postgresql_where=text("sla_due_at IS NOT NULL"),
            sqlite_where=text("sla_due_at IS NOT NULL"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(index=True)
    open_key: str | None = Field(default=None, unique=True)
    store_id: str = Field(index=True)
    distributor_id: str = Field(index=True)
    sku: str | None = None
    brand: str | None = None
    state: str = Field(index=True)
    opened_at: datetime = _when()
    deadline: datetime = _when()
    acknowledged_at: datetime | None = _when(nullable=True)
    escalated_at: datetime | None = _when(nullable=True)
    restocked_at: datetime | None = _when(nullable=True)
    not_a_stockout_at: datetime | None = _when(nullable=True)
    closed_at: datetime | None = _when(nullable=True)
    warned_at: datetime | None = _when(nullable=True)
    escalation_tier: int = 0
    sla_due_at: datetime | None = _when(nullable=True)  # the next warning or escalation; None: nothing due
    cannot_supply_at: datetime | None = _when(nullable=True)
    promised_at: datetime | None = _when(nullable=True)  # the distributor's new date
    promise_approved_by: str | None = None  # set: the promised date is the deadline
    reopened_at: datetime | None = _when(nullable=True)
    reopens: int = 0  # reports soon after a restock that reopened it: counted against the distributor
    deadline_round: int = 0  # +1 per approved new date or reopening; event keys carry it
    priority: int = Field(default=0, index=True)  # distinct reporters and repeat stock-outs


class ReportRow(SQLModel, table=True):
    """A post counted as a report on a ticket, credited to its reporter."""

    __tablename__ = "reports"

    id: int | None = Field(default=None, primary_key=True)
    post_row_id: int = Field(foreign_key="posts.id", unique=True)
    ticket_id: int = Field(foreign_key="tickets.id", index=True)
    reporter: str = Field(index=True)
    reporter_name: str = ""
    channel: str
    reported_at: datetime = _when()
    via_post_row_id: int | None = Field(default=None, foreign_key="posts.id")  # the reply that named the store


class TicketEventRow(SQLModel, table=True):
    """Every change of a ticket: who, when, why; (ticket_id, key) makes each happen once."""

    __tablename__ = "ticket_events"
    __table_args__ = (UniqueConstraint("ticket_id", "key"),)

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="tickets.id", index=True)
    kind: str
    key: str
    at: datetime = _when()
    actor: str
    reason: str = Field(default="", sa_type=Text)
    tier: int | None = None
    data: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)


class ReplyRow(SQLModel, table=True):
    """The replies outbox: one reply per `key`, sent once through the post's channel."""

    __tablename__ = "replies"
    __table_args__ = (Index("ix_replies_work", "status", "available_at"),)

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(unique=True)
    kind: str
    channel: str
    to_post_row_id: int = Field(foreign_key="posts.id")
    ticket_id: int | None = Field(default=None, foreign_key="tickets.id")
    text: str = Field(sa_type=Text)
    created_at: datetime = _when()
    status: str = "pending"
    attempts: int = 0
    available_at: datetime = _when()
    claimed_at: datetime | None = _when(nullable=True)
    finished_at: datetime | None = _when(nullable=True)
    error: str | None = Field(default=None, sa_type=Text)
    reply_post_id: str | None = Field(default=None, index=True)


class NotificationRow(SQLModel, table=True):
    """The notifications outbox: distributor webhooks, emails and digests, written in the transaction that
    decides them and retried until delivered; `failed` is the dead-letter state operators see.

    `key` makes each happen once: per (ticket, event, channel, recipient), or per (distributor, digest time,
    channel, recipient)."""

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_work", "status", "available_at"),)

    id: int | None = Field(default=None, primary_key=True)
    key: str | None = Field(default=None, unique=True)
    kind: str = "event"  # event | digest
    channel: str = "webhook"  # webhook | email
    recipient: str = ""  # the distributor id (webhook) or an email address
    ticket_id: int | None = Field(default=None, foreign_key="tickets.id", index=True)
    event_id: int | None = Field(default=None, foreign_key="ticket_events.id")
    distributor_id: str = Field(index=True)
    payload: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    created_at: datetime = _when()
    status: str = "pending"
    attempts: int = 0
    available_at: datetime = _when()
    claimed_at: datetime | None = _when(nullable=True)
    finished_at: datetime | None = _when(nullable=True)
    error: str | None = Field(default=None, sa_type=Text)


class ActionLinkUseRow(SQLModel, table=True):
    """A signed action link that was used: each link's nonce acts once."""

    __tablename__ = "action_link_uses"

    id: int | None = Field(default=None, primary_key=True)
    nonce: str = Field(unique=True)
    ticket_id: int = Field(foreign_key="tickets.id", index=True)
    action: str
    used_by: str
    used_at: datetime = _when()


class GiftRow(SQLModel, table=True):
    """A thank-you gift: one per reporter and ticket."""

    __tablename__ = "gifts"
    __table_args__ = (UniqueConstraint("reporter", "ticket_id"),)

    id: int | None = Field(default=None, primary_key=True)
    reporter: str = Field(index=True)
    reporter_name: str = ""
    channel: str
    ticket_id: int = Field(foreign_key="tickets.id")
    store_id: str
    state: str = Field(index=True)
    reason: str = Field(default="", sa_type=Text)
    note: str = Field(default="", sa_type=Text)
    decided_by: str = ""
    created_at: datetime = _when()
    decided_at: datetime | None = _when(nullable=True)
    shipped_at: datetime | None = _when(nullable=True)


class ChannelCursor(SQLModel, table=True):
    """Where a channel left off (e.g. the X since_id), by key."""

    __tablename__ = "channel_cursors"

    key: str = Field(primary_key=True)
    value: str
    updated_at: datetime = _when()


class StoreRow(SQLModel, table=True):
    """A store of the retailer list (`restock-bot stores import`), upserted by store_id."""

    __tablename__ = "stores"

    store_id: str = Field(primary_key=True)
    name: str
    chain: str = ""
    aliases: list[str] = Field(default_factory=list, sa_type=JSON)
    handle: str = ""
    address: str = Field(default="", sa_type=Text)
    locality: str = ""
    city: str = Field(index=True)
    state: str = ""
    country: str
    postcode: str = ""
    lat: float | None = None
    lon: float | None = None
    distributor_id: str = Field(index=True)
    extra: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)


class WebSessionRow(SQLModel, table=True):
    """A person signed in to the web (a distributor, an area manager or marketing). The cookie holds a
    secret; only its SHA-256 is kept here. `token_tag` ties the session to the token it was opened with,
    so changing that token in the settings ends it."""

    __tablename__ = "web_sessions"

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(unique=True)
    principal: str  # "distributor:dist-north", "area_manager:west", "marketing:desk"
    token_tag: str
    created_at: datetime = _when()
    expires_at: datetime = _when(index=True)
    ended_at: datetime | None = _when(nullable=True)


class GiftShippingRow(SQLModel, table=True):
    """Getting one gift to its reporter: marketing's thank-you note, the one-time claim link (its SHA-256),
    the shipping address the reporter gave (personal data: deleted at `address_delete_at`) and the
    tracking reference."""

    __tablename__ = "gift_shipping"

    id: int | None = Field(default=None, primary_key=True)
    gift_id: int = Field(foreign_key="gifts.id", unique=True)
    thank_you_note: str = Field(default="", sa_type=Text)
    claim_key: str | None = Field(default=None, unique=True)
    claim_expires_at: datetime | None = _when(nullable=True)
    claimed_at: datetime | None = _when(nullable=True)
    ship_to: str = ""
    address: str = Field(default="", sa_type=Text)
    postcode: str = ""
    phone: str = ""
    tracking: str = ""
    address_delete_at: datetime | None = _when(nullable=True, index=True)
    address_deleted_at: datetime | None = _when(nullable=True)


class HeldReportRow(SQLModel, table=True):
    """A report the rate caps kept from opening a ticket (tickets/caps.py): recorded with the reason, no
    ticket, no distributor told; once per post."""

    __tablename__ = "held_reports"

    id: int | None = Field(default=None, primary_key=True)
    post_row_id: int = Field(foreign_key="posts.id", unique=True)
    reporter: str = Field(index=True)
    reporter_name: str = ""
    channel: str
    store_id: str = Field(index=True)
    sku: str | None = None
    brand: str | None = None
    reported_at: datetime = _when()
    held_at: datetime = _when(index=True)
    cap: str  # reporter | store
    reason: str = Field(default="", sa_type=Text)
