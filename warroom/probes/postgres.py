"""The `postgres` probe (asyncpg): the checks of the database runbooks, in one connection.

Connect and `SELECT 1` (the latency), then in one read-only transaction with a
`statement_timeout` (SET LOCAL, so it also works through PgBouncer in transaction mode):
client connections against the usable `max_connections` (minus the reserved slots),
queries active longer than `long_query_seconds`, sessions idle in a transaction for that
long, sessions blocked by others (`pg_blocking_pids`), and replication lag where there is
a replica. The probe names itself (`application_name`), leaves itself out of every count,
uses no prepared-statement cache (PgBouncer), and works without superuser: sessions of
other roles whose activity it may not read are counted and named in the result.

"too many clients" on connect means down; a refused or unanswered connection is down; a
host that does not resolve, a failed login or a missing database is unknown (the probe
could not look).
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import time
from typing import Any

import asyncpg

from warroom.probes.config import PostgresSpec
from warroom.probes.result import ProbeResult, ProbeState, format_ms
from warroom.probes.tcp import is_refused
from warroom.redact import parse_keyword_dsn

SETTINGS_SQL = """
SELECT current_setting('max_connections')::int AS max_connections,
       current_setting('superuser_reserved_connections')::int AS superuser_reserved,
       coalesce(nullif(current_setting('reserved_connections', true), ''), '0')::int
           AS reserved,
       (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) AS is_superuser,
       pg_has_role(current_user, 'pg_read_all_stats', 'USAGE') AS reads_all_stats,
       pg_is_in_recovery() AS in_recovery
"""

# Without pg_read_all_stats, the sessions of other roles show no backend_type, state or
# query; a hidden row with a database and a role is counted as a client connection.
ACTIVITY_SQL = """
WITH sessions AS (
    SELECT *, backend_type IS NULL AND datid IS NOT NULL AND usesysid IS NOT NULL AS hidden
    FROM pg_stat_activity
    WHERE pid <> pg_backend_pid()
)
SELECT count(*) FILTER (WHERE backend_type = 'client backend' OR hidden) AS clients,
       count(*) FILTER (WHERE hidden) AS hidden,
       count(*) FILTER (WHERE state = 'active' AND query_start < now() - $1 * interval '1 s')
           AS long_active,
       max(extract(epoch FROM now() - query_start)) FILTER (WHERE state = 'active')
           AS longest_active_s,
       count(*) FILTER (WHERE state LIKE 'idle in transaction%') AS idle_in_tx,
       count(*) FILTER (WHERE state LIKE 'idle in transaction%'
                        AND state_change < now() - $1 * interval '1 s') AS long_idle_in_tx,
       count(*) FILTER (WHERE cardinality(pg_blocking_pids(pid)) > 0) AS blocked
FROM sessions
"""

PRIMARY_LAG_SQL = """
SELECT count(*) AS replicas,
       count(*) FILTER (WHERE state IS NULL) AS hidden_replicas,
       max(extract(epoch FROM coalesce(replay_lag, interval '0'))) AS lag_s,
       max(pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn)) AS lag_bytes
FROM pg_stat_replication
"""

STANDBY_LAG_SQL = """
SELECT CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
            ELSE extract(epoch FROM now() - pg_last_xact_replay_timestamp()) END AS lag_s
"""


def connect_arguments(spec: PostgresSpec, timeout: float) -> dict[str, Any]:
    """asyncpg.connect() keywords for the DSN in URI or key=value form."""
    arguments: dict[str, Any] = {
        "timeout": timeout,
        "statement_cache_size": 0,
        "server_settings": {"application_name": spec.application_name},
    }
    if "://" in spec.dsn:
        arguments["dsn"] = spec.dsn
        return arguments
    renames = {"dbname": "database", "sslmode": "ssl"}
    allowed = {"host", "port", "user", "password", "database", "ssl", "passfile"}
    for key, value in parse_keyword_dsn(spec.dsn).items():
        key = renames.get(key, key)
        if key in allowed:
            arguments[key] = int(value) if key == "port" and value.isdigit() else value
    return arguments


async def probe_postgres(spec: PostgresSpec) -> ProbeResult:
    deadline = time.monotonic() + spec.timeout * 0.95
    detail: dict[str, Any] = {"target": spec.target}
    started = time.perf_counter()
    try:
        connection = await asyncpg.connect(**connect_arguments(spec, spec.timeout * 0.9))
    except Exception as error:  # every failure is a state
        state, reason = connect_failure(error, spec.timeout)
        return ProbeResult(state, reason, detail=detail)
    connect_ms = (time.perf_counter() - started) * 1000
    try:
        return await _inspect(spec, connection, deadline, connect_ms, detail)
    except (asyncpg.QueryCanceledError, TimeoutError):
        return ProbeResult(
            ProbeState.DOWN,
            f"connected in {format_ms(connect_ms)} but queries did not finish within "
            f"{spec.timeout:g} s",
            connect_ms,
            detail,
        )
    except (asyncpg.ConnectionDoesNotExistError, asyncpg.AdminShutdownError, OSError) as error:
        return ProbeResult(ProbeState.DOWN, f"connection lost: {error}", connect_ms, detail)
    except asyncpg.PostgresError as error:
        return ProbeResult(
            ProbeState.UNKNOWN,
            f"query failed: {error.sqlstate} {error}",
            connect_ms,
            detail,
        )
    finally:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(connection.close(), timeout=1)
        if not connection.is_closed():
            connection.terminate()


def connect_failure(error: BaseException, timeout: float) -> tuple[ProbeState, str]:
    """What a failed connect says about the server."""
    if isinstance(error, asyncpg.TooManyConnectionsError):
        return ProbeState.DOWN, f"too many clients: {error}"
    if isinstance(error, asyncpg.CannotConnectNowError):
        return ProbeState.DOWN, f"server not accepting connections: {error}"
    if isinstance(error, asyncpg.PostgresError):
        sqlstate = getattr(error, "sqlstate", "") or ""
        if sqlstate.startswith("28"):
            return ProbeState.UNKNOWN, f"cannot log in: {error}"
        if sqlstate.startswith("3D"):
            return ProbeState.UNKNOWN, f"no such database: {error}"
        return ProbeState.DOWN, f"connect failed: {sqlstate} {error}"
    if isinstance(error, TimeoutError):
        return ProbeState.DOWN, f"no connection within {timeout:g} s"
    if isinstance(error, socket.gaierror):
        return ProbeState.UNKNOWN, f"cannot resolve host: {error.strerror}"
    if isinstance(error, OSError):
        if is_refused(error):
            return ProbeState.DOWN, "connection refused"
        return ProbeState.DOWN, f"cannot connect: {error.strerror or error}"
    if isinstance(error, asyncpg.InterfaceError | ValueError):
        return ProbeState.UNKNOWN, f"cannot connect: {error}"
    return ProbeState.DOWN, f"cannot connect: {type(error).__name__}: {error}"


def _remaining_ms(deadline: float) -> int:
    return max(100, int((deadline - time.monotonic()) * 1000))


async def _inspect(
    spec: PostgresSpec,
    connection: asyncpg.Connection,
    deadline: float,
    connect_ms: float,
    detail: dict[str, Any],
) -> ProbeResult:
    async with connection.transaction(readonly=True):
        budget = _remaining_ms(deadline)
        await connection.execute(
            f"SET LOCAL statement_timeout = {budget}; SET LOCAL lock_timeout = {budget}"
        )
        started = time.perf_counter()
        await connection.fetchval("SELECT 1")
        query_ms = (time.perf_counter() - started) * 1000
        settings = await connection.fetchrow(SETTINGS_SQL)
        activity = await connection.fetchrow(ACTIVITY_SQL, spec.long_query_seconds)
        if settings["in_recovery"]:
            lag = await connection.fetchrow(STANDBY_LAG_SQL)
        else:
            lag = await connection.fetchrow(PRIMARY_LAG_SQL)
    latency = connect_ms + query_ms
    return judge(spec, settings, activity, lag, latency, connect_ms, query_ms, detail)


def judge(
    spec: PostgresSpec,
    settings: Any,
    activity: Any,
    lag: Any,
    latency: float,
    connect_ms: float,
    query_ms: float,
    detail: dict[str, Any],
) -> ProbeResult:
    """The state and reason the observed numbers mean under the spec's thresholds."""
    reserved = settings["superuser_reserved"] + settings["reserved"]
    usable = max(1, settings["max_connections"] - reserved)
    clients = activity["clients"]
    share = clients / usable
    detail.update(
        connect_ms=round(connect_ms, 1),
        query_ms=round(query_ms, 1),
        connections=clients,
        usable_connections=usable,
        max_connections=settings["max_connections"],
        pool_share=round(share, 3),
        long_active_queries=activity["long_active"],
        longest_active_s=_seconds(activity["longest_active_s"]),
        idle_in_transaction=activity["idle_in_tx"],
        long_idle_in_transaction=activity["long_idle_in_tx"],
        blocked_sessions=activity["blocked"],
        role="standby" if settings["in_recovery"] else "primary",
    )
    problems: list[str] = []
    if share >= spec.pool_degraded_at:
        problems.append(
            f"pool {share:.0%} >= {spec.pool_degraded_at:.0%} ({clients}/{usable} connections)"
        )
    if activity["long_active"]:
        problems.append(
            f"{_count(activity['long_active'], 'query', 'queries')} active "
            f"> {spec.long_query_seconds:g} s"
        )
    if activity["long_idle_in_tx"]:
        problems.append(
            f"{_count(activity['long_idle_in_tx'], 'session')} idle in transaction "
            f"> {spec.long_query_seconds:g} s"
        )
    if activity["blocked"]:
        problems.append(f"{_count(activity['blocked'], 'session')} blocked by others")
    problems += _lag_problems(spec, settings, lag, detail)
    if spec.degraded_ms is not None and latency >= spec.degraded_ms:
        problems.append(f"latency {format_ms(latency)} >= {format_ms(spec.degraded_ms)}")

    blind = []
    if activity["hidden"]:
        blind.append(
            f"cannot see the activity of {_count(activity['hidden'], 'session')} of other roles"
        )
    if detail.get("hidden_replicas"):
        blind.append("cannot see replication lag")
    if blind:
        detail["not_visible"] = "; ".join(blind) + " (grant pg_monitor to see them)"

    if problems:
        return ProbeResult(ProbeState.DEGRADED, "; ".join(problems), latency, detail)
    reason = f"SELECT 1 in {format_ms(latency)}, pool {share:.0%} ({clients}/{usable})"
    if blind:
        reason += "; " + detail["not_visible"]
    return ProbeResult(ProbeState.UP, reason, latency, detail)


def _lag_problems(spec: PostgresSpec, settings: Any, lag: Any, detail: dict[str, Any]) -> list[str]:
    if settings["in_recovery"]:
        seconds = _seconds(lag["lag_s"])
        detail["replication_lag_s"] = seconds
        if seconds is not None and seconds >= spec.lag_degraded_seconds:
            return [f"replay lag {seconds:g} s >= {spec.lag_degraded_seconds:g} s"]
        return []
    if not lag["replicas"]:
        return []
    detail["replicas"] = lag["replicas"]
    if lag["hidden_replicas"]:
        detail["hidden_replicas"] = lag["hidden_replicas"]
    seconds = _seconds(lag["lag_s"])
    detail["replication_lag_s"] = seconds
    if lag["lag_bytes"] is not None:
        detail["replication_lag_bytes"] = int(lag["lag_bytes"])
    if seconds is not None and seconds >= spec.lag_degraded_seconds:
        return [f"replica lag {seconds:g} s >= {spec.lag_degraded_seconds:g} s"]
    return []


def _seconds(value: Any) -> float | None:
    return None if value is None else round(float(value), 1)


def _count(number: int, word: str, plural: str | None = None) -> str:
    return f"{number} {word if number == 1 else plural or word + 's'}"
