"""The drill's fleet: the HTTP services, the vendor page and, where possible, PostgreSQL.

`Fleet.start()` brings them up on 127.0.0.1 (free ports); `apply(action)` changes one
service as a drill action says; `service_tables()` are the `[[service]]` tables that
point the real probes at it; `stop()` takes everything down and is safe to call twice.
Without PostgreSQL server binaries, the fleet has no `db` and says why in
`postgres_skipped`; actions on `db` are then skipped.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from warroom.drill.http_fleet import HttpFleet
from warroom.drill.loop_thread import LoopThread
from warroom.drill.pg_cluster import DrillCluster, missing_reason
from warroom.drill.pg_trouble import PostgresTrouble
from warroom.drill.script import DATABASE, HTTP_SERVICES, VENDOR, Action

# Probe settings for the fleet: quick enough that a drill at speed 1 shows a fault within
# a couple of seconds, and damped (two results confirm a change) so it does not flicker.
PROBE_DEFAULTS: dict[str, Any] = {
    "interval": 1.0,
    "timeout": 0.95,
    "retry_interval": 0.5,
    "down_after": 2,
    "up_after": 2,
}
DEGRADED_MS = 600


class Fleet:
    def __init__(self, loop: LoopThread, seed: int, use_postgres: bool = True) -> None:
        self.loop = loop
        self.http = HttpFleet(seed)
        self.cluster: DrillCluster | None = None
        self.trouble: PostgresTrouble | None = None
        self.postgres_skipped = "" if use_postgres else "turned off (--no-postgres)"
        self._use_postgres = use_postgres
        self._stopped = False

    @property
    def names(self) -> list[str]:
        return [*self.http.services, *([DATABASE] if self.trouble else [])]

    @property
    def ports(self) -> list[int]:
        return [*self.http.ports, *([self.cluster.port] if self.cluster else [])]

    @property
    def cluster_root(self) -> str | None:
        return str(self.cluster.root) if self.cluster and self.cluster.root else None

    def start(self) -> Fleet:
        self.http.start(HTTP_SERVICES, vendor=VENDOR)
        if self._use_postgres:
            reason = missing_reason()
            if reason:
                self.postgres_skipped = reason
            else:
                self._start_postgres()
        return self

    def _start_postgres(self) -> None:
        """A cluster that will not start leaves the drill without `db`, not without a drill."""
        cluster = DrillCluster()
        try:
            cluster.start()
            trouble = PostgresTrouble(cluster)
            self.loop.call(trouble.prepare())
        except Exception as error:
            cluster.stop()
            detail = getattr(error, "stderr", "") or str(error) or type(error).__name__
            self.postgres_skipped = f"PostgreSQL did not start: {detail.strip().splitlines()[-1]}"
            return
        self.cluster, self.trouble = cluster, trouble

    async def apply(self, action: Action) -> str:
        """Apply on the drill loop; returns what happened (or why nothing did)."""
        if action.service == DATABASE:
            if self.trouble is None:
                return f"skipped: no PostgreSQL ({self.postgres_skipped})"
            return await self.trouble.apply(dict(action.changes))
        self.http.services[action.service].apply(dict(action.changes))
        return "applied"

    async def wait_for_baseline(self, timeout: float, answers: int = 1) -> list[str]:
        """Wait (at most `timeout` s) until every service has answered the probes healthy
        `answers` times (a first result is shown at once: the damping only holds back a
        change from a known state); returns the services that did not."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            missing = [
                name
                for name, service in self.http.services.items()
                if service.healthy_answers < answers
            ]
            if self.trouble is not None:
                try:
                    if await self.trouble.probe_sessions() < answers:
                        missing.append(DATABASE)
                except Exception:  # the count is a courtesy; the drill goes on without it
                    missing.append(DATABASE)
            if not missing or loop.time() >= deadline:
                return missing
            await asyncio.sleep(0.1)

    def service_tables(self, probe: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        settings = {**PROBE_DEFAULTS, **(probe or {})}
        services = self.http.services
        tables: list[dict[str, Any]] = [
            {
                "name": "api",
                "kind": "http",
                "url": f"{services['api'].base_url}/health",
                "expect_json": {"status": "ok"},
                "degraded_ms": DEGRADED_MS,
                **settings,
            },
            {
                "name": "web",
                "kind": "http",
                "url": f"{services['web'].base_url}/",
                "degraded_ms": DEGRADED_MS,
                **settings,
            },
            {
                "name": "webhooks",
                "kind": "http",
                "url": f"{services['webhooks'].base_url}/health",
                "expect_json": {"status": "ok"},
                "degraded_ms": DEGRADED_MS,
                **settings,
            },
            {"name": "vendor", "kind": "statuspage", "url": services[VENDOR].base_url, **settings},
        ]
        if self.trouble is not None:
            tables.append(
                {
                    "name": "db",
                    "kind": "postgres",
                    "dsn": self.trouble.app_dsn,
                    "pool_degraded_at": 0.8,
                    "long_query_seconds": 5.0,
                    **settings,
                }
            )
        return tables

    def stop(self) -> None:
        if self._stopped:
            return
        self._stopped = True
        try:
            if self.trouble is not None and self.loop.running:
                # The cluster stops (immediately) below anyway.
                with contextlib.suppress(Exception):
                    self.loop.call(self.trouble.release_all(), timeout=5)
        finally:
            try:
                if self.cluster is not None:
                    self.cluster.stop()
            finally:
                self.http.stop()
