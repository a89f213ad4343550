"""Which ticket policy holds for a store: the flat settings, then `[policy]`, the store's regions, its
chain and its distributor, each level filling in only what it sets."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping
from typing import Any

from pydantic import SecretStr

from restock_bot.config import EscalationTier, PolicyOverride, Settings
from restock_bot.retailers import Store, StoreRef
from restock_bot.tickets.policy import QuietHours, TicketPolicy, Tier
from restock_bot.tickets.sla import SlaPolicy

DISTRIBUTOR_TIER = "distributor"
FIELDS = ("deadline_hours", "warn_before_hours", "repeat_hours", "ladder", "quiet_hours", "reopen_days")
DEFAULT_REOPEN_DAYS = 7.0


def _places(store: Store | StoreRef | None) -> set[str]:
    """The names a region's `places` may use for the store: its city, state and country."""
    if store is None:
        return set()
    names = (store.city, getattr(store, "state", ""), getattr(store, "country", ""))
    return {n.casefold() for n in names if n}


class PolicyBook:
    """Resolves (and remembers) the TicketPolicy of each kind of store."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._resolved: dict[tuple[str, str, tuple[str, ...]], TicketPolicy] = {}
        self._zones: dict[str, str] | None = None  # digest time zone by distributor, from the regions
        self._chains = {name.casefold(): p for name, p in settings.policy.chains.items()}
        self._regions = [
            (name, {p.casefold() for p in region.places}, region) for name, region in settings.policy.regions.items()
        ]

    def _base(self) -> dict[str, Any]:
        s = self._settings
        before = s.sla_hours - s.warn_at_hours
        return {
            "deadline_hours": s.sla_hours,
            "warn_before_hours": [before] if before > 0 else [],
            "repeat_hours": s.escalation_repeat_hours,
            "ladder": [EscalationTier(name=name) for name in s.default_ladder],
            "quiet_hours": None,
            "reopen_days": DEFAULT_REOPEN_DAYS,
        }

    @staticmethod
    def _apply(values: dict[str, Any], override: PolicyOverride | None) -> None:
        if override is None:
            return
        values.update({f: getattr(override, f) for f in FIELDS if getattr(override, f) is not None})

    def for_store(self, store: Store | StoreRef | None, distributor_id: str) -> TicketPolicy:
        """The policy of tickets at `store` (None: a store no longer listed) served by `distributor_id`."""
        chain = store.chain.casefold() if store is not None and store.chain else ""
        places = _places(store)
        regions = tuple(name for name, listed, _ in self._regions if listed & places)
        key = (distributor_id, chain, regions)
        if key not in self._resolved:
            self._resolved[key] = self._resolve(distributor_id, chain, set(regions))
        return self._resolved[key]

    def digest_timezone(self, distributor_id: str, stores: Mapping[str, Store | StoreRef]) -> str:
        """The time zone a distributor's digests follow: `[policy.distributors.<id>]`'s, else that of the region
        holding most of its stores, else `[policy]`'s, else `digest.timezone`."""
        if self._zones is None:
            self._zones = self._region_zones(stores)
        own = self._settings.policy.distributors.get(distributor_id)
        if own is not None and own.timezone:
            return own.timezone
        return self._zones.get(distributor_id) or self._settings.policy.timezone or self._settings.digest.timezone

    def _region_zones(self, stores: Mapping[str, Store | StoreRef]) -> dict[str, str]:
        """Each distributor's time zone from the regions (with a `timezone`) its stores are in, by most stores."""
        zoned = [(listed, region.timezone) for _, listed, region in self._regions if region.timezone]
        if not zoned:
            return {}
        counts: dict[str, Counter[str]] = defaultdict(Counter)
        for store in stores.values():
            places = _places(store)
            zone = next((z for listed, z in zoned if listed & places), None)
            if zone is not None:
                counts[store.distributor_id][zone] += 1
        return {d: found.most_common(1)[0][0] for d, found in counts.items()}

    def _resolve(self, distributor_id: str, chain: str, regions: set[str]) -> TicketPolicy:
        policy = self._settings.policy
        values = self._base()
        self._apply(values, policy)
        for name, _, region in self._regions:
            if name in regions:
                self._apply(values, region)
        self._apply(values, self._chains.get(chain))
        distributor = self._settings.distributors.get(distributor_id)
        if distributor is not None and distributor.ladder:
            values["ladder"] = distributor.ladder
        self._apply(values, policy.distributors.get(distributor_id))
        return self._build(values, distributor.email if distributor else None)

    @staticmethod
    def _build(values: dict[str, Any], distributor_email: str | None) -> TicketPolicy:
        ladder: list[EscalationTier] = values["ladder"]
        tiers = tuple(
            Tier(
                t.name,
                tuple(t.contacts or ([distributor_email] if t.name == DISTRIBUTOR_TIER and distributor_email else [])),
                t.webhook_url or None,
            )
            for t in ladder
        )
        sla = SlaPolicy(
            sla_hours=values["deadline_hours"],
            escalation_repeat_hours=values["repeat_hours"],
            warn_before_hours=tuple(values["warn_before_hours"]),
            tier_repeat_hours={t.name: t.repeat_hours for t in ladder if t.repeat_hours is not None},
        )
        quiet = values["quiet_hours"]
        return TicketPolicy(
            sla=sla,
            ladder=tiers,
            quiet_hours=QuietHours(quiet.start, quiet.end, quiet.timezone) if quiet is not None else None,
            reopen_days=values["reopen_days"],
        )


def ladders(settings: Settings) -> list[list[EscalationTier]]:
    """Every escalation ladder the settings write out: the policy's, each region's, chain's and distributor's."""
    policy = settings.policy
    overrides = [policy, *policy.regions.values(), *policy.chains.values(), *policy.distributors.values()]
    found = [o.ladder for o in overrides if o.ladder]
    return found + [d.ladder for d in settings.distributors.values() if d.ladder]


def rung_webhook_secrets(settings: Settings) -> dict[str, SecretStr]:
    """The `webhook_secret` of each ladder rung's own webhook, by its URL (for signing its escalations)."""
    return {
        t.webhook_url: t.webhook_secret
        for ladder in ladders(settings)
        for t in ladder
        if t.webhook_url and t.webhook_secret
    }
