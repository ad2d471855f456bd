"""The probe engine in a worker process, driven from the console's event loop.

`RemoteEngine` starts `python -m warroom.probes.worker` (see that module for the
protocol), hands it the config's `[[service]]` tables, and keeps what it reports: one
`ServiceSnapshot` per service (`snapshots`), the debounced `StateChange`s in order
(`changes()` and `pending_changes()`, as `ProbeEngine` has them) and whether a probe is
running (`busy()`). `run_now()` asks for a re-check. Reading a report costs the console
only the services that changed.

A worker that dies (killed, out of memory, a bug) is never a frozen screen: `problem`
says so in one line (with the last line it wrote to stderr, masked), every service is
marked stale (nothing is checking it any more), `on_update` is called so the screen
shows it, and a new worker starts after a pause that grows with repeated deaths (0.5 s
to 10 s; back to 0.5 s after a minute of good health). A config the worker refuses is
reported and not retried (it would fail the same way).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import signal
import sys
import time
from collections import deque
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import warroom
from warroom.probes.change import StateChange, drain
from warroom.probes.config import ServiceSpec
from warroom.probes.snapshot import (
    CONFIG_ERROR,
    LINE_LIMIT,
    ServiceSnapshot,
    change_from_wire,
    encode,
    pending,
    snapshot_from_wire,
)
from warroom.redact import redact_text

log = logging.getLogger(__name__)

RESTART_DELAYS = (0.5, 1.0, 2.0, 5.0, 10.0)
HEALTHY_SECONDS = 60.0  # a worker that lived this long starts the delays over
STOP_SECONDS = 3.0  # how long a worker may take to stop once its input is closed
STDERR_LINES = 20

Updated = Callable[[list[ServiceSnapshot]], None]


class RemoteEngine:
    """See the module docstring."""

    def __init__(
        self,
        specs: Sequence[ServiceSpec],
        services: Sequence[Mapping[str, Any]],
        *,
        source: str | None = None,
        on_update: Updated | None = None,
        argv: Sequence[str] | None = None,
        restart_delays: Sequence[float] = RESTART_DELAYS,
    ) -> None:
        """`specs` are the parsed services (for names and kinds, and so that this process
        registered their secrets too); `services` the raw tables they came from, which
        the worker parses again in its own process."""
        self.snapshots: dict[str, ServiceSnapshot] = {
            spec.name: pending(spec.name, spec.kind) for spec in specs
        }
        self._init = {"source": source or "", "services": [dict(s) for s in services]}
        self.on_update = on_update
        self.argv = list(argv or [sys.executable, "-m", "warroom.probes.worker"])
        self.restart_delays = tuple(restart_delays) or RESTART_DELAYS
        self.problem: str | None = None  # why probing stopped, while it is stopped
        self.restarts = 0
        self.stderr_tail: deque[str] = deque(maxlen=STDERR_LINES)
        self._busy = False
        self._changes: asyncio.Queue[StateChange] = asyncio.Queue()
        self._process: asyncio.subprocess.Process | None = None
        self._task: asyncio.Task[None] | None = None
        self._running = asyncio.Event()

    # Lifecycle ---------------------------------------------------------------------------

    async def __aenter__(self) -> RemoteEngine:
        self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._supervise(), name="probe worker")

    async def stop(self) -> None:
        """Stop the worker (and wait until it is gone); safe to call again, also when an
        earlier call was itself cancelled half-way."""
        task = self._task
        if task is None:
            return
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        self._task = None
        process = self._process
        if process is not None and process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                process.kill()

    @property
    def pid(self) -> int | None:
        """The worker's process id while one runs."""
        process = self._process
        return process.pid if process is not None and process.returncode is None else None

    async def wait_running(self, timeout: float = 30.0) -> None:
        """Wait (at most `timeout` seconds) until a worker has started and taken its
        services."""
        async with asyncio.timeout(timeout):
            await self._running.wait()

    # Requests and reading ----------------------------------------------------------------

    @property
    def names(self) -> list[str]:
        return list(self.snapshots)

    def run_now(self, name: str | None = None) -> None:
        """Probe one service (or all) now; nothing happens while no worker runs."""
        process = self._process
        if process is None or process.stdin is None or process.returncode is not None:
            return
        with contextlib.suppress(ConnectionError, RuntimeError):
            process.stdin.write(encode({"run_now": name}))

    def busy(self) -> bool:
        """Whether the worker said, last time, that a probe was running."""
        return self._busy

    async def changes(self) -> AsyncIterator[StateChange]:
        while True:
            yield await self._changes.get()

    def pending_changes(self) -> list[StateChange]:
        return drain(self._changes)

    # The worker ---------------------------------------------------------------------------

    async def _supervise(self) -> None:
        attempt = 0
        while True:
            started = time.monotonic()
            try:
                ending, retry = await self._run_worker()
            except OSError as error:  # could not even start it
                ending, retry = f"could not start ({error.strerror or error})", True
            if time.monotonic() - started > HEALTHY_SECONDS:
                attempt = 0
            delay = self.restart_delays[min(attempt, len(self.restart_delays) - 1)]
            if retry:
                self._stopped(f"probe worker {ending}; restarting in {delay:g} s")
            else:
                self._stopped(f"probes not running: {ending}")
                return
            await asyncio.sleep(delay)
            attempt += 1
            self.restarts += 1

    def _stopped(self, problem: str) -> None:
        self.problem = redact_text(problem)
        self._busy = False
        self._running.clear()
        log.warning("%s", self.problem)
        stale = [replace(s, stale=True) for s in self.snapshots.values() if not s.stale]
        for snapshot in stale:
            self.snapshots[snapshot.name] = snapshot
        self._updated(stale)

    async def _run_worker(self) -> tuple[str, bool]:
        """Run one worker until it ends: (how it ended, whether to start another)."""
        env = dict(os.environ)
        # The worker imports this very warroom, wherever it was imported from.
        root = str(Path(warroom.__file__).resolve().parents[1])
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [root, env.get("PYTHONPATH")]))
        process = await asyncio.create_subprocess_exec(
            *self.argv,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=env,
            limit=LINE_LIMIT,
            start_new_session=True,  # the terminal's signals are the console's to handle
        )
        self._process = process
        assert process.stdin is not None and process.stdout is not None
        errors = asyncio.create_task(self._keep_stderr(process))
        refused: str | None = None
        try:
            process.stdin.write(encode(self._init))
            while line := await process.stdout.readline():
                try:
                    message = json.loads(line)
                    if isinstance(message, dict) and "error" in message:
                        refused = str(message["error"])
                        break
                    self._apply(message)
                except (ValueError, TypeError, KeyError) as error:
                    log.warning("probe worker: unreadable report (%s)", error)
                # Lines already read come back without a pause: let a key press in.
                await asyncio.sleep(0)
            code = await process.wait() if refused is None else None
        finally:
            try:
                await self._end(process)
                await asyncio.wait({errors}, timeout=1.0)  # its last words, for `problem`
            finally:
                errors.cancel()
                self._process = None
                # Its pipes: asyncio leaves the transport open after the process ended.
                transport = getattr(process, "_transport", None)
                if transport is not None:
                    transport.close()
        if refused is not None or code == CONFIG_ERROR:
            return refused or self._last_error() or "the worker refused the config", False
        return self._describe(code), True

    def _apply(self, message: dict[str, Any]) -> None:
        if not self._running.is_set():
            self._running.set()
            if self.problem is not None:
                self.problem = None
                self._updated([])
        rows = [snapshot_from_wire(fields) for fields in message.get("rows", ())]
        changes = [change_from_wire(fields) for fields in message.get("changes", ())]
        self._busy = bool(message.get("busy", False))
        known = [row for row in rows if row.name in self.snapshots]
        for row in known:
            self.snapshots[row.name] = row
        for change in changes:
            self._changes.put_nowait(change)
        self._updated(known)

    def _updated(self, rows: list[ServiceSnapshot]) -> None:
        if self.on_update is not None:
            try:
                self.on_update(rows)
            except Exception:  # a listener's bug must not stop the probes
                log.exception("probe worker listener failed")

    async def _keep_stderr(self, process: asyncio.subprocess.Process) -> None:
        assert process.stderr is not None
        while line := await process.stderr.readline():
            text = line.decode("utf-8", "replace").strip()
            if text:
                self.stderr_tail.append(redact_text(text))

    async def _end(self, process: asyncio.subprocess.Process) -> None:
        """Close the worker's input (it stops), then make sure it is gone."""
        if process.stdin is not None:
            with contextlib.suppress(Exception):
                process.stdin.close()
        if process.returncode is None:
            try:
                await asyncio.wait_for(process.wait(), STOP_SECONDS)
            except TimeoutError:
                with contextlib.suppress(ProcessLookupError):
                    process.kill()
                await process.wait()
            except asyncio.CancelledError:
                with contextlib.suppress(ProcessLookupError):
                    process.kill()
                # Reaped here, not by the child watcher after the loop closed.
                with contextlib.suppress(asyncio.CancelledError, TimeoutError):
                    await asyncio.wait_for(process.wait(), STOP_SECONDS)
                raise

    def _describe(self, code: int | None) -> str:
        if code is not None and code < 0:
            try:
                how = f"was killed by {signal.Signals(-code).name}"
            except ValueError:
                how = f"was killed by signal {-code}"
        else:
            how = f"exited with status {code}"
        last = self._last_error()
        return f"{how} ({last})" if last else how

    def _last_error(self) -> str | None:
        return self.stderr_tail[-1][:160] if self.stderr_tail else None
