"""Running `warroom serve` as a real process on a free loopback port, for tests."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


@dataclass
class Served:
    process: subprocess.Popen[str]
    url: str
    output: list[str]

    def session_processes(self) -> list[int]:
        """Pids of the consoles this server started (one per browser session)."""
        return [pid for pid in descendants(self.process.pid) if is_console(pid)]


def descendants(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(parent, []).append(int(entry.name))
    found, stack = [], [root]
    while stack:
        for child in children.get(stack.pop(), []):
            found.append(child)
            stack.append(child)
    return found


def is_console(pid: int) -> bool:
    try:
        words = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return False
    return b"python" in words[0] and words[1:3] == [b"-m", b"warroom"]


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


@contextmanager
def serving(*args: str, host: str = "127.0.0.1", timeout: float = 30) -> Iterator[Served]:
    """`warroom serve --host HOST --port FREE ARGS`, until its ready line is printed."""
    port = free_port(host)
    process = subprocess.Popen(
        [sys.executable, "-m", "warroom", "serve", "--host", host, "--port", str(port), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=os.getcwd(),
        start_new_session=True,
    )
    assert process.stdout is not None
    output: list[str] = []
    ready = threading.Event()

    def read_output() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            output.append(line.rstrip("\n"))
            if line.startswith("warroom serve: http"):
                ready.set()
        ready.set()  # it exited: let the waiter see why

    reader = threading.Thread(target=read_output, daemon=True)
    reader.start()
    try:
        if not ready.wait(timeout) or process.poll() is not None:
            raise AssertionError(f"warroom serve never became ready: {output}")
        bracketed = f"[{host}]" if ":" in host else host
        yield Served(process, f"http://{bracketed}:{port}/", output)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        reader.join(timeout=5)
