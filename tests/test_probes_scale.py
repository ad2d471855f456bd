"""`warroom check` at scale: 500 services against one healthy loopback server, all up.

Issue 18 measured 17 of 500 services reported down ("no answer within 5 s") by one
`check` against a server that answers every request at once: the time a probe spent
queued in our own connection pool counted as the target's. The server here is that
server (asyncio, answers at once) on a thread of its own; `check` runs as a user runs
it, in a process of its own. No timing is asserted: only that nothing healthy is down.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SERVICES = 500
RESPONSE = (
    b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 15\r\n\r\n"
    b'{"status":"ok"}'
)


@contextmanager
def healthy_server() -> Iterator[tuple[int, list[int]]]:
    """An asyncio server answering every request at once; its port and a request count."""
    ready = threading.Event()
    state: dict[str, object] = {}
    served = [0]

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while await reader.readuntil(b"\r\n\r\n"):
                served[0] += 1
                writer.write(RESPONSE)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    async def main() -> None:
        server = await asyncio.start_server(answer, "127.0.0.1", 0, backlog=1024)
        stop = asyncio.Event()
        state.update(port=server.sockets[0].getsockname()[1], loop=asyncio.get_running_loop())
        state["stop"] = stop
        ready.set()
        async with server:
            await stop.wait()

    thread = threading.Thread(target=asyncio.run, args=(main(),), daemon=True)
    thread.start()
    assert ready.wait(10)
    try:
        yield state["port"], served  # type: ignore[misc]
    finally:
        loop, stop = state["loop"], state["stop"]
        loop.call_soon_threadsafe(stop.set)  # type: ignore[attr-defined]
        thread.join(10)


def test_check_at_500_services_reports_every_service_up(tmp_path: Path) -> None:
    with healthy_server() as (port, served):
        config = tmp_path / "warroom.toml"
        config.write_text(
            "".join(
                f'[[service]]\nname = "svc-{n:03d}"\nkind = "http"\n'
                f'url = "http://127.0.0.1:{port}/health?service={n}"\n\n'
                for n in range(SERVICES)
            )
        )
        env = dict(os.environ, WARROOM_CONFIG_DIR=str(tmp_path / "config"))
        done = subprocess.run(
            [sys.executable, "-m", "warroom", "--config", str(config), "check", "--json"],
            capture_output=True,
            text=True,
            cwd=REPO,
            env=env,
            timeout=300,
        )
    records = [json.loads(line) for line in done.stdout.splitlines()]
    not_up = [(r["name"], r["reason"]) for r in records if r["state"] != "up"]
    assert not_up == [], f"{len(not_up)} of {SERVICES} not up, e.g. {not_up[:3]}"
    assert len(records) == SERVICES and done.returncode == 0, done.stderr
    assert served[0] == SERVICES  # one request each: nothing retried behind our back
