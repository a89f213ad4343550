"""The X and Bluesky settings: modes as one string or a list, and a clear error for a mode without its key."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from restock_bot.config import BlueskySettings, Settings, XSettings


def test_without_credentials_no_channel_is_on() -> None:
    settings = Settings()

    assert not settings.x.enabled and not settings.bluesky.enabled
    assert settings.x.mode == ["search", "mentions"]


@pytest.mark.parametrize(
    ("given", "modes"),
    [
        ("stream", ["stream"]),
        ("search, mentions", ["search", "mentions"]),
        ('["stream", "mentions"]', ["stream", "mentions"]),
    ],
)
def test_modes_are_read_from_a_string_or_a_list(monkeypatch: pytest.MonkeyPatch, given: str, modes: list[str]) -> None:
    monkeypatch.setenv("RESTOCK_BOT_X__MODE", given)
    monkeypatch.setenv("RESTOCK_BOT_X__QUERY", "nibbo")

    assert Settings().x.mode == modes


def test_webhook_mode_needs_the_consumer_secret() -> None:
    with pytest.raises(ValidationError, match="x.consumer_secret"):
        XSettings(mode=["webhook"])


def test_stream_mode_needs_rules_or_a_query() -> None:
    with pytest.raises(ValidationError, match="x.stream_rules or x.query"):
        XSettings(bearer_token="t", mode=["stream"])
    assert XSettings(bearer_token="t", mode=["stream"], query="nibbo").rules == ["nibbo"]


def test_an_unknown_mode_is_refused() -> None:
    with pytest.raises(ValidationError):
        BlueskySettings(mode="firehose")
