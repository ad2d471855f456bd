"""Loopback HTTP targets for the console to probe, served by another process.

    python -m bench.targets COUNT [HUNG]     (prints the ports as one JSON line)

The server is `bench.probe_cycle.serve` (one port per target, `HUNG` of them reading the
request and never answering), run as a process of its own so that answering 500 probes
never competes with the process being measured for the same interpreter. `serving()`
starts it as a plain subprocess (no multiprocessing, so it works from any caller).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bench.probe_cycle import _is_hung, serve

REPO = Path(__file__).resolve().parents[1]


def is_hung(index: int, count: int, hung: int) -> bool:
    """Whether target `index` of `count` never answers (the same choice as the server)."""
    return _is_hung(index, count, hung)


class _PrintPorts:
    """Stands in for the queue `serve` reports its ports to: one JSON line on stdout."""

    def put(self, ports: list[int]) -> None:
        print(json.dumps(ports), flush=True)


@contextmanager
def serving(count: int, hung: int = 0) -> Iterator[list[str]]:
    """URLs of `count` loopback targets, `hung` of them never answering."""
    env = dict(os.environ, PYTHONPATH=str(REPO))
    server = subprocess.Popen(
        [sys.executable, "-m", "bench.targets", str(count), str(hung)],
        stdout=subprocess.PIPE,
        env=env,
        cwd=REPO,
        text=True,
    )
    try:
        assert server.stdout is not None
        line = server.stdout.readline()
        if not line:
            raise RuntimeError(f"the target server exited with {server.wait()}")
        yield [f"http://127.0.0.1:{port}/health" for port in json.loads(line)]
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        if server.stdout is not None:
            server.stdout.close()


if __name__ == "__main__":
    serve(int(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else 0, _PrintPorts())  # type: ignore[arg-type]
