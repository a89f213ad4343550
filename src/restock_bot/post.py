"""The channel-neutral post: what every channel turns its input into before triage reads it."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any


class PostError(ValueError):
    """A post that cannot be read; the message names the field at fault."""


@dataclass(frozen=True, slots=True)
class GeoPoint:
    lat: float
    lon: float


@dataclass(frozen=True, slots=True)
class Author:
    id: str
    username: str = ""


@dataclass(frozen=True, slots=True)
class Post:
    """One consumer post from any channel (X, webhook, replay file)."""

    id: str
    text: str
    author: Author
    created_at: datetime
    channel: str = "replay"
    lang: str | None = None
    geo: GeoPoint | None = None
    place: str | None = None
    in_reply_to: str | None = None
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        if not self.id:
            raise PostError("id: missing")
        # As the stored shape reads back: "" is no value, and an author without an id goes by the username.
        for name in ("lang", "place", "in_reply_to"):
            if getattr(self, name) == "":
                object.__setattr__(self, name, None)
        if not self.author.id and self.author.username:
            object.__setattr__(self, "author", Author(self.author.username, self.author.username))
        # A lone surrogate cannot be stored (UTF-8) nor sent on: refuse it here, naming the field.
        named: dict[str, str | None] = {"id": self.id, "text": self.text, "author.id": self.author.id}
        named["author.username"] = self.author.username
        named |= {"channel": self.channel, "lang": self.lang, "place": self.place, "in_reply_to": self.in_reply_to}
        for name, value in named.items():
            if value is not None:
                _check_unicode(value, name)

    def to_dict(self) -> dict[str, Any]:
        """The post in the FORMAT.md shape (plus its channel)."""
        return {
            "id": self.id,
            "text": self.text,
            "created_at": self.created_at.astimezone(UTC).replace(microsecond=0, tzinfo=None).isoformat() + "Z",
            "author": {"id": self.author.id, "username": self.author.username},
            "lang": self.lang,
            "geo": {"lat": self.geo.lat, "lon": self.geo.lon} if self.geo else None,
            "place": self.place,
            "in_reply_to": self.in_reply_to,
            "channel": self.channel,
        }


def _check_unicode(value: str, field_name: str) -> None:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise PostError(f"{field_name}: not valid Unicode (a lone surrogate at character {exc.start})") from None


def parse_time(value: Any, field_name: str = "created_at") -> datetime:
    """An ISO-8601 time (a trailing Z allowed) as an aware UTC datetime."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if not isinstance(value, str) or not value:
        raise PostError(f"{field_name}: expected an ISO-8601 time, got {value!r}")
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise PostError(f"{field_name}: {value!r} is not an ISO-8601 time") from exc
    parsed = parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    try:
        parsed.astimezone(UTC)  # stored and compared in UTC: 0001-01-01T00:00+01:00 has no UTC time
    except OverflowError:
        raise PostError(f"{field_name}: {value!r} is out of range in UTC") from None
    return parsed


def _geo(value: Any) -> GeoPoint | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise PostError(f"geo: expected {{'lat': .., 'lon': ..}}, got {value!r}")
    try:
        lat, lon = float(value["lat"]), float(value["lon"])
    except (KeyError, TypeError, ValueError, OverflowError) as exc:
        raise PostError(f"geo: needs numeric lat and lon, got {value!r}") from exc
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise PostError(f"geo: ({lat}, {lon}) is outside WGS84 range")
    return GeoPoint(lat, lon)


def _optional_str(data: dict[str, Any], key: str, field_name: str = "") -> str | None:
    value = data.get(key)
    if value is None or value == "":
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    if not isinstance(value, str):
        raise PostError(f"{field_name or key}: expected a string, got {type(value).__name__}")
    return value


def post_from_dict(data: Any, channel: str = "replay") -> Post:
    """Build a Post from the FORMAT.md JSON shape; raises PostError naming the bad field."""
    if not isinstance(data, dict):
        raise PostError(f"expected a JSON object, got {type(data).__name__}")
    post_id = _optional_str(data, "id")
    if not post_id:
        raise PostError("id: missing")
    text = data.get("text")
    if text is None:
        text = ""
    if not isinstance(text, str):
        raise PostError(f"text: expected a string, got {type(text).__name__}")
    author_raw = data.get("author") or {}
    if not isinstance(author_raw, dict):
        raise PostError("author: expected an object with id and username")
    try:
        username = _optional_str(author_raw, "username", "author.username") or ""
        author = Author(id=_optional_str(author_raw, "id", "author.id") or username, username=username)
        return Post(
            id=post_id,
            text=text,
            author=author,
            created_at=parse_time(data.get("created_at")),
            channel=_optional_str(data, "channel") or channel,
            lang=_optional_str(data, "lang"),
            geo=_geo(data.get("geo")),
            place=_optional_str(data, "place"),
            in_reply_to=_optional_str(data, "in_reply_to"),
            raw=data,
        )
    except PostError as exc:
        raise PostError(f"post {post_id}: {exc}") from exc


def post_from_json(line: str, channel: str = "replay") -> Post:
    """Parse one JSONL line into a Post; raises PostError on bad JSON or fields."""
    try:
        data = json.loads(line)
    except json.JSONDecodeError as exc:
        raise PostError(f"not JSON: {exc.msg} at column {exc.colno}") from exc
    except RecursionError:
        raise PostError("not JSON: nested too deeply") from None
    except ValueError as exc:  # an integer of more than 4300 digits
        raise PostError(f"not JSON: {exc}") from None
    return post_from_dict(data, channel)
