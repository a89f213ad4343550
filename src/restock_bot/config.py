"""Settings: defaults that just work, overridden by a TOML file and RESTOCK_BOT_* environment variables.

Secrets (tokens, keys, passwords) are `SecretStr`: shown as `**********` in reprs, logs and errors, read
with `reveal()` where they are used. Each can come from a file named by `RESTOCK_BOT_<NAME>_FILE` (Docker and
Kubernetes secrets); one found in the TOML file is used, with a warning naming it (never its value)."""

from __future__ import annotations

import json
import os
import re
import tomllib
import typing
from datetime import time
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import structlog
from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_serializer, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    EnvSettingsSource,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

DATA_DIR = Path(__file__).parent / "data"
ENV_PREFIX = "RESTOCK_BOT_"
FILE_SUFFIX = "_FILE"

log = structlog.get_logger(__name__)


def reveal(secret: SecretStr | str | None) -> str | None:
    """The value of a secret setting, for the one call that needs it (never for a log line or a page)."""
    if secret is None:
        return None
    return secret.get_secret_value() if isinstance(secret, SecretStr) else secret


# Hours of a deadline or a wait: finite, and at most ten years (a deadline must stay a datetime).
MAX_HOURS = 87_600.0
Hours = Annotated[float, Field(gt=0, le=MAX_HOURS, allow_inf_nan=False)]
HoursFromZero = Annotated[float, Field(ge=0, le=MAX_HOURS, allow_inf_nan=False)]
Days = Annotated[float, Field(ge=0, le=MAX_HOURS / 24, allow_inf_nan=False)]


class EscalationTier(BaseModel):
    """One rung of the escalation ladder: who is emailed when it is reached, and how long it has before
    the next rung is told (`repeat_hours`, else the policy's)."""

    name: str
    webhook_url: str | None = None  # told of each escalation to this rung (a signed POST, as the distributor's)
    webhook_secret: SecretStr | None = None  # signs those POSTs; unset: the ticket's distributor's webhook_secret
    email: str | None = None
    emails: list[str] = Field(default_factory=list)
    repeat_hours: Hours | None = None

    @property
    def contacts(self) -> list[str]:
        return [e for e in ([self.email] if self.email else []) + self.emails if e]


def _tiers(value: Any) -> Any:
    """A ladder may name a rung by its name alone: ["distributor", {name = "area_manager", ...}]."""
    if isinstance(value, list):
        return [{"name": v} if isinstance(v, str) else v for v in value]
    return value


class DistributorSettings(BaseModel):
    """How to reach one distributor and who stands above it."""

    name: str = ""
    webhook_url: str | None = None
    webhook_secret: SecretStr = SecretStr("change-me")
    portal_token: SecretStr | None = None
    email: str | None = None  # the distributor's own contact: the "distributor" rung and the digests
    ladder: list[EscalationTier] = Field(default_factory=list)

    _ladder = field_validator("ladder", mode="before")(_tiers)


class AreaManagerSettings(BaseModel):
    """An area manager: signs in to the portal with `portal_token` and sees the distributors listed."""

    name: str = ""
    portal_token: SecretStr | None = None
    distributors: list[str] = Field(default_factory=list)


def _check_timezone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown timezone {value!r} (use an IANA name such as Asia/Kolkata)") from None
    return value


class QuietHoursSettings(BaseModel):
    """No notifications from `start` to `end` (local times, "21:00" to "08:00" runs past midnight)."""

    model_config = ConfigDict(extra="forbid")

    start: time
    end: time
    timezone: str = "UTC"

    _timezone = field_validator("timezone")(_check_timezone)


class PolicyOverride(BaseModel):
    """Part of the ticket policy; what it leaves out comes from the level below it."""

    model_config = ConfigDict(extra="forbid")

    deadline_hours: Hours | None = None
    warn_before_hours: list[Hours] | None = None  # one warning per entry, hours before the deadline
    repeat_hours: Hours | None = None  # between rungs when a rung does not say
    ladder: list[EscalationTier] | None = None
    quiet_hours: QuietHoursSettings | None = None
    reopen_days: Days | None = None
    timezone: str | None = None  # the stores' local time: the distributors' digests go out at digest.times in it

    _ladder = field_validator("ladder", mode="before")(_tiers)

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str | None) -> str | None:
        return None if value is None else _check_timezone(value)


class RegionPolicy(PolicyOverride):
    """A region's policy; a store is in the region when its city, state or country is one of `places`."""

    places: list[str] = Field(default_factory=list)


class PolicySettings(PolicyOverride):
    """The ticket policy: these defaults, then per region, per chain and per distributor overrides."""

    regions: dict[str, RegionPolicy] = Field(default_factory=dict)
    chains: dict[str, PolicyOverride] = Field(default_factory=dict)
    distributors: dict[str, PolicyOverride] = Field(default_factory=dict)


class EmailSettings(BaseModel):
    """SMTP for notifications by email; off until `host` is set."""

    host: str | None = None
    port: int = 587
    username: str | None = None
    password: SecretStr | None = None
    from_address: str = "restock-bot@localhost"
    tls: Literal["auto", "starttls", "tls", "none"] = "auto"  # auto: STARTTLS when the server offers it
    timeout_seconds: float = 30.0

    @property
    def enabled(self) -> bool:
        return bool(self.host)


class DigestSettings(BaseModel):
    """When each distributor gets the digest of its open, due and breached tickets."""

    times: list[time] = Field(default_factory=lambda: [time(8, 0), time(17, 0)])
    timezone: str = "UTC"
    due_within_hours: float = 12.0

    _timezone = field_validator("timezone")(_check_timezone)


class ActionLinkSettings(BaseModel):
    """Signed links in notifications (acknowledge, restocked, not a stock-out, cannot supply); off without
    a secret. Every worker must share the secret."""

    secret: SecretStr | None = None
    valid_hours: float = Field(default=72.0, gt=0)


class PrioritySettings(BaseModel):
    reporter_weight: int = 1
    repeat_weight: int = 2
    repeat_window_days: float = 90.0


class AbuseSettings(BaseModel):
    """Rate caps on new tickets and the abuse guard's thresholds (`[abuse]`)."""

    tickets_per_reporter_day: Annotated[int, Field(ge=1)] = 5  # new tickets one reporter may open in 24 h
    tickets_per_store: Annotated[int, Field(ge=1)] = 10  # new tickets at one store per store_window_hours
    store_window_hours: Annotated[float, Field(gt=0)] = 1.0
    fresh_account_days: Annotated[float, Field(ge=0)] = 7.0  # an account first seen this recently is new
    burst_accounts: Annotated[int, Field(ge=2)] = 5  # this many new accounts on one store in the window: a burst
    burst_window_hours: Annotated[float, Field(gt=0)] = 1.0
    far_km: Annotated[float, Field(gt=0)] = 300.0  # a store this far from every store a reporter reported before
    usual_min_reports: Annotated[int, Field(ge=1)] = 2  # reports on other stores before "usual towns" mean anything


class OutboxSettings(BaseModel):
    """How notifications and replies are retried before they are dead letters for operators."""

    first_delay_seconds: float = 30.0
    max_delay_seconds: float = 3600.0
    max_attempts: int = Field(default=25, ge=1)


XMode = Literal["search", "mentions", "stream", "webhook"]


def modes_of(value: Any) -> Any:
    """A mode setting as a list: `"stream"`, `"search,mentions"` and `'["stream"]'` (env) all work."""
    if not isinstance(value, str):
        return value
    if value.strip().startswith("["):
        return json.loads(value)
    return [part.strip() for part in value.split(",") if part.strip()]


class XBudgetSettings(BaseModel):
    """What the bot may spend on X per window: X bills each post read and each post created."""

    window_hours: Annotated[float, Field(gt=0)] = 24.0  # fixed windows counted from the Unix epoch (24: UTC days)
    read_requests: Annotated[int, Field(ge=0)] = 1000  # every read request: pages, users/me, rules, stream connects
    posts_read: Annotated[int, Field(ge=0)] = 500  # posts X returns (pages and the stream), what X bills for reading
    posts_created: Annotated[int, Field(ge=0)] = 100  # replies posted


class XSettings(BaseModel):
    """The X channel: credentials, how to listen, what to spend."""

    bearer_token: SecretStr | None = None
    consumer_key: SecretStr | None = None
    consumer_secret: SecretStr | None = None
    access_token: SecretStr | None = None
    access_token_secret: SecretStr | None = None
    # how to listen: one mode or several (search, mentions, stream, webhook)
    mode: Annotated[list[XMode], NoDecode] = Field(default_factory=lambda: list[XMode](["search", "mentions"]))
    query: str = ""  # recent-search query: the brand's keywords, hashtags, handle
    stream_rules: list[str] = Field(default_factory=list)  # filtered-stream rules; empty: `query` as the one rule
    poll_seconds: Annotated[float, Field(gt=0)] = 60.0
    api_base: str | None = None  # point tweepy at another host (the fake X API in tests)
    dry_run: bool = False
    request_timeout_seconds: Annotated[float, Field(gt=0)] = 30.0  # one REST request, answer included
    stream_stall_seconds: Annotated[float, Field(gt=0)] = 30.0  # no byte (X sends a keep-alive every 20 s): reconnect
    stream_max_reconnects: Annotated[int, Field(ge=0)] = 10  # failed connections in a row before the stream pauses
    stream_catch_up: bool = True  # after a reconnect or restart, recent-search what the stream missed
    budget: XBudgetSettings = Field(default_factory=XBudgetSettings)

    @field_validator("mode", mode="before")
    @classmethod
    def _one_mode_or_several(cls, value: Any) -> Any:
        return modes_of(value)

    @model_validator(mode="after")
    def _modes_have_what_they_need(self) -> XSettings:
        if "webhook" in self.mode and not self.consumer_secret:
            raise ValueError("x.mode webhook needs x.consumer_secret (it signs the CRC answer and every event)")
        if self.enabled and "stream" in self.mode and not self.rules:
            raise ValueError("x.mode stream needs x.stream_rules or x.query")
        return self

    @property
    def enabled(self) -> bool:
        return bool(self.bearer_token) or self.has_user_keys

    @property
    def has_user_keys(self) -> bool:
        """All four OAuth 1.0a keys (replies, mentions) are set."""
        return all((self.consumer_key, self.consumer_secret, self.access_token, self.access_token_secret))

    @property
    def rules(self) -> list[str]:
        """The filtered-stream rules the app should have."""
        return self.stream_rules or ([self.query] if self.query else [])


BlueskyMode = Literal["mentions", "search"]


class BlueskySettings(BaseModel):
    """The Bluesky channel (atproto): an account with an app password, mentions and/or search."""

    handle: str | None = None
    app_password: SecretStr | None = None  # Settings > Privacy and security > App passwords; never the main password
    service_url: str = "https://bsky.social"  # the PDS to log in to (a fake XRPC server in tests)
    mode: Annotated[list[BlueskyMode], NoDecode] = Field(default_factory=lambda: list[BlueskyMode](["mentions"]))
    query: str = ""  # searchPosts query for the brand's terms
    poll_seconds: Annotated[float, Field(gt=0)] = 60.0
    page_size: Annotated[int, Field(ge=1, le=100)] = 50
    request_timeout_seconds: Annotated[float, Field(gt=0)] = 30.0
    dry_run: bool = False

    @field_validator("mode", mode="before")
    @classmethod
    def _one_mode_or_several(cls, value: Any) -> Any:
        return modes_of(value)

    @property
    def enabled(self) -> bool:
        return bool(self.handle and self.app_password)


Role = Literal["all", "listener", "worker"]
SCHEMA_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,62}")


class Settings(BaseSettings):
    """Everything Restock Bot reads at start-up."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_nested_delimiter="__",
        extra="forbid",
        hide_input_in_errors=True,  # an error names the setting at fault, never the value (it may be a secret)
    )

    database_url: str = "sqlite+aiosqlite:///restock-bot.db"
    database_schema: str | None = None  # PostgreSQL: the schema that holds the tables (created if missing)
    auto_migrate: bool = True  # upgrade the schema at start-up; false: refuse to start until `restock-bot db upgrade`
    role: Role = "all"  # listener: channels + web; worker: inbox, SLA and outbox jobs; all: both
    leader_retry_seconds: Annotated[float, Field(gt=0)] = 10.0  # how often a listener tries to become the poller
    claim_stale_seconds: Annotated[float, Field(gt=0)] = 600.0  # a crashed worker's claims are taken again after this
    stores_csv: Path = DATA_DIR / "stores.csv"
    products_csv: Path = DATA_DIR / "products.csv"
    host: str = "127.0.0.1"
    port: int = 8080
    public_url: str = "http://127.0.0.1:8080"
    brand_handles: list[str] = Field(default_factory=list)

    sla_hours: Hours = 48.0
    warn_at_hours: HoursFromZero = 36.0
    escalation_repeat_hours: Hours = 24.0
    default_ladder: list[str] = Field(
        default_factory=lambda: ["distributor", "area_manager", "regional_head", "brand_operations"]
    )
    distributors: dict[str, DistributorSettings] = Field(default_factory=dict)
    area_managers: dict[str, AreaManagerSettings] = Field(default_factory=dict)
    sla_sweep_seconds: float = 60.0

    policy: PolicySettings = Field(default_factory=PolicySettings)
    priority: PrioritySettings = Field(default_factory=PrioritySettings)
    abuse: AbuseSettings = Field(default_factory=AbuseSettings)
    email: EmailSettings = Field(default_factory=EmailSettings)
    digest: DigestSettings = Field(default_factory=DigestSettings)
    action_links: ActionLinkSettings = Field(default_factory=ActionLinkSettings)
    outbox: OutboxSettings = Field(default_factory=OutboxSettings)
    operations_token: SecretStr | None = None  # brand operations: dead letters, approving new dates

    gift_cooldown_days: float = 30.0
    gift_max_per_author_day: int = 5
    gift_address_days: float = Field(default=30.0, ge=0)  # a shipping address is deleted this long after shipping

    webhook_secret: SecretStr | None = None  # shared secret for the inbound post webhook (HMAC), None = open
    webhook_reply_url: str | None = None  # where replies to webhook posts are POSTed, None = only logged
    webhook_max_body_bytes: Annotated[int, Field(gt=0)] = 1 << 20  # larger inbound webhook bodies get a 413
    webhook_rate_per_minute: Annotated[float, Field(gt=0)] = 120.0  # requests per client address; more get a 429
    webhook_timestamp_tolerance_seconds: Annotated[float, Field(gt=0)] = 300.0  # X-Restock-Timestamp vs our clock
    webhook_legacy_signatures: bool = False  # also take signatures of the body alone, without X-Restock-Timestamp
    inbox_seconds: float = 2.0  # how often the inbox worker looks for waiting posts (a new post wakes it)
    delivery_seconds: float = 5.0  # how often replies and distributor notifications are sent
    marketing_token: SecretStr | None = None  # the gift desk's token; None: closed (open in the demo only)
    login_max_failures: Annotated[int, Field(ge=1)] = 10  # wrong tokens per client address in the window; then 429
    login_window_seconds: Annotated[float, Field(gt=0)] = 300.0
    x: XSettings = Field(default_factory=XSettings)
    bluesky: BlueskySettings = Field(default_factory=BlueskySettings)

    @field_validator("database_schema")
    @classmethod
    def _schema_is_a_plain_name(cls, value: str | None) -> str | None:
        if value is not None and not SCHEMA_NAME.fullmatch(value):
            raise ValueError(f"database_schema {value!r}: use letters, digits and _ (not starting with a digit)")
        return value

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        toml_file = os.environ.get("RESTOCK_BOT_CONFIG")
        environment = EnvWithoutFileVariables(settings_cls)
        sources: list[PydanticBaseSettingsSource] = [init_settings, environment, SecretFilesSource(settings_cls)]
        if toml_file:
            sources.append(ConfigFileSource(settings_cls, toml_file=toml_file))
        return tuple(sources)

    @field_serializer("database_url")
    def _database_url_without_password(self, url: str) -> str:
        return hide_password(url)

    def __repr_args__(self) -> Any:
        """As pydantic shows it, with the database password hidden (secrets already are)."""
        for name, value in super().__repr_args__():
            yield name, (hide_password(value) if name == "database_url" else value)


def hide_password(url: str) -> str:
    """A database URL with its password as ***."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "(unreadable URL)"


def _field_model(annotation: Any) -> type[BaseModel] | None:
    """The settings model a field holds (itself, or the values of a dict of them), if any."""
    for candidate in (annotation, *typing.get_args(annotation)):
        if isinstance(candidate, type) and issubclass(candidate, BaseModel):
            return candidate
    return None


def _is_secret(annotation: Any) -> bool:
    return annotation is SecretStr or SecretStr in typing.get_args(annotation)


def _setting_path(model: type[BaseModel], parts: list[str]) -> list[str] | None:
    """The keys of a setting named by env-style parts ("X", "BEARER_TOKEN"), dict keys kept as written."""
    path: list[str] = []
    while parts:
        fields = {name.lower(): name for name in model.model_fields}
        name = fields.get(parts[0].lower())
        if name is None:
            return None
        path.append(name)
        parts = parts[1:]
        annotation = model.model_fields[name].annotation
        inner = _field_model(annotation)
        if not parts:
            return path
        if inner is None:
            return None
        if typing.get_origin(annotation) is dict:  # the next part is a key: a distributor's id
            path.append(parts[0])
            parts = parts[1:]
            if not parts:
                return None
        model = inner
    return path


class EnvWithoutFileVariables(EnvSettingsSource):
    """RESTOCK_BOT_* variables, less the `*_FILE` ones: those name secret files (SecretFilesSource reads them),
    and read as values they would add settings such as a distributor named after the variable."""

    def __init__(self, settings_cls: type[BaseSettings]) -> None:
        super().__init__(settings_cls)
        self.env_vars = {k: v for k, v in self.env_vars.items() if not k.upper().endswith(FILE_SUFFIX)}


class SecretFilesSource(PydanticBaseSettingsSource):
    """`RESTOCK_BOT_<NAME>_FILE=/run/secrets/x`: the setting <NAME> (nested with `__`) is the file's content,
    one trailing newline dropped. Environment variables with the value itself come first."""

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False  # __call__ reads everything at once

    def __call__(self) -> dict[str, Any]:
        found: dict[str, Any] = {}
        for variable, file_name in os.environ.items():
            upper = variable.upper()
            if not upper.startswith(ENV_PREFIX) or not upper.endswith(FILE_SUFFIX):
                continue
            parts = variable[len(ENV_PREFIX) : -len(FILE_SUFFIX)].split("__")
            path = _setting_path(self.settings_cls, parts)
            if path is None:
                raise ValueError(f"{variable}: no setting {'.'.join(parts).lower()} to read from a file")
            try:
                value = Path(file_name).read_text(encoding="utf-8").removesuffix("\n").removesuffix("\r")
            except OSError as exc:
                raise ValueError(f"{variable}: cannot read {file_name}: {exc.strerror}") from None
            target = found
            for key in path[:-1]:
                target = target.setdefault(key, {})
            target[path[-1]] = value
        return found


def secrets_in(model: type[BaseModel], values: Any, prefix: str = "") -> list[str]:
    """The dotted names of the secret settings that `values` (a parsed TOML file) sets."""
    if not isinstance(values, dict):
        return []
    names: list[str] = []
    for key, value in values.items():
        info = model.model_fields.get(key)
        if info is None:
            continue
        inner = _field_model(info.annotation)
        if _is_secret(info.annotation) and value:
            names.append(f"{prefix}{key}")
        elif inner is not None and typing.get_origin(info.annotation) is dict and isinstance(value, dict):
            for item, item_values in value.items():
                names += secrets_in(inner, item_values, f"{prefix}{key}.{item}.")
        elif inner is not None:
            names += secrets_in(inner, value, f"{prefix}{key}.")
    return names


class ConfigFileSource(TomlConfigSettingsSource):
    """The TOML file; a secret written in it is used, and named in a warning: keep secrets in the environment
    or in files (`RESTOCK_BOT_<NAME>_FILE`), where they stay out of version control and config dumps."""

    def __init__(self, settings_cls: type[BaseSettings], toml_file: Path | str) -> None:
        try:
            super().__init__(settings_cls, toml_file=toml_file)
        except tomllib.TOMLDecodeError as exc:
            raise ValueError(f"config file {toml_file}: not TOML: {exc}") from None
        except UnicodeDecodeError as exc:
            raise ValueError(f"config file {toml_file}: not UTF-8 ({exc.reason} at byte {exc.start})") from None

    def __call__(self) -> dict[str, Any]:
        values = super().__call__()
        found = secrets_in(self.settings_cls, values)
        if found:
            log.warning(
                "secrets_in_config_file",
                settings=found,
                hint="set them as RESTOCK_BOT_<NAME> or RESTOCK_BOT_<NAME>_FILE (nested with __) instead",
            )
        return values


def load_settings(config_file: str | Path | None = None, **overrides: Any) -> Settings:
    """Settings from defaults, an optional TOML file, RESTOCK_BOT_* env vars and explicit overrides."""
    if config_file is None:
        return Settings(**overrides)
    path = Path(config_file)
    if not path.is_file():
        raise FileNotFoundError(f"config file {path} not found")
    # The file is named to the settings sources through RESTOCK_BOT_CONFIG for this one read only: left set,
    # it would become every later Settings()'s file in this process.
    previous = os.environ.get("RESTOCK_BOT_CONFIG")
    os.environ["RESTOCK_BOT_CONFIG"] = str(path)
    try:
        return Settings(**overrides)
    finally:
        if previous is None:
            del os.environ["RESTOCK_BOT_CONFIG"]
        else:
            os.environ["RESTOCK_BOT_CONFIG"] = previous
