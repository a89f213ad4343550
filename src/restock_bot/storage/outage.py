"""When the database goes away: telling a lost or busy database from a bad row, and waiting it out.

A post or a notification is never failed because the database was down: the work stops, what was claimed
is handed back (storage/queue.py: UnfinishedClaims) and the jobs try again with growing pauses, saying so
once in the log ("database unavailable, retrying in …") and once when it answers again ("database back")."""

from __future__ import annotations

import time
from collections.abc import Callable

import structlog
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

from restock_bot.retry import RetryPolicy

log = structlog.get_logger(__name__)

# asyncpg's own errors for a server that is not there (yet): raised raw while connecting
_ASYNCPG_CONNECTION_ERRORS = {
    "CannotConnectNowError",
    "ConnectionDoesNotExistError",
    "ConnectionFailureError",
    "InterfaceError",
    "PostgresConnectionError",
    "TooManyConnectionsError",
}

DATABASE_RETRY = RetryPolicy(attempts=1_000_000, base_delay=0.5, max_delay=30.0)
"""Pauses between tries while the database is away: 0.5 s, 1 s, 2 s … then every 30 s, for as long as it takes."""


def is_database_unavailable(exc: BaseException) -> bool:
    """Whether `exc` means the database could not be reached, dropped the connection or stayed locked (the
    database's trouble, not the row's), so the same work should simply be tried again later."""
    if isinstance(exc, OSError | TimeoutError):  # connection refused or reset, timeouts
        return True
    if isinstance(exc, DBAPIError):
        return exc.connection_invalidated or isinstance(exc, OperationalError | InterfaceError)
    kind = type(exc)
    return kind.__module__.startswith("asyncpg") and kind.__name__ in _ASYNCPG_CONNECTION_ERRORS


class DatabaseOutage:
    """What the jobs know of the database's health: whether a try is due, and a log line on each change.

    `failed()` after a connection error sets when to try next; `due()` says whether that time has come;
    `recovered()` after a success logs "database back" once, with how long it was away."""

    def __init__(self, retry: RetryPolicy = DATABASE_RETRY, monotonic: Callable[[], float] = time.monotonic) -> None:
        self._retry = retry
        self._monotonic = monotonic
        self._since: float | None = None  # when the outage began
        self._tries = 0
        self._next_try = 0.0

    @property
    def down(self) -> bool:
        return self._since is not None

    def due(self) -> bool:
        """Whether a job may use the database now (always, unless an outage asks to wait)."""
        return not self.down or self._monotonic() >= self._next_try

    def failed(self, job: str, exc: BaseException) -> float:
        """Record a failed try; the seconds until the next one (logged as 'database unavailable, retrying in …')."""
        now = self._monotonic()
        if self._since is None:
            self._since = now
        self._tries += 1
        wait = self._retry.delay(self._tries)
        self._next_try = now + wait
        log.warning(
            f"database unavailable, retrying in {wait:g} s",
            job=job,
            tries=self._tries,
            retry_in_seconds=wait,
            error=f"{type(exc).__name__}: {exc}".splitlines()[0][:300],
        )
        return wait

    def recovered(self, job: str) -> None:
        """Record a success: logs 'database back' when it ends an outage."""
        if self._since is None:
            return
        away = self._monotonic() - self._since
        log.info("database back", job=job, tries=self._tries, down_seconds=round(away, 1))
        self._since, self._tries, self._next_try = None, 0, 0.0
