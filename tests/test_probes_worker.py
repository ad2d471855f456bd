"""The probe worker process and `RemoteEngine`, against real loopback servers.

The worker is a real `python -m warroom.probes.worker` process; nothing is mocked. No
test waits on the clock's luck: each waits for a report, bounded.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.support.echo_server import EchoServer
from tests.support.probe_servers import LoopbackServer
from tests.test_secrets_leaks import echo_config, forbidden
from warroom.config import Config, load_config
from warroom.probes.change import StateChange
from warroom.probes.config import parse_services
from warroom.probes.remote import RemoteEngine
from warroom.probes.result import ProbeState
from warroom.probes.snapshot import (
    ServiceSnapshot,
    change_from_wire,
    change_to_wire,
    snapshot_from_wire,
)
from warroom.probes.worker import ROWS_PER_MESSAGE, frame_messages

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def echo() -> Iterator[EchoServer]:
    with EchoServer() as server:
        yield server


def config_of(services: list[dict[str, Any]]) -> Config:
    config = Config(path=Path("test.toml"))
    config.services = services
    return config


def http(name: str, url: str, **fields: Any) -> dict[str, Any]:
    return {"name": name, "kind": "http", "url": url, "interval": 60, "timeout": 5, **fields}


class Watched:
    """A RemoteEngine and every batch of snapshots it reported."""

    def __init__(self, services: list[dict[str, Any]], **options: Any) -> None:
        config = config_of(services)
        self.batches: list[list[ServiceSnapshot]] = []
        self.moved = asyncio.Event()
        self.engine = RemoteEngine(
            parse_services(config),
            config.services,
            source=config.source,
            on_update=self._seen,
            **options,
        )

    def _seen(self, rows: list[ServiceSnapshot]) -> None:
        self.batches.append(rows)
        self.moved.set()

    async def until(self, holds: Callable[[], bool], timeout: float = 30.0) -> None:
        async with asyncio.timeout(timeout):
            while not holds():
                self.moved.clear()
                await self.moved.wait()

    def state(self, name: str) -> str:
        return self.engine.snapshots[name].state


async def test_the_worker_sends_the_services_that_ran_and_their_changes(
    server: LoopbackServer,
) -> None:
    server.route("/ok", body="fine")
    server.route("/bad", status=503, body="nope")
    watched = Watched(
        [http("api", server.url("/ok")), http("db", server.url("/bad"), down_after=1)]
    )
    async with watched.engine as engine:
        await watched.until(lambda: watched.state("api") == "up" and watched.state("db") == "down")
        changes = []
        async with asyncio.timeout(10):
            while len(changes) < 2:
                changes.append(await anext(engine.changes()))
        assert sorted((c.service, c.previous, c.state) for c in changes) == [
            ("api", None, ProbeState.UP),
            ("db", None, ProbeState.DOWN),
        ]
        api = engine.snapshots["api"]
        assert api.reason.startswith("status 200") and api.observed_at is not None
        assert api.recent and "up" in api.recent[0]
        # A re-check of one service brings that service alone, with its second result.
        watched.batches.clear()
        engine.run_now("api")
        await watched.until(lambda: len(engine.snapshots["api"].history_ms) == 2)
        assert {row.name for batch in watched.batches for row in batch} == {"api"}
        assert server.hits["/ok"] == 2 and server.hits["/bad"] == 1
        assert engine.pending_changes() == []  # no change: api stayed up


async def test_a_killed_worker_is_reported_and_restarted(server: LoopbackServer) -> None:
    server.route("/ok", body="fine")
    watched = Watched([http("api", server.url("/ok"))], restart_delays=(0.1,))
    async with watched.engine as engine:
        await watched.until(lambda: watched.state("api") == "up")
        first = engine.pid
        assert first is not None and engine.problem is None
        os.kill(first, signal.SIGKILL)
        await watched.until(lambda: engine.problem is not None)
        assert engine.problem is not None
        assert "killed by SIGKILL" in engine.problem and "restarting" in engine.problem
        assert engine.snapshots["api"].stale  # nothing checks it while no worker runs
        await watched.until(lambda: engine.problem is None and engine.pid is not None)
        assert engine.pid != first and engine.restarts == 1
        engine.run_now()
        await watched.until(lambda: not engine.snapshots["api"].stale)
        assert watched.state("api") == "up"
    assert engine.pid is None  # stopping the engine ends its worker


async def test_a_refused_config_is_reported_once_and_not_retried(
    server: LoopbackServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WORKER_TEST_TOKEN", "Tok3nValue99")
    watched = Watched(
        [http("api", server.url("/ok?token=${WORKER_TEST_TOKEN}"))], restart_delays=(0.05,)
    )
    monkeypatch.delenv("WORKER_TEST_TOKEN")  # the worker reads the environment itself
    async with watched.engine as engine:
        await watched.until(lambda: engine.problem is not None)
        assert engine.problem is not None
        assert engine.problem.startswith("probes not running: test.toml: service[1] (api)")
        assert "WORKER_TEST_TOKEN is not set" in engine.problem
        await asyncio.sleep(0)  # the supervisor has returned: no second worker
        assert engine.restarts == 0 and engine.pid is None
    assert server.hits["/ok"] == 0


def test_secrets_stay_masked_on_the_pipe(echo: EchoServer, tmp_path: Path) -> None:
    """What crosses the pipe is masked by the worker itself: this test process never
    parsed the config, so nothing here registered a secret."""
    config = load_config(echo_config(echo, tmp_path / "warroom.toml"))
    first = json.dumps({"source": str(config.path), "services": config.services})
    process = subprocess.Popen(
        [sys.executable, "-m", "warroom.probes.worker"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=REPO,
    )
    assert process.stdin is not None and process.stdout is not None
    process.stdin.write(first.encode() + b"\n")
    process.stdin.flush()
    reported: set[str] = set()
    raw = b""
    try:
        while len(reported) < len(config.services):
            line = process.stdout.readline()  # bounded: every service answers within 1 s
            assert line, process.stderr.read() if process.stderr else ""
            raw += line
            reported |= {fields[0] for fields in json.loads(line)["rows"]}
    finally:
        process.stdin.close()
        errors = process.stderr.read() if process.stderr else b""
        assert process.wait(timeout=10) == 0
    text = (raw + errors).decode()
    assert "private_token=***" in text  # the echo crossed, masked
    leaked = [secret for secret in forbidden() if secret in text]
    assert not leaked, leaked


def test_a_big_frame_goes_in_lines_of_at_most_a_hundred_rows_changes_last() -> None:
    rows = [ServiceSnapshot(f"svc-{n:03d}", "http", "up", "status 200") for n in range(250)]
    change = StateChange(
        "svc-007", "http", ProbeState.DOWN, ProbeState.UP, "status 503", 3.0, datetime.now(UTC)
    )
    messages = frame_messages(rows, [change], busy=True)
    assert [len(m["rows"]) for m in messages] == [ROWS_PER_MESSAGE, ROWS_PER_MESSAGE, 50]
    assert [len(m["changes"]) for m in messages] == [0, 0, 1]
    assert all(m["busy"] is True for m in messages)
    names = [snapshot_from_wire(r).name for m in messages for r in m["rows"]]
    assert names == [row.name for row in rows]  # all of them, in order
    assert change_from_wire(messages[-1]["changes"][0]) == change
    # Nothing but a change (or a busy flag that moved) is still one line.
    assert frame_messages([], [change], busy=False) == [
        {"rows": [], "changes": [change_to_wire(change)], "busy": False}
    ]
