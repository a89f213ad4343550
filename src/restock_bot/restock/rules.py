"""What the flows need besides the database: stores, each store's ticket policy, gift and priority policy,
the distributors' contacts and how to sign action links."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from restock_bot.config import DigestSettings, DistributorSettings, Settings, reveal
from restock_bot.gifts.abuse import AbusePolicy
from restock_bot.gifts.eligibility import GiftPolicy
from restock_bot.restock.policy import PolicyBook
from restock_bot.retailers import Store, StoreRef
from restock_bot.tickets.caps import ReportCaps
from restock_bot.tickets.links import action_links
from restock_bot.tickets.models import Ticket
from restock_bot.tickets.policy import TicketPolicy
from restock_bot.tickets.priority import PriorityPolicy


@dataclass(frozen=True, slots=True)
class Rules:
    """The settings the flows act on, resolved once."""

    stores: Mapping[str, Store | StoreRef]
    policies: PolicyBook = field(default_factory=lambda: PolicyBook(Settings()))
    gift_policy: GiftPolicy = field(default_factory=GiftPolicy)
    caps: ReportCaps = field(default_factory=ReportCaps)
    priority: PriorityPolicy = field(default_factory=PriorityPolicy)
    distributors: Mapping[str, DistributorSettings] = field(default_factory=dict)
    email: bool = False  # an SMTP server is configured: emails are queued
    link_secret: str | None = None  # None: notifications carry no action links
    link_hours: float = 72.0
    public_url: str = "http://127.0.0.1:8080"
    digest: DigestSettings = field(default_factory=DigestSettings)

    @classmethod
    def from_settings(cls, settings: Settings, stores: Mapping[str, Store | StoreRef]) -> Rules:
        p, a = settings.priority, settings.abuse
        abuse = AbusePolicy(a.fresh_account_days, a.burst_accounts, a.burst_window_hours, a.far_km, a.usual_min_reports)
        return cls(
            stores=stores,
            policies=PolicyBook(settings),
            gift_policy=GiftPolicy(settings.gift_cooldown_days, settings.gift_max_per_author_day, abuse),
            caps=ReportCaps(a.tickets_per_reporter_day, a.tickets_per_store, a.store_window_hours),
            priority=PriorityPolicy(p.reporter_weight, p.repeat_weight, p.repeat_window_days),
            distributors=settings.distributors,
            email=settings.email.enabled,
            link_secret=reveal(settings.action_links.secret),
            link_hours=settings.action_links.valid_hours,
            public_url=settings.public_url,
            digest=settings.digest,
        )

    def policy_for(self, ticket: Ticket) -> TicketPolicy:
        """The policy of the ticket's store and distributor."""
        return self.policies.for_store(self.stores.get(ticket.store_id), ticket.distributor_id)

    def policy_at(self, store: Store | StoreRef) -> TicketPolicy:
        return self.policies.for_store(store, store.distributor_id)

    def digest_timezone(self, distributor_id: str) -> str:
        """The local time zone of the distributor's digests (policy: per distributor or region)."""
        return self.policies.digest_timezone(distributor_id, self.stores)

    def store_label(self, store_id: str) -> str:
        store = self.stores.get(store_id)
        return store.label if store else store_id

    def distributor_name(self, distributor_id: str) -> str:
        configured = self.distributors.get(distributor_id)
        return configured.name if configured and configured.name else distributor_id

    def links(
        self, ticket: Ticket, actions: Iterable[str], *, recipient: str, reference: object, now: datetime
    ) -> dict[str, str]:
        """Signed action links for `recipient`, or none when no link secret is configured."""
        if not self.link_secret:
            return {}
        expires = now + timedelta(hours=self.link_hours)
        return action_links(
            self.link_secret,
            self.public_url,
            ticket,
            actions,
            recipient=recipient,
            reference=reference,
            expires_at=expires,
        )
