"""Settings: defaults that just work, overridden by a TOML file and RESTOCK_BOT_* environment variables."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

DATA_DIR = Path(__file__).parent / "data"


class EscalationTier(BaseModel):
    """One rung of the escalation ladder: who hears of a missed deadline, and how."""

    name: str
    webhook_url: str | None = None
    email: str | None = None


class DistributorSettings(BaseModel):
    """How to reach one distributor and who stands above it."""

    name: str = ""
    webhook_url: str | None = None
    webhook_secret: str = "change-me"
    portal_token: str | None = None
    ladder: list[EscalationTier] = Field(default_factory=list)


class XSettings(BaseModel):
    bearer_token: str | None = None
    consumer_key: str | None = None
    consumer_secret: str | None = None
    access_token: str | None = None
    access_token_secret: str | None = None
    query: str = ""
    poll_seconds: float = 60.0
    api_base: str | None = None  # point tweepy at another host (the fake X API in tests)
    dry_run: bool = False

    @property
    def enabled(self) -> bool:
        return bool(self.bearer_token)


class Settings(BaseSettings):
    """Everything Restock Bot reads at start-up."""

    model_config = SettingsConfigDict(env_prefix="RESTOCK_BOT_", env_nested_delimiter="__", extra="forbid")

    database_url: str = "sqlite+aiosqlite:///restock-bot.db"
    stores_csv: Path = DATA_DIR / "stores.csv"
    products_csv: Path = DATA_DIR / "products.csv"
    host: str = "127.0.0.1"
    port: int = 8080
    public_url: str = "http://127.0.0.1:8080"
    brand_handles: list[str] = Field(default_factory=list)

    sla_hours: float = 48.0
    warn_at_hours: float = 36.0
    escalation_repeat_hours: float = 24.0
    default_ladder: list[str] = Field(default_factory=lambda: ["distributor", "area_manager", "regional_head"])
    distributors: dict[str, DistributorSettings] = Field(default_factory=dict)
    sla_sweep_seconds: float = 60.0

    gift_cooldown_days: float = 30.0
    gift_max_per_author_day: int = 5

    webhook_secret: str | None = None  # shared secret for the inbound post webhook (HMAC), None = open
    webhook_reply_url: str | None = None  # where replies to webhook posts are POSTed, None = only logged
    inbox_seconds: float = 2.0  # how often the inbox worker looks for waiting posts (a new post wakes it)
    delivery_seconds: float = 5.0  # how often replies and distributor notifications are sent
    marketing_token: str = "marketing"
    x: XSettings = Field(default_factory=XSettings)

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
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        if toml_file:
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=toml_file))
        return tuple(sources)


def load_settings(config_file: str | Path | None = None, **overrides: Any) -> Settings:
    """Settings from defaults, an optional TOML file, RESTOCK_BOT_* env vars and explicit overrides."""
    if config_file is not None:
        path = Path(config_file)
        if not path.is_file():
            raise FileNotFoundError(f"config file {path} not found")
        os.environ["RESTOCK_BOT_CONFIG"] = str(path)
    return Settings(**overrides)
