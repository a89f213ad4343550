"""Signed-in sessions: opened at login, looked up on each request, ended at logout or when they expire.

The browser's cookie holds a random secret; the database keeps only its SHA-256, who signed in, and a tag
of the token they signed in with (a changed token ends every session opened with the old one)."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import col, delete, select, update

from restock_bot.storage.database import Database
from restock_bot.storage.tables import WebSessionRow

SESSION_DAYS = 14
KEEP_ENDED_DAYS = 7  # ended and expired sessions are deleted this long after


@dataclass(frozen=True, slots=True)
class Session:
    """Someone signed in: `principal` is "distributor:<id>", "area_manager:<id>" or "marketing:desk"."""

    secret: str
    principal: str
    token_tag: str
    expires_at: datetime


def _key(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


async def open_session(
    database: Database, principal: str, token_tag: str, now: datetime, days: float = SESSION_DAYS
) -> Session:
    """A new session for `principal`; its secret goes into the cookie."""
    secret = secrets.token_urlsafe(32)
    expires = now + timedelta(days=days)
    async with database.session() as session, session.begin():
        session.add(
            WebSessionRow(
                key=_key(secret), principal=principal, token_tag=token_tag, created_at=now, expires_at=expires
            )
        )
    return Session(secret, principal, token_tag, expires)


async def find_sessions(database: Database, secrets_: Collection[str], now: datetime) -> dict[str, Session]:
    """The live sessions among the cookie secrets, by secret."""
    keys = {_key(s): s for s in secrets_ if s}
    if not keys:
        return {}
    statement = select(WebSessionRow).where(
        col(WebSessionRow.key).in_(list(keys)),
        col(WebSessionRow.ended_at).is_(None),
        col(WebSessionRow.expires_at) > now,
    )
    async with database.session() as session:
        rows = (await session.exec(statement)).all()
    return {keys[r.key]: Session(keys[r.key], r.principal, r.token_tag, r.expires_at) for r in rows}


async def end_session(database: Database, secret: str, now: datetime) -> None:
    async with database.session() as session, session.begin():
        await session.exec(
            update(WebSessionRow)
            .where(col(WebSessionRow.key) == _key(secret), col(WebSessionRow.ended_at).is_(None))
            .values(ended_at=now)
        )


async def forget_old_sessions(database: Database, now: datetime) -> None:
    """Delete sessions that ended or expired more than KEEP_ENDED_DAYS ago."""
    cutoff = now - timedelta(days=KEEP_ENDED_DAYS)
    async with database.session() as session, session.begin():
        await session.exec(delete(WebSessionRow).where(col(WebSessionRow.expires_at) < cutoff))
        await session.exec(delete(WebSessionRow).where(col(WebSessionRow.ended_at) < cutoff))
