"""The probe engine with a manual clock against real loopback servers."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.support.clocks import ManualClock
from tests.support.probe_servers import LoopbackServer
from warroom.probes.config import ServiceSpec, parse_service
from warroom.probes.result import ProbeState
from warroom.probes.scheduler import ProbeEngine, StateChange


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


def spec(name: str, url: str, **fields: Any) -> ServiceSpec:
    raw = {"name": name, "kind": "http", "url": url, "interval": 10, "timeout": 5, **fields}
    return parse_service(raw, "test.toml", 1)


@pytest.fixture
async def make_engine(clock: ManualClock) -> AsyncIterator[Any]:
    engines: list[ProbeEngine] = []

    def make(specs: list[ServiceSpec], **options: Any) -> ProbeEngine:
        options.setdefault("jitter", 0.0)
        engine = ProbeEngine(specs, clock=clock, **options)
        engines.append(engine)
        engine.start()
        return engine

    yield make
    for engine in engines:
        await engine.stop()


async def next_run(engine: ProbeEngine, clock: ManualClock, name: str) -> None:
    """Move the clock to the service's next run and wait for that run's result."""
    status = engine.status(name)
    assert status.next_run_in is not None
    clock.advance(status.next_run_in)
    await engine.wait_until(lambda: engine.status(name).runs > status.runs)


async def test_a_flapping_target_gives_one_down_and_one_up_event(
    server: LoopbackServer, clock: ManualClock, make_engine: Any
) -> None:
    seen: list[StateChange] = []
    server.route("/health", body={"status": "ok"})
    engine = make_engine(
        [spec("api", server.url("/health"), flap_changes=5, flap_window=600)],
        on_change=seen.append,
    )
    await engine.wait_until(lambda: engine.status("api").runs == 1)
    for n in range(20):
        server.route("/health", status=503 if n % 2 == 0 else 200, body="flip")
        await next_run(engine, clock, "api")
    assert engine.status("api").flapping
    server.route("/health", body={"status": "ok"})
    for _ in range(6):
        await next_run(engine, clock, "api")
    status = engine.status("api")
    assert not status.flapping
    assert status.runs == 27
    assert [(c.previous, c.state) for c in seen] == [
        (None, ProbeState.UP),
        (ProbeState.UP, ProbeState.DOWN),
        (ProbeState.DOWN, ProbeState.UP),
    ]
    assert seen[1].reason.startswith("flapping (5 changes in 600 s); worst: status 503")
    assert [c.state for c in engine.pending_changes()] == [c.state for c in seen]
    assert set(seen[1].payload()) == {
        "service",
        "probe_kind",
        "state",
        "previous",
        "reason",
        "latency_ms",
    }
    assert seen[1].payload()["probe_kind"] == "http"


async def test_failures_are_rechecked_sooner_and_confirmed(
    server: LoopbackServer, clock: ManualClock, make_engine: Any
) -> None:
    server.route("/health", body="fine")
    engine = make_engine(
        [spec("api", server.url("/health"), interval=30, retry_interval=3, timeout=2)]
    )
    await engine.wait_until(lambda: engine.status("api").runs == 1)
    assert engine.status("api").next_run_in == 30
    server.route("/health", status=500, body="boom")
    await next_run(engine, clock, "api")
    status = engine.status("api")
    assert (status.state, status.last and status.last.state) == (ProbeState.UP, ProbeState.DOWN)
    assert status.next_run_in == 3
    await next_run(engine, clock, "api")
    await next_run(engine, clock, "api")
    status = engine.status("api")
    assert status.state is ProbeState.DOWN
    assert status.next_run_in == 30
    assert status.changed_at == status.last.observed_at if status.last else False
    assert [r.state for r in status.history] == [ProbeState.UP] + [ProbeState.DOWN] * 3
    assert len(status.latencies) == 4


async def test_stale_when_no_result_for_twice_the_interval(
    server: LoopbackServer, clock: ManualClock, make_engine: Any
) -> None:
    server.route("/health", body="fine")
    engine = make_engine([spec("api", server.url("/health"), interval=10, timeout=8)])
    await engine.wait_until(lambda: engine.status("api").runs == 1)
    assert not engine.status("api").stale
    server.route("/health", hang=True)
    clock.advance(10)
    await asyncio.to_thread(server.wait_in_flight, "/health")
    clock.advance(9)
    assert not engine.status("api").stale
    clock.advance(2)  # 21 s since the last result
    status = engine.status("api")
    assert status.stale and status.running
    assert status.shown_state == "stale"
    server.release.set()  # the hung request ends (without an answer)
    await engine.wait_until(lambda: engine.status("api").runs == 2)
    assert not engine.status("api").stale


async def test_other_services_keep_going_while_one_hangs(
    server: LoopbackServer, clock: ManualClock, make_engine: Any
) -> None:
    server.route("/hung", hang=True)
    for n in range(4):
        server.route(f"/ok{n}", body="fine")
    specs = [spec("hung", server.url("/hung"), interval=60, timeout=50)]
    specs += [spec(f"ok{n}", server.url(f"/ok{n}"), interval=60, timeout=50) for n in range(4)]
    engine = make_engine(specs, concurrency=2)
    await engine.wait_until(lambda: all(engine.status(f"ok{n}").runs == 1 for n in range(4)))
    hung = engine.status("hung")
    assert hung.running and hung.runs == 0
    assert all(engine.status(f"ok{n}").state is ProbeState.UP for n in range(4))
    assert server.max_total_in_flight <= 2


async def test_never_two_runs_of_one_service_and_run_now(
    server: LoopbackServer, clock: ManualClock, make_engine: Any
) -> None:
    server.route("/slow", hang=True)
    server.route("/fast", body="fine")
    engine = make_engine(
        [
            spec("slow", server.url("/slow"), interval=60, timeout=50),
            spec("fast", server.url("/fast"), interval=60, timeout=50),
        ]
    )
    await asyncio.to_thread(server.wait_in_flight, "/slow")
    await engine.wait_until(lambda: engine.status("fast").runs == 1)
    for _ in range(5):  # requests before the next run are served by that one run
        engine.run_now("slow")
        engine.run_now()
    await engine.wait_until(lambda: engine.status("fast").runs == 2)
    assert server.hits["/slow"] == 1
    assert server.max_in_flight["/slow"] == 1
    assert server.hits["/fast"] == 2  # run_now() was honoured once, without moving the clock


async def test_run_once_waits_for_a_run_under_way(
    server: LoopbackServer, clock: ManualClock, make_engine: Any
) -> None:
    server.route("/slow", body="fine", delay=0.3)
    engine = make_engine([spec("slow", server.url("/slow"), interval=60, timeout=5)])
    await asyncio.to_thread(server.wait_in_flight, "/slow")
    results = await engine.run_once(["slow"])
    assert results["slow"].state is ProbeState.UP
    assert server.hits["/slow"] == 2
    assert server.max_in_flight["/slow"] == 1


async def test_run_once_reports_raw_results_under_the_cap(
    server: LoopbackServer, clock: ManualClock
) -> None:
    server.route("/down", status=503)
    server.route("/up", body="fine")
    specs = [spec(f"s{n}", server.url("/down" if n % 2 else "/up")) for n in range(6)]
    engine = ProbeEngine(specs, concurrency=3, clock=clock)
    try:
        results = await engine.run_once()
    finally:
        await engine.stop()
    assert [results[f"s{n}"].state for n in range(6)] == [ProbeState.UP, ProbeState.DOWN] * 3
    assert server.max_total_in_flight <= 3
    assert results["s0"].observed_at == clock.wall()


async def test_a_failing_listener_does_not_stop_the_engine(
    server: LoopbackServer, clock: ManualClock, make_engine: Any
) -> None:
    def explode(change: StateChange) -> None:
        raise RuntimeError("listener bug")

    server.route("/health", body="fine")
    engine = make_engine([spec("api", server.url("/health"))], on_change=explode)
    changes = engine.changes()
    first = await asyncio.wait_for(anext(changes), 5)
    assert first.state is ProbeState.UP
    await next_run(engine, clock, "api")
    assert engine.status("api").runs == 2
