"""Starting a program in a pseudo-terminal and timing it until a text shows on its screen.

This is how a user meets the console: a fresh process in a terminal, drawing its first
frame. `launch_until` starts the command on a pty of a fixed size, reads what it draws,
and stops the clock when `marker` appears in the output (escape sequences removed). It
can then keep the program running until `keep_until()` says so (reading its output all
the while, so it never blocks on a full terminal), reads its peak resident memory from
`/proc`, asks it to quit with ctrl+q and, failing that, ends it.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import select
import signal
import struct
import subprocess
import termios
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

# CSI sequences, OSC sequences (ended by BEL or ST), and two-byte escapes.
ESCAPES = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-_]")


class LaunchError(RuntimeError):
    """The program exited or timed out before showing the marker."""


@dataclass(frozen=True)
class Launch:
    seconds: float  # from just before the process was started to the marker on screen
    peak_rss_mb: float | None  # VmHWM of the process when it was stopped
    screen_text: str  # everything it drew, escapes removed (for error messages)
    then_seconds: float | None = None  # ... to the second marker (`then`), when asked
    ready_seconds: float | None = None  # ... to the third (`ready`), when asked


def visible_text(raw: bytes) -> str:
    return ESCAPES.sub("", raw.decode("utf-8", errors="replace"))


def peak_rss_mb(pid: int) -> float | None:
    """The peak resident set size of a running process, from /proc (Linux)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    match = re.search(r"^VmHWM:\s+(\d+)\s+kB", status, re.MULTILINE)
    return int(match[1]) / 1024 if match else None


def launch_until(
    argv: list[str],
    marker: str,
    *,
    env: Mapping[str, str],
    cwd: Path,
    size: tuple[int, int] = (120, 40),
    timeout: float = 60.0,
    keep_until: Callable[[], bool] | None = None,
    keep_timeout: float = 60.0,
    then: str | None = None,
    ready: str | None = None,
) -> Launch:
    """Run `argv` on a pty until `marker` is on screen (then `then` and `ready`, when
    given, and then until `keep_until()` holds)."""
    master, slave = os.openpty()
    columns, rows = size
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
    started = time.perf_counter()
    process = subprocess.Popen(
        argv,
        stdin=slave,
        stdout=slave,
        stderr=slave,
        cwd=cwd,
        env=dict(env),
        start_new_session=True,
        close_fds=True,
    )
    os.close(slave)
    output = bytearray()
    try:
        seconds = _read_until(process, master, output, marker, started, timeout)
        then_seconds = None
        if then is not None:
            then_seconds = _read_until(process, master, output, then, started, timeout, 0)
        ready_seconds = None
        if ready is not None:
            ready_seconds = _read_until(process, master, output, ready, started, timeout, 0)
        if keep_until is not None:
            deadline = time.perf_counter() + keep_timeout
            while not keep_until():
                if time.perf_counter() > deadline:
                    raise LaunchError(f"{argv[2:4]}: still not done after {keep_timeout:g} s")
                _drain(process, master, output, 0.05)
        peak = peak_rss_mb(process.pid)
        return Launch(
            seconds=seconds,
            peak_rss_mb=peak,
            screen_text=visible_text(output),
            then_seconds=then_seconds,
            ready_seconds=ready_seconds,
        )
    finally:
        _stop(process, master, output)
        os.close(master)


def _read_until(
    process: subprocess.Popen[bytes],
    master: int,
    output: bytearray,
    marker: str,
    started: float,
    timeout: float,
    seen: int = 0,
) -> float:
    deadline = started + timeout
    # Search only the new text (plus an overlap for a marker cut in two); the text read
    # so far is searched once first (a second marker may have come with the first).
    window = bytes(output[max(0, seen - 4 * len(marker) - 64) :])
    if output and marker in visible_text(window):
        return time.perf_counter() - started
    seen = len(output)
    while True:
        now = time.perf_counter()
        if now > deadline:
            raise LaunchError(f"no {marker!r} on screen within {timeout:g} s")
        if not _drain(process, master, output, min(0.05, deadline - now)):
            text = visible_text(bytes(output))
            raise LaunchError(
                f"exited with {process.returncode} before showing {marker!r}: {text[-500:]}"
            )
        window = bytes(output[max(0, seen - 4 * len(marker) - 64) :])
        if marker in visible_text(window):
            return time.perf_counter() - started
        seen = len(output)


def _drain(process: subprocess.Popen[bytes], master: int, output: bytearray, wait: float) -> bool:
    """Read what the program wrote within `wait` seconds; False once it has exited."""
    ready, _, _ = select.select([master], [], [], max(wait, 0.0))
    if ready:
        try:
            chunk = os.read(master, 1 << 16)
        except OSError:  # EIO: the program closed the terminal (exited)
            chunk = b""
        if chunk:
            output += chunk
            return True
    return process.poll() is None


def _stop(process: subprocess.Popen[bytes], master: int, output: bytearray) -> None:
    """ctrl+q, as a user quits; then SIGTERM and SIGKILL to this process only."""
    if process.poll() is None:
        with contextlib.suppress(OSError):
            os.write(master, b"\x11")
        deadline = time.perf_counter() + 5.0
        while process.poll() is None and time.perf_counter() < deadline:
            _drain(process, master, output, 0.05)
    for sig in (signal.SIGTERM, signal.SIGKILL):
        if process.poll() is not None:
            break
        with contextlib.suppress(ProcessLookupError):
            process.send_signal(sig)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=3.0)
    process.wait()
