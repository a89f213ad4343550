"""Which listener runs the pollers (X search, mentions and stream, Bluesky): exactly one per database.

On PostgreSQL the leader is the process holding a session advisory lock on a connection of its own. The
others try again every `leader_retry_seconds`; when the leader dies its connection closes, PostgreSQL
releases the lock and the next try wins. The leader checks its connection at the same pace and stops
polling when it is lost (someone else may hold the lock by then). Posts are stored once per (channel, post
id), so the short overlap a lost connection can cause never counts a post twice. On SQLite (one machine)
every process is its own leader."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable

import structlog
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection

from restock_bot.storage.database import Database
from restock_bot.storage.schema import lock_key

log = structlog.get_logger(__name__)

Hook = Callable[[], Awaitable[None]]


class Leadership:
    """Elects this process leader for `name` and calls `on_elected` / `on_deposed` as that changes."""

    def __init__(
        self,
        database: Database,
        *,
        every: float,
        on_elected: Hook,
        on_deposed: Hook,
        name: str = "pollers",
    ) -> None:
        self._database = database
        self._every = every
        self._on_elected = on_elected
        self._on_deposed = on_deposed
        self.name = name
        self.key = lock_key(f"leader:{name}", database.search_path)
        self.is_leader = False
        self._connection: AsyncConnection | None = None
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Try at once (SQLite: always leader), then keep trying or checking in the background."""
        if self._database.dialect != "postgresql":
            await self._become_leader()
            return
        await self.check()
        self._task = asyncio.create_task(self._keep_checking(), name=f"leadership-{self.name}")

    async def _keep_checking(self) -> None:
        while True:
            await asyncio.sleep(self._every)
            await self.check()

    async def check(self) -> None:
        """One round: a leader makes sure its lock connection lives, a follower tries to take the lock."""
        try:
            if self.is_leader:
                assert self._connection is not None
                await self._connection.execute(text("SELECT 1"))
            elif await self._try_lock():
                await self._become_leader()
        except (SQLAlchemyError, OSError) as exc:
            log.warning("leader_connection_lost", leader=self.is_leader, error=str(exc))
            await self._drop_connection()
            if self.is_leader:
                await self._step_down()

    async def _try_lock(self) -> bool:
        if self._connection is None:
            connection = await self._database.engine.connect()
            self._connection = await connection.execution_options(isolation_level="AUTOCOMMIT")
        result = await self._connection.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": self.key})
        return bool(result.scalar())

    async def _become_leader(self) -> None:
        self.is_leader = True
        log.info("leader_elected", role=self.name)
        await self._run(self._on_elected)

    async def _step_down(self) -> None:
        self.is_leader = False
        log.info("leader_stepped_down", role=self.name)
        await self._run(self._on_deposed)

    async def _run(self, hook: Hook) -> None:
        try:
            await hook()
        except Exception:  # a poller that fails to start or stop must not end the election loop
            log.exception("leader_hook_failed", role=self.name)

    async def _drop_connection(self) -> None:
        if self._connection is None:
            return
        connection, self._connection = self._connection, None
        with contextlib.suppress(SQLAlchemyError, OSError):
            await connection.invalidate()
        with contextlib.suppress(SQLAlchemyError, OSError):
            await connection.close()

    async def stop(self) -> None:
        """Stop trying; a leader stops its pollers and hands the lock back."""
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
        if self.is_leader:
            await self._step_down()
        if self._connection is not None:
            with contextlib.suppress(SQLAlchemyError, OSError):
                await self._connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": self.key})
            await self._drop_connection()
