"""`ProbeEngine.busy()`: a cheap "is a probe running now" (benchmarks and the console use it)."""

from __future__ import annotations

import asyncio

from tests.support.clocks import ManualClock
from tests.support.probe_servers import LoopbackServer
from warroom.probes.config import parse_service
from warroom.probes.scheduler import ProbeEngine


async def test_busy_while_a_probe_waits_for_its_answer() -> None:
    with LoopbackServer() as server:
        server.route("/slow", hang=True)
        raw = {"name": "slow", "kind": "http", "url": server.url("/slow"), "timeout": 5}
        engine = ProbeEngine([parse_service(raw, "test.toml", 1)], clock=ManualClock(), jitter=0)
        assert not engine.busy()
        engine.start()
        try:
            await asyncio.to_thread(server.wait_in_flight, "/slow")
            assert engine.busy()
            assert engine.status("slow").target == server.url("/slow")
            server.release.set()
            await engine.wait_until(lambda: engine.status("slow").runs == 1)
            assert not engine.busy()
        finally:
            await engine.stop()
