"""The drill's fleet, probed by the real probes: HTTP services, the vendor page, PostgreSQL
driven into trouble, and nothing left behind after a stop or a crash."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.support.drill import listening
from tests.support.postgres import postgres_missing_reason
from warroom.drill.fleet import Fleet
from warroom.drill.loop_thread import LoopThread
from warroom.drill.script import Action
from warroom.probes.config import ServiceSpec, parse_service
from warroom.probes.runner import ProbeRunner

REPO = Path(__file__).resolve().parents[1]


def wait_until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.05)


@pytest.fixture
def fleet_without_db() -> Iterator[Fleet]:
    loop = LoopThread().start()
    fleet = Fleet(loop, seed=3, use_postgres=False).start()
    try:
        yield fleet
    finally:
        fleet.stop()
        loop.stop()


def specs_of(fleet: Fleet) -> dict[str, ServiceSpec]:
    tables = fleet.service_tables()
    return {t["name"]: parse_service(t, "drill", n) for n, t in enumerate(tables, start=1)}


async def probe(fleet: Fleet, name: str) -> tuple[str, str]:
    runner = ProbeRunner()
    try:
        result = await runner.run(specs_of(fleet)[name])
    finally:
        await runner.aclose()
    return str(result.state), result.reason


def apply(fleet: Fleet, service: str, **changes: object) -> str:
    return fleet.loop.call(fleet.apply(Action(service, changes)))


async def test_http_services_and_vendor_page_through_the_real_probes(
    fleet_without_db: Fleet,
) -> None:
    fleet = fleet_without_db
    assert sorted(fleet.names) == ["api", "vendor", "web", "webhooks"]
    assert "--no-postgres" in fleet.postgres_skipped
    for name in fleet.names:
        assert (await probe(fleet, name))[0] == "up", name
    apply(fleet, "api", latency_ms=750)
    state, reason = await probe(fleet, "api")
    assert state == "degraded" and "latency" in reason
    apply(fleet, "api", status=503, latency_ms=5, error="boom")
    assert await probe(fleet, "api") == ("down", "status 503, expected 2xx")
    apply(fleet, "webhooks", status=200)
    apply(fleet, "vendor", component="Payments API", component_status="degraded_performance")
    assert (await probe(fleet, "vendor"))[0] == "degraded"
    apply(fleet, "vendor", component_status="major_outage", incident="Card payments failing")
    state, reason = await probe(fleet, "vendor")
    assert state == "down"
    assert "Payments API: major outage" in reason and "Card payments failing" in reason
    apply(fleet, "vendor", component_status="operational", incident="")
    assert (await probe(fleet, "vendor"))[0] == "up"
    assert apply(fleet, "db", pool=1.0).startswith("skipped: no PostgreSQL")


def test_stop_closes_every_port(fleet_without_db: Fleet) -> None:
    fleet = fleet_without_db
    apply(fleet, "api", latency_ms=30_000)  # an answer still sleeping must not hold it up
    ports = fleet.ports
    assert len(ports) == 4 and all(listening(port) for port in ports)
    fleet.stop()
    assert not any(listening(port) for port in ports)
    fleet.stop()  # twice is fine


@pytest.mark.postgres
async def test_postgres_pool_fills_and_a_lock_blocks() -> None:
    reason = postgres_missing_reason()
    if reason:
        pytest.skip(reason)
    loop = LoopThread().start()
    fleet = Fleet(loop, seed=1).start()
    try:
        assert fleet.cluster is not None and fleet.cluster_root is not None
        root, port = Path(fleet.cluster_root), fleet.cluster.port
        assert (await probe(fleet, "db"))[0] == "up"
        assert "holding 15 of 17" in apply(fleet, "db", pool=0.85)
        state, reason = await probe(fleet, "db")
        assert state == "degraded" and "pool 88%" in reason
        apply(fleet, "db", pool=1.0)
        state, reason = await probe(fleet, "db")
        assert state == "down" and "too many clients" in reason
        apply(fleet, "db", pool=0)  # also stops the leak that waits for a free slot
        state, reason = await probe(fleet, "db")
        assert state == "up" and "pool 0% (0/17)" in reason
        apply(fleet, "db", lock=True)
        state, reason = await probe(fleet, "db")
        assert state == "degraded" and "2 sessions blocked by others" in reason
        assert "released" in apply(fleet, "db", lock=False)
        assert (await probe(fleet, "db"))[0] == "up"
        apply(fleet, "db", pool=0.5, lock=True)  # stop must cope with trouble in progress
    finally:
        fleet.stop()
        loop.stop()
    assert not root.exists()
    assert not listening(port)


CRASHING_DRILL = """
import sys, time
from warroom.drill.pg_cluster import DrillCluster
cluster = DrillCluster().start()
print(cluster.root, cluster.port, flush=True)
time.sleep(600)
"""


@pytest.mark.postgres
def test_a_killed_drill_leaves_no_cluster_behind() -> None:
    reason = postgres_missing_reason()
    if reason:
        pytest.skip(reason)
    process = subprocess.Popen(
        [sys.executable, "-c", CRASHING_DRILL],
        cwd=REPO,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        root_text, port_text = process.stdout.readline().split()
        root, port = Path(root_text), int(port_text)
        assert root.is_dir() and listening(port)
        os.kill(process.pid, signal.SIGKILL)  # no finally, no atexit: only the reaper is left
        process.wait(timeout=10)
        wait_until(lambda: not root.exists() and not listening(port), 30, "the reaper")
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)


def test_a_postgres_that_will_not_start_leaves_the_drill_without_db(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    stopped = []

    class BrokenCluster:
        def start(self) -> None:
            raise subprocess.CalledProcessError(1, "initdb", stderr="initdb: error: disk full\n")

        def stop(self) -> None:
            stopped.append(True)

    monkeypatch.setattr("warroom.drill.fleet.missing_reason", lambda: None)
    monkeypatch.setattr("warroom.drill.fleet.DrillCluster", BrokenCluster)
    loop = LoopThread().start()
    fleet = Fleet(loop, seed=1).start()
    try:
        assert fleet.postgres_skipped == "PostgreSQL did not start: initdb: error: disk full"
        assert "db" not in fleet.names and stopped == [True]
    finally:
        fleet.stop()
        loop.stop()
