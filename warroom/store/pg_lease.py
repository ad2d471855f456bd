"""A lease in PostgreSQL: a session-level advisory lock held by a connection of its own.

The lock is the database's: when the holder's process dies its connection closes and
the server releases the lock at once; a holder cut off by the network is dropped once
the server's TCP keepalives give up (`KEEPALIVE_*`, about 11 s), and its lock with it.
Another process trying `acquire()` every few seconds then takes over.
"""

from __future__ import annotations

import contextlib
import time
from typing import TYPE_CHECKING

import asyncpg

if TYPE_CHECKING:
    from warroom.store.postgres import PostgresStore

KEEPALIVE_SETTINGS = {
    "tcp_keepalives_idle": "5",
    "tcp_keepalives_interval": "2",
    "tcp_keepalives_count": "3",
}
TRY_LOCK = "SELECT pg_try_advisory_lock(hashtextextended($1, 0))"
RETRY_AFTER_FAILURE = 3.0
"""After a failed connection, seconds before `acquire` tries to connect again (without
it, a database that is away would hold each probe change for the connect timeout)."""


class AdvisoryLease:
    """`pg_try_advisory_lock` on the text `name`, on a connection kept for the lease."""

    def __init__(self, store: PostgresStore, name: str) -> None:
        self._store = store
        self.name = name
        self.description = f"advisory lock on {store.target}"
        self._conn: asyncpg.Connection | None = None
        self._held = False
        self._failed_at: float | None = None

    async def acquire(self) -> bool:
        conn = self._conn
        if self._held and conn is not None and not conn.is_closed():
            return True
        self._held = False
        failed_at = self._failed_at
        if failed_at is not None and time.monotonic() - failed_at < RETRY_AFTER_FAILURE:
            return False
        try:
            if conn is None or conn.is_closed():
                conn = self._conn = await self._store.lease_connection(KEEPALIVE_SETTINGS)
            self._held = bool(await conn.fetchval(TRY_LOCK, self.name))
            self._failed_at = None
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, TimeoutError):
            self._failed_at = time.monotonic()
            await self._drop()
        return self._held

    async def check(self) -> bool:
        """Ask the server whether the connection (and so the lock) is still there."""
        conn = self._conn
        if not self._held or conn is None or conn.is_closed():
            self._held = False
            return False
        try:
            await conn.fetchval("SELECT 1", timeout=self._store.connect_timeout)
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, TimeoutError):
            await self._drop()
        return self._held

    async def _drop(self) -> None:
        conn, self._conn, self._held = self._conn, None, False
        if conn is not None:
            conn.terminate()

    async def release(self) -> None:
        conn, self._conn, self._held = self._conn, None, False
        if conn is not None:
            with contextlib.suppress(Exception):
                await conn.close(timeout=2)
            if not conn.is_closed():
                conn.terminate()
