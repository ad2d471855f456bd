"""The tcp probe on real loopback sockets, connect-failure states, the runner's guards."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator, Iterator

import pytest

from tests.support.probe_servers import refused_port
from warroom.probes.config import ServiceSpec, TcpSpec, parse_service
from warroom.probes.postgres import connect_failure
from warroom.probes.result import ProbeResult, ProbeState, clean_remote_text
from warroom.probes.runner import ProbeRunner
from warroom.probes.tcp import is_refused


@pytest.fixture
def listener() -> Iterator[int]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(8)
        yield sock.getsockname()[1]


@pytest.fixture
async def runner() -> AsyncIterator[ProbeRunner]:
    probe_runner = ProbeRunner(concurrency=2)
    yield probe_runner
    await probe_runner.aclose()


def tcp_spec(host: str, port: int, **fields: object) -> TcpSpec:
    raw = {"name": "redis", "kind": "tcp", "host": host, "port": port, "timeout": 2, **fields}
    spec = parse_service(raw, "test.toml", 1)
    assert isinstance(spec, TcpSpec)
    return spec


async def test_listening_port_is_up(listener: int, runner: ProbeRunner) -> None:
    result = await runner.run(tcp_spec("127.0.0.1", listener))
    assert result.state is ProbeState.UP
    assert result.reason.startswith("connected in ")
    assert result.detail == {"host": "127.0.0.1", "port": listener}


async def test_localhost_name_resolves(listener: int, runner: ProbeRunner) -> None:
    assert (await runner.run(tcp_spec("localhost", listener))).state is ProbeState.UP


async def test_slower_than_degraded_ms_is_degraded(listener: int, runner: ProbeRunner) -> None:
    result = await runner.run(tcp_spec("127.0.0.1", listener, degraded_ms=0.000001))
    assert result.state is ProbeState.DEGRADED
    assert result.reason.startswith("connect took ")


async def test_refused_is_down(runner: ProbeRunner) -> None:
    result = await runner.run(tcp_spec("127.0.0.1", refused_port()))
    assert (result.state, result.reason) == (ProbeState.DOWN, "connection refused")


async def test_unresolvable_is_unknown(runner: ProbeRunner) -> None:
    result = await runner.run(tcp_spec("cache.warroom-test.invalid", 6379))
    assert result.state is ProbeState.UNKNOWN
    assert result.reason.startswith("cannot resolve host cache.warroom-test.invalid")


async def test_a_probe_that_breaks_is_unknown_not_a_crash(runner: ProbeRunner) -> None:
    odd = ServiceSpec(name="odd", kind="smoke-signal", timeout=1)
    result = await runner.run(odd)
    assert result.state is ProbeState.UNKNOWN
    assert result.reason == "probe failed: TypeError: no probe for kind 'smoke-signal'"


def test_exception_text_is_made_inert_and_secret_free() -> None:
    result = ProbeResult(
        ProbeState.UNKNOWN,
        "probe failed: OSError: postgresql://app:hunter2-x9@db/app \x1b[31mboom\x1b[0m",
        detail={"dsn": "password=hunter2-x9 host=db", "nested": ["\x07bell"]},
    )
    assert result.reason == "probe failed: OSError: postgresql://app:***@db/app boom"
    assert result.detail == {"dsn": "password=*** host=db", "nested": ["bell"]}
    assert clean_remote_text("x" * 1000).endswith("…") and len(clean_remote_text("x" * 1000)) == 300


def test_connect_failures_map_to_states() -> None:
    """What resolver, refusal and timeout errors mean (built here, never a real resolver)."""
    gai = socket.gaierror(-2, "Name or service not known")
    assert connect_failure(gai, 5) == (
        ProbeState.UNKNOWN,
        "cannot resolve host: Name or service not known",
    )
    assert connect_failure(TimeoutError(), 5) == (ProbeState.DOWN, "no connection within 5 s")
    both = OSError(
        "Multiple exceptions: [Errno 111] Connect call failed ('::1', 5432), "
        "[Errno 111] Connect call failed ('127.0.0.1', 5432)"
    )
    assert connect_failure(both, 5) == (ProbeState.DOWN, "connection refused")
    assert is_refused(both) and not is_refused(OSError("network unreachable"))
