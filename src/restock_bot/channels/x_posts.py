"""X's tweets as Posts: API v2 tweets (search, mentions, stream) and v1.1 tweets (Account Activity webhooks)."""

from __future__ import annotations

import html
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import structlog

from restock_bot.post import Author, GeoPoint, Post, PostError, parse_time

log = structlog.get_logger(__name__)

CHANNEL = "x"
TWITTER_EPOCH_MS = 1288834974657  # snowflake ids carry their creation time in ms since this instant
V1_TIME = "%a %b %d %H:%M:%S %z %Y"  # v1.1 created_at: "Wed Oct 10 20:19:24 +0000 2018"

Page = dict[str, Any]


@dataclass(frozen=True, slots=True)
class PageIncludes:
    """The users and places a page's `includes` expands, by id."""

    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    places: dict[str, dict[str, Any]] = field(default_factory=dict)

    @classmethod
    def of(cls, page: Page) -> PageIncludes:
        """Index the `includes` of one API page (or one stream message); what is not an object is left out."""
        includes = _object(page.get("includes"))
        return cls(
            users={str(user["id"]): user for user in _objects(includes.get("users")) if "id" in user},
            places={str(place["id"]): place for place in _objects(includes.get("places")) if "id" in place},
        )

    def username(self, user_id: str) -> str:
        """The username of `user_id`, or "" when the page did not expand it."""
        return str(self.users.get(user_id, {}).get("username") or "")

    def place_name(self, place_id: str | None) -> str | None:
        """The place's full name ("Andheri West, Mumbai"), or None."""
        place = self.places.get(place_id or "")
        return str(place["full_name"]) if place and place.get("full_name") else None


def tweet_to_post(tweet: dict[str, Any], includes: PageIncludes) -> Post:
    """One API v2 tweet as a Post; raises PostError naming the post and field at fault."""
    if not isinstance(tweet, dict):
        raise PostError(f"expected a tweet object, got {type(tweet).__name__}")
    tweet_id = str(tweet.get("id") or "")
    if not tweet_id:
        raise PostError("id: missing")
    author_id = str(tweet.get("author_id") or "")
    try:
        geo = _object(tweet.get("geo"), "geo")
        return Post(
            id=tweet_id,
            text=html.unescape(_full_text(tweet)),
            author=Author(id=author_id, username=includes.username(author_id)),
            created_at=_created_at(tweet_id, tweet.get("created_at")),
            channel=CHANNEL,
            lang=_text_or_none(tweet.get("lang")),
            geo=geo_point(geo.get("coordinates")),
            place=includes.place_name(_text_or_none(geo.get("place_id"))),
            in_reply_to=_replied_to(tweet.get("referenced_tweets")),
            raw=tweet,
        )
    except PostError as exc:
        raise PostError(f"post {tweet_id}: {exc}") from exc


def v1_tweet_to_post(tweet: dict[str, Any]) -> Post:
    """One API v1.1 tweet (as Account Activity webhooks deliver them) as a Post; raises PostError."""
    if not isinstance(tweet, dict):
        raise PostError(f"expected a tweet object, got {type(tweet).__name__}")
    tweet_id = str(tweet.get("id_str") or tweet.get("id") or "")
    if not tweet_id:
        raise PostError("id_str: missing")
    try:
        user = _object(tweet.get("user"), "user")
        extended = _object(tweet.get("extended_tweet"), "extended_tweet")
        text = extended.get("full_text") or tweet.get("full_text") or tweet.get("text") or ""
        place = _object(tweet.get("place"), "place")
        return Post(
            id=tweet_id,
            text=html.unescape(str(text)),
            author=Author(str(user.get("id_str") or user.get("id") or ""), str(user.get("screen_name") or "")),
            created_at=_v1_created_at(tweet_id, tweet.get("created_at")),
            channel=CHANNEL,
            lang=_text_or_none(tweet.get("lang")),
            geo=geo_point(tweet.get("coordinates")),
            place=str(place["full_name"]) if place.get("full_name") else None,
            in_reply_to=_text_or_none(tweet.get("in_reply_to_status_id_str")),
            raw=tweet,
        )
    except PostError as exc:
        raise PostError(f"post {tweet_id}: {exc}") from exc


def _object(value: Any, field_name: str = "") -> dict[str, Any]:
    """`value` when it is a JSON object, {} when absent; PostError naming `field_name` otherwise (else {})."""
    if isinstance(value, dict):
        return value
    if value is None or not field_name:
        return {}
    raise PostError(f"{field_name}: expected an object, got {type(value).__name__}")


def _objects(value: Any) -> list[dict[str, Any]]:
    """The objects of a JSON array (anything else in it, or a value that is not an array, is left out)."""
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _text_or_none(value: Any) -> str | None:
    return str(value) if value not in (None, "") and not isinstance(value, dict | list) else None


def _full_text(tweet: dict[str, Any]) -> str:
    """The whole text: long posts carry it in note_tweet, `text` holds only the first 280 characters."""
    note = _object(tweet.get("note_tweet"), "note_tweet")
    return str(note.get("text") or tweet.get("text") or "")


def _created_at(tweet_id: str, created_at: Any) -> datetime:
    """created_at when asked for and sent, else the time inside the snowflake id."""
    if created_at is not None:
        return parse_time(created_at)
    return _snowflake_time(tweet_id)


def _v1_created_at(tweet_id: str, created_at: Any) -> datetime:
    if isinstance(created_at, str):
        try:
            return datetime.strptime(created_at, V1_TIME).astimezone(UTC)
        except (ValueError, OverflowError) as exc:
            raise PostError(f"created_at: {created_at!r} is not like 'Wed Oct 10 20:19:24 +0000 2018'") from exc
    return _snowflake_time(tweet_id)


def _snowflake_time(tweet_id: str) -> datetime:
    try:
        return datetime.fromtimestamp(((int(tweet_id) >> 22) + TWITTER_EPOCH_MS) / 1000, UTC)
    except (ValueError, OverflowError, OSError) as exc:
        raise PostError("created_at: missing, and the id is not a snowflake") from exc


def geo_point(coordinates: Any) -> GeoPoint | None:
    """A GeoJSON Point ([lon, lat]) as a GeoPoint; None when absent or malformed."""
    if not isinstance(coordinates, dict) or coordinates.get("type") != "Point":
        return None
    try:
        lon, lat = (float(value) for value in coordinates["coordinates"])
    except (KeyError, TypeError, ValueError, OverflowError):
        return None
    return GeoPoint(lat, lon) if -90 <= lat <= 90 and -180 <= lon <= 180 else None


def _replied_to(referenced: Any) -> str | None:
    replies = (str(ref["id"]) for ref in _objects(referenced) if ref.get("type") == "replied_to" and ref.get("id"))
    return next(replies, None)


def posts_of(page: Page, skip_author: str | None = None) -> list[Post]:
    """The Posts of one API page; a tweet that cannot be read is logged and skipped."""
    includes = PageIncludes.of(page)
    posts: list[Post] = []
    data = page.get("data")
    for tweet in data if isinstance(data, list) else []:
        if skip_author and isinstance(tweet, dict) and str(tweet.get("author_id")) == skip_author:
            continue
        try:
            posts.append(tweet_to_post(tweet, includes))
        except PostError as exc:
            log.warning("x_unreadable_tweet", error=str(exc))
    return posts


def newest_id(pages: Iterable[Page], since_id: str | None) -> str | None:
    """The newest tweet id seen across pages, or `since_id` when nothing newer came."""
    ids = [int(since_id)] if since_id else []
    for page in pages:
        found = (str(tweet.get("id", "")) for tweet in _objects(page.get("data")))
        ids.extend(int(tweet_id) for tweet_id in found if tweet_id.isascii() and tweet_id.isdigit())
    return str(max(ids)) if ids else None
