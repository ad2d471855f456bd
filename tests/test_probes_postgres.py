"""The postgres probe against a real throwaway cluster driven into each state."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from tests.support.pgstore import OwnDatabase
from tests.support.postgres import PostgresCluster, find_binary, postgres_missing_reason
from tests.support.probe_servers import refused_port
from warroom.probes.config import PostgresSpec, parse_service
from warroom.probes.postgres import connect_arguments
from warroom.probes.result import ProbeResult, ProbeState
from warroom.probes.runner import ProbeRunner

pytestmark = pytest.mark.postgres

SECRET = "pw-0f7e2d9c41"
CANCEL_SLEEPERS = (
    "SELECT pg_cancel_backend(pid) FROM pg_stat_activity"
    " WHERE query LIKE 'SELECT pg_sleep%' AND pid <> pg_backend_pid()"
)


@pytest.fixture(scope="module")
def cluster() -> Iterator[PostgresCluster]:
    """12 connections, 2 reserved for superusers: 10 usable (a small pool to fill)."""
    reason = postgres_missing_reason()
    if reason:
        pytest.skip(reason)
    running = PostgresCluster(max_connections=12, superuser_reserved=2).start_new()
    try:
        running.psql("CREATE ROLE watcher LOGIN")
        running.psql("CREATE TABLE ledger (id int)")
        running.psql("GRANT SELECT ON ledger TO watcher")
        yield running
    finally:
        running.destroy()


def pg_spec(dsn: str, **fields: Any) -> PostgresSpec:
    raw = {"name": "database", "kind": "postgres", "dsn": dsn, "timeout": 5, **fields}
    spec = parse_service(raw, "test.toml", 1)
    assert isinstance(spec, PostgresSpec)
    return spec


@pytest.fixture
async def probe() -> AsyncIterator[Callable[..., Awaitable[ProbeResult]]]:
    runner = ProbeRunner(concurrency=2)

    async def run(dsn: str, **fields: Any) -> ProbeResult:
        return await runner.run(pg_spec(dsn, **fields))

    yield run
    await runner.aclose()


@pytest.fixture
async def sessions(cluster: PostgresCluster) -> AsyncIterator[list[asyncpg.Connection]]:
    """Connections a test opens to load the cluster; all closed afterwards."""
    opened: list[asyncpg.Connection] = []
    yield opened
    for connection in opened:
        with contextlib.suppress(Exception):
            await connection.close(timeout=2)


async def open_sessions(cluster: PostgresCluster, into: list, count: int, user: str | None = None):
    for _ in range(count):
        into.append(await asyncpg.connect(cluster.dsn(user=user)))


async def until(check: Callable[[], Awaitable[bool]], timeout: float = 10.0) -> None:
    """Wait for the database to reach a state (polling it, bounded)."""
    deadline = time.monotonic() + timeout
    while not await check():
        if time.monotonic() > deadline:
            raise TimeoutError("the cluster never reached the expected state")
        await asyncio.sleep(0.02)


@contextlib.asynccontextmanager
async def sleeping_query(
    sleeper: asyncpg.Connection, observer: asyncpg.Connection, seen: str
) -> AsyncIterator[None]:
    """Run `SELECT pg_sleep(60)` on `sleeper` until `observer`'s query `seen` is true; the
    sleep is cancelled afterwards (whatever the test did)."""
    sleeping = asyncio.create_task(sleeper.execute("SELECT pg_sleep(60)"))
    try:
        await until(lambda: observer.fetchval(seen))
        yield
    finally:
        await observer.execute(CANCEL_SLEEPERS)
        with contextlib.suppress(asyncpg.QueryCanceledError):
            await sleeping


async def test_healthy(cluster: PostgresCluster, probe: Any) -> None:
    result = await probe(cluster.dsn())
    assert result.state is ProbeState.UP
    assert result.reason.startswith("SELECT 1 in ")
    assert result.reason.endswith("pool 0% (0/10)")  # the probe does not count itself
    detail = result.detail
    assert (detail["connections"], detail["usable_connections"]) == (0, 10)
    assert detail["role"] == "primary" and "replicas" not in detail
    assert detail["blocked_sessions"] == detail["long_active_queries"] == 0
    assert result.latency_ms is not None and result.latency_ms > 0


async def test_names_itself_sets_a_statement_timeout_and_uses_no_statement_cache(
    cluster: PostgresCluster, probe: Any
) -> None:
    cluster.psql("ALTER SYSTEM SET log_connections = on")
    cluster.psql("ALTER SYSTEM SET log_statement = 'all'")
    cluster.psql("SELECT pg_reload_conf()")
    try:
        await until(lambda: _setting(cluster, "log_statement", "all"))
        log = Path(cluster.root or "") / "server.log"
        start = log.stat().st_size
        result = await probe(cluster.dsn(), timeout=4)
        assert result.state is ProbeState.UP
        written = log.read_text(errors="replace")[start:]
    finally:
        cluster.psql("ALTER SYSTEM RESET log_connections")
        cluster.psql("ALTER SYSTEM RESET log_statement")
        cluster.psql("SELECT pg_reload_conf()")
    assert "application_name=warroom-probe" in written
    assert "SET LOCAL statement_timeout = " in written
    assert "BEGIN READ ONLY" in written
    assert "__asyncpg_stmt" not in written  # statement_cache_size=0: nothing named


async def _setting(cluster: PostgresCluster, name: str, value: str) -> bool:
    connection = await asyncpg.connect(cluster.dsn())
    try:
        return await connection.fetchval(f"SHOW {name}") == value
    finally:
        await connection.close()


async def test_pool_over_the_threshold_is_degraded(
    cluster: PostgresCluster, probe: Any, sessions: list
) -> None:
    await open_sessions(cluster, sessions, 8)
    result = await probe(cluster.dsn())
    assert result.state is ProbeState.DEGRADED
    assert result.reason == "pool 80% >= 80% (8/10 connections)"
    relaxed = await probe(cluster.dsn(), pool_degraded_at=0.9)
    assert relaxed.state is ProbeState.UP


async def test_too_many_clients_is_down(
    cluster: PostgresCluster, probe: Any, sessions: list
) -> None:
    await open_sessions(cluster, sessions, 10)
    as_watcher = await probe(cluster.dsn(user="watcher"))
    assert as_watcher.state is ProbeState.DOWN
    assert as_watcher.reason.startswith("too many clients: remaining connection slots")
    await open_sessions(cluster, sessions, 2)  # the superuser slots too
    as_superuser = await probe(cluster.dsn())
    assert as_superuser.state is ProbeState.DOWN
    assert as_superuser.reason == "too many clients: sorry, too many clients already"


async def test_long_query_is_degraded(cluster: PostgresCluster, probe: Any, sessions: list):
    await open_sessions(cluster, sessions, 2)
    sleeper, observer = sessions
    async with sleeping_query(
        sleeper,
        observer,
        "SELECT count(*) = 1 FROM pg_stat_activity WHERE state = 'active'"
        " AND query LIKE 'SELECT pg_sleep%' AND query_start < now() - interval '0.3 s'",
    ):
        result = await probe(cluster.dsn(), long_query_seconds=0.3)
        assert result.state is ProbeState.DEGRADED
        assert result.reason == "1 query active > 0.3 s"
        assert result.detail["longest_active_s"] >= 0.3
        patient = await probe(cluster.dsn(), long_query_seconds=3600)
        assert patient.state is ProbeState.UP


async def test_blocked_lock_and_idle_transaction_are_degraded(
    cluster: PostgresCluster, probe: Any, sessions: list
) -> None:
    await open_sessions(cluster, sessions, 3)
    holder, waiter, observer = sessions
    await holder.execute("BEGIN; LOCK TABLE ledger IN ACCESS EXCLUSIVE MODE")
    waiting = asyncio.create_task(waiter.fetch("SELECT * FROM ledger"))
    try:
        await until(
            lambda: observer.fetchval(
                "SELECT count(*) = 1 FROM pg_stat_activity"
                " WHERE cardinality(pg_blocking_pids(pid)) > 0"
            )
        )
        result = await probe(cluster.dsn(), long_query_seconds=3600)
        assert result.state is ProbeState.DEGRADED
        assert result.reason == "1 session blocked by others"
        assert result.detail["idle_in_transaction"] == 1
        await until(
            lambda: observer.fetchval(
                "SELECT count(*) = 1 FROM pg_stat_activity WHERE state = 'idle in transaction'"
                " AND state_change < now() - interval '0.3 s'"
            )
        )
        strict = await probe(cluster.dsn(), long_query_seconds=0.3)
        assert "1 session idle in transaction > 0.3 s" in strict.reason
        assert "1 session blocked by others" in strict.reason
    finally:
        await holder.execute("ROLLBACK")
        await waiting


async def test_without_superuser_it_says_what_it_could_not_see(
    cluster: PostgresCluster, probe: Any, sessions: list
) -> None:
    await open_sessions(cluster, sessions, 2)
    sleeper, observer = sessions
    async with sleeping_query(
        sleeper,
        observer,
        "SELECT count(*) = 1 FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep%'"
        " AND query_start < now() - interval '0.3 s'",
    ):
        result = await probe(cluster.dsn(user="watcher"), long_query_seconds=0.3)
        assert result.state is ProbeState.UP
        assert result.detail["connections"] == 2  # counted, even if not readable
        assert result.detail["not_visible"] == (
            "cannot see the activity of 2 sessions of other roles (grant pg_monitor to see them)"
        )
        assert "cannot see the activity of 2 sessions" in result.reason
        cluster.psql("GRANT pg_monitor TO watcher")
        try:
            monitored = await probe(cluster.dsn(user="watcher"), long_query_seconds=0.3)
        finally:
            cluster.psql("REVOKE pg_monitor FROM watcher")
        assert monitored.state is ProbeState.DEGRADED
        assert "not_visible" not in monitored.detail


async def test_server_stopped_is_down(fresh_postgres: OwnDatabase, probe: Any) -> None:
    assert (await probe(fresh_postgres.dsn())).state is ProbeState.UP
    fresh_postgres.stop()
    result = await probe(fresh_postgres.dsn(password=SECRET))
    assert (result.state, result.reason) == (ProbeState.DOWN, "connection refused")
    assert SECRET not in json.dumps(result.to_dict())


async def test_login_problems_are_unknown(cluster: PostgresCluster, probe: Any) -> None:
    missing = await probe(cluster.dsn(db="no_such_db"))
    assert missing.state is ProbeState.UNKNOWN
    assert missing.reason == 'no such database: database "no_such_db" does not exist'
    nobody = await probe(cluster.dsn(user="nobody"))
    assert nobody.state is ProbeState.UNKNOWN
    assert nobody.reason.startswith("cannot log in:")


async def test_keyword_dsn_and_passwords_never_shown(cluster: PostgresCluster, probe: Any):
    dsn = (
        f"host=127.0.0.1 port={cluster.port} user={cluster.user} password='{SECRET}'"
        " dbname=postgres"
    )
    spec = pg_spec(dsn)
    assert connect_arguments(spec, 1)["password"] == SECRET
    assert SECRET not in spec.target
    result = await probe(dsn)
    assert result.state is ProbeState.UP
    refused = f"postgresql://app:{SECRET}@127.0.0.1:{refused_port()}/postgres"
    down = await probe(refused)
    assert down.state is ProbeState.DOWN
    for shown in (
        json.dumps(result.to_dict()),
        json.dumps(down.to_dict()),
        pg_spec(refused).target,
    ):
        assert SECRET not in shown


# Replication -----------------------------------------------------------------------------


@pytest.fixture
def standby(fresh_postgres: OwnDatabase) -> Iterator[PostgresCluster]:
    """A streaming replica of `fresh_postgres` (pg_basebackup -R)."""
    replica = PostgresCluster(max_connections=12, superuser_reserved=2)
    replica.root = Path(tempfile.mkdtemp(prefix="warroom-pg-standby-"))
    if os.geteuid() == 0:
        shutil.chown(replica.root, "postgres", "postgres")
    try:
        replica._run(
            find_binary("pg_basebackup") or "pg_basebackup",
            "-h", "127.0.0.1", "-p", str(fresh_postgres.port), "-U", fresh_postgres.user,
            "-D", str(replica.datadir), "-R", "-X", "stream", "--no-sync",
            "--checkpoint=fast",  # a spread checkpoint paces the primary's writes over minutes
        )  # fmt: skip
        conf = replica.datadir / "postgresql.conf"
        with open(conf, "a") as handle:
            handle.write(f"\nport = {replica.port}\nunix_socket_directories = '{replica.root}'\n")
        replica.start()
        yield replica
    finally:
        replica.destroy()


async def test_replication_lag(fresh_postgres: OwnDatabase, standby: PostgresCluster, probe):
    primary = await asyncpg.connect(fresh_postgres.dsn())
    replica = await asyncpg.connect(standby.dsn())
    try:
        await until(
            lambda: primary.fetchval(
                "SELECT count(*) = 1 FROM pg_stat_replication WHERE state = 'streaming'"
            )
        )
        await primary.execute("CREATE TABLE beat (n int); INSERT INTO beat VALUES (1)")
        target = await primary.fetchval("SELECT pg_current_wal_insert_lsn()")
        await until(lambda: replica.fetchval("SELECT pg_last_wal_replay_lsn() >= $1", target))
        caught_up = await probe(standby.dsn(), lag_degraded_seconds=30)
        assert caught_up.state is ProbeState.UP
        assert caught_up.detail["role"] == "standby"
        assert caught_up.detail["replication_lag_s"] == 0
        seen_from_primary = await probe(fresh_postgres.dsn())
        assert seen_from_primary.detail["replicas"] == 1

        await replica.execute("SELECT pg_wal_replay_pause()")
        await primary.execute("INSERT INTO beat VALUES (2)")
        await until(
            lambda: replica.fetchval("SELECT pg_last_wal_receive_lsn() > pg_last_wal_replay_lsn()")
        )
        lagging = await probe(standby.dsn(), lag_degraded_seconds=0.001)
        assert lagging.state is ProbeState.DEGRADED
        assert lagging.reason.startswith("replay lag ")
        behind = await probe(fresh_postgres.dsn())
        assert behind.detail["replication_lag_bytes"] > 0
    finally:
        with contextlib.suppress(Exception):
            await replica.execute("SELECT pg_wal_replay_resume()")
        await primary.close()
        await replica.close()
