"""Real trouble for the drill's PostgreSQL: a pool that fills, a lock that blocks.

`PostgresTrouble` prepares the cluster like a small shop's database (a non-superuser
`app` role with `pg_monitor`, a `shop` database, an `orders` table), then on the drill's
command:

- `pool`: holds open that share of the connections the `app` role may use, as a leaking
  connection pool would, and takes any slot that frees up until it has them. At 1.0
  there is no slot left: the next connect (the probe's too) gets "too many clients".
  0 closes them.
- `lock`: one session takes an exclusive lock on `orders` and sits idle in its
  transaction, and two "checkout" sessions queue behind it: the probe sees blocked
  sessions. `False` rolls the lock back and the queue drains.

All of it runs on the drill runner's event loop with asyncpg.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
from collections.abc import Mapping
from typing import Any

import asyncpg

from warroom.drill.pg_cluster import APP_DATABASE, APP_USER, DrillCluster

log = logging.getLogger(__name__)

SETUP_SQL = f"""
CREATE ROLE {APP_USER} LOGIN;
GRANT pg_monitor TO {APP_USER};
CREATE DATABASE {APP_DATABASE} OWNER {APP_USER};
"""
SCHEMA_SQL = """
CREATE TABLE orders (id serial PRIMARY KEY, total numeric NOT NULL, placed_at timestamptz
    NOT NULL DEFAULT now());
INSERT INTO orders (total) SELECT (random() * 200)::numeric(10, 2) FROM generate_series(1, 500);
"""
BLOCKED_QUERIES = 2


class PostgresTrouble:
    def __init__(self, cluster: DrillCluster) -> None:
        self.cluster = cluster
        self.held: list[asyncpg.Connection] = []
        self.pool_target = 0
        self.top_up: asyncio.Task[None] | None = None
        self.lock_holder: asyncpg.Connection | None = None
        self.waiters: list[asyncio.Task[None]] = []
        self.waiter_connections: list[asyncpg.Connection] = []
        self.sessions_before_probes = 0

    @property
    def app_dsn(self) -> str:
        return self.cluster.dsn(APP_USER, APP_DATABASE)

    async def prepare(self) -> None:
        admin = await asyncpg.connect(self.cluster.dsn(), timeout=10)
        try:
            for statement in filter(None, (s.strip() for s in SETUP_SQL.split(";"))):
                await admin.execute(statement)
        finally:
            await admin.close()
        app = await self._connect("shop-setup")
        try:
            await app.execute(SCHEMA_SQL)
        finally:
            await app.close()
        self.sessions_before_probes = await self.sessions()

    async def sessions(self) -> int:
        """Sessions opened to the shop database so far (each probe opens one); read from a
        connection to another database, so the count does not count itself."""
        admin = await asyncpg.connect(self.cluster.dsn(), timeout=5)
        try:
            found = await admin.fetchval(
                "SELECT sessions FROM pg_stat_database WHERE datname = $1", APP_DATABASE
            )
        finally:
            await admin.close()
        return int(found or 0)

    async def probe_sessions(self) -> int:
        """Sessions opened since the drill prepared the database: the probes' connects."""
        return max(0, await self.sessions() - self.sessions_before_probes)

    async def _connect(self, name: str) -> asyncpg.Connection:
        return await asyncpg.connect(
            self.app_dsn, timeout=5, server_settings={"application_name": name}
        )

    async def apply(self, changes: Mapping[str, Any]) -> str:
        """Apply `pool` and/or `lock`; returns what happened, for the drill's journal."""
        done = []
        if "pool" in changes:
            done.append(await self.set_pool(float(changes["pool"])))
        if "lock" in changes:
            done.append(await self.set_lock(bool(changes["lock"])))
        return "; ".join(done)

    async def set_pool(self, share: float) -> str:
        """Hold `share` of the usable connections; a slot freed later is taken again."""
        self.pool_target = math.ceil(share * self.cluster.usable_connections)
        await self._stop_top_up()
        problem = await self._top_up()
        while len(self.held) > self.pool_target:
            await self._close(self.held.pop())
        if problem:
            self.top_up = asyncio.create_task(self._keep_full(), name="drill pool leak")
        held = f"holding {len(self.held)} of {self.cluster.usable_connections} connections"
        return f"{held} (the rest as soon as they free up: {problem})" if problem else held

    async def _stop_top_up(self) -> None:
        task, self.top_up = self.top_up, None
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    async def _top_up(self) -> str:
        """Open connections up to the target, all at once; the error that stopped it, or ""."""
        first = len(self.held) + 1
        missing = self.pool_target - len(self.held)
        opened = await asyncio.gather(
            *(self._connect(f"shop-pool-{first + n}") for n in range(max(missing, 0))),
            return_exceptions=True,
        )
        problem = ""
        for outcome in opened:
            if isinstance(outcome, BaseException):
                problem = str(outcome)
            else:
                self.held.append(outcome)
        return problem

    async def _keep_full(self) -> None:
        """Like a leaking worker: grab every connection that frees up, until told to stop."""
        while len(self.held) < self.pool_target:
            await asyncio.sleep(0.05)
            with contextlib.suppress(Exception):
                await self._top_up()

    async def set_lock(self, hold: bool) -> str:
        if hold and self.lock_holder is None:
            holder = await self._connect("shop-migration")
            await holder.execute("BEGIN; LOCK TABLE orders IN ACCESS EXCLUSIVE MODE")
            self.lock_holder = holder
            for number in range(1, BLOCKED_QUERIES + 1):
                waiter = await self._connect(f"shop-checkout-{number}")
                self.waiter_connections.append(waiter)
                self.waiters.append(
                    asyncio.create_task(self._wait_behind_lock(waiter), name="drill waiter")
                )
            return "orders locked by a migration; checkouts queue behind it"
        if not hold and self.lock_holder is not None:
            holder, self.lock_holder = self.lock_holder, None
            with contextlib.suppress(Exception):
                await holder.execute("ROLLBACK")
            await self._close(holder)
            await self._drain_waiters()
            return "lock released; checkouts go through"
        return "lock unchanged"

    async def _wait_behind_lock(self, connection: asyncpg.Connection) -> None:
        with contextlib.suppress(Exception):
            await connection.fetchval("SELECT count(*) FROM orders")

    async def _drain_waiters(self) -> None:
        waiters, self.waiters = self.waiters, []
        with contextlib.suppress(Exception):
            await asyncio.wait_for(asyncio.gather(*waiters, return_exceptions=True), 5)
        for task in waiters:
            task.cancel()
        connections, self.waiter_connections = self.waiter_connections, []
        for connection in connections:
            await self._close(connection)

    @staticmethod
    async def _close(connection: asyncpg.Connection) -> None:
        try:
            await asyncio.wait_for(connection.close(), timeout=2)
        except Exception:
            connection.terminate()

    async def release_all(self) -> None:
        """Close every connection the drill holds (before the cluster stops)."""
        self.pool_target = 0
        await self._stop_top_up()
        if self.lock_holder is not None:
            holder, self.lock_holder = self.lock_holder, None
            holder.terminate()
        for task in self.waiters:
            task.cancel()
        for connection in [*self.held, *self.waiter_connections]:
            connection.terminate()
        self.held, self.waiters, self.waiter_connections = [], [], []
