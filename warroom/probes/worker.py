"""The probe worker: the probe engine in a process of its own, feeding the console.

    python -m warroom.probes.worker     (started by `warroom.probes.remote`, not by hand)

On a thread of the console's process the engine shared one interpreter with the screen:
about a second of Python per 2,000-service cycle, and every key press waited behind it
(p99 2.5 s). Here it has an interpreter of its own, and the console only reads what
changed.

The protocol is JSON, one object per line. On stdin, first the services:
`{"source": "<config path>", "services": [<the config's [[service]] tables as written>]}`
(`${VAR}` values are read from this process's environment, inherited from the console,
so no secret crosses the pipe in a message), then any number of `{"run_now": null}` or
`{"run_now": "<name>"}`. End of input (the console quit or died) stops the worker.

On stdout, at most once per `FRAME_SECONDS`, and only when something moved:
`{"rows": [<snapshot>...], "changes": [<change>...], "busy": bool}` with the snapshots
of the services that ran or went stale (in lines of at most `ROWS_PER_MESSAGE`; the
debounced changes, in order, on the last line of the frame), and whether any
probe is running (`warroom.probes.snapshot` has the field order). A config the worker
cannot use is `{"error": "<one line>"}` and exit status 3.

Secrets: parsing the services registers every secret they carry in this process's
redaction registry (it is per process), so results are masked here exactly as they
were in the console's process; log records are masked too, and go to stderr, which the
console keeps (the last lines) to explain a worker that died.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import sys
from pathlib import Path
from typing import Any, BinaryIO, Protocol

from warroom.config import Config, ConfigError
from warroom.probes.change import StateChange
from warroom.probes.config import ServiceSpec, parse_services
from warroom.probes.scheduler import ProbeEngine
from warroom.probes.snapshot import (
    CONFIG_ERROR,
    LINE_LIMIT,
    ServiceSnapshot,
    SnapshotTracker,
    change_to_wire,
    encode,
    snapshot_to_wire,
)
from warroom.redact import install_log_redaction, redact_text

FRAME_SECONDS = 0.2
ROWS_PER_MESSAGE = 100
NICENESS = 5

log = logging.getLogger(__name__)


class Output(Protocol):
    def write(self, data: bytes) -> None: ...

    async def drain(self) -> None: ...


def specs_from(message: object) -> list[ServiceSpec]:
    """The services of the first message; ConfigError when it is not one."""
    if not isinstance(message, dict) or not isinstance(message.get("services"), list):
        raise ConfigError("probe worker: the first message must carry the services")
    source = message.get("source")
    services = message["services"]
    if not all(isinstance(service, dict) for service in services):
        raise ConfigError("probe worker: services must be tables")
    config = Config(path=Path(source) if isinstance(source, str) and source else None)
    config.services = [dict(service) for service in services]
    return parse_services(config)


class _FileOut:
    """Reports written to a file that is not a pipe (a redirect when run by hand)."""

    def __init__(self, stream: BinaryIO) -> None:
        self.stream = stream

    def write(self, data: bytes) -> None:
        self.stream.write(data)

    async def drain(self) -> None:
        self.stream.flush()


async def _stdio() -> tuple[asyncio.StreamReader, Output]:
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=LINE_LIMIT)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    try:
        transport, protocol = await loop.connect_write_pipe(
            asyncio.streams.FlowControlMixin, sys.stdout
        )
    except ValueError:  # not a pipe
        return reader, _FileOut(sys.stdout.buffer)
    return reader, asyncio.StreamWriter(transport, protocol, reader, loop)


async def _commands(reader: asyncio.StreamReader, engine: ProbeEngine) -> None:
    """Apply the console's requests until its end of the pipe closes."""
    names = set(engine.names)
    while line := await reader.readline():
        try:
            message = json.loads(line)
        except ValueError:
            log.warning("probe worker: ignored a line that is not JSON")
            continue
        if isinstance(message, dict) and "run_now" in message:
            name = message["run_now"]
            if name is None or (isinstance(name, str) and name in names):
                engine.run_now(name)


def frame_messages(
    rows: list[ServiceSnapshot], changes: list[StateChange], busy: bool
) -> list[dict[str, Any]]:
    """One frame's report as lines of at most ROWS_PER_MESSAGE rows: the console reads a
    line at a time and lets key presses in between (2,000 rows in one line held its loop
    for tens of milliseconds). The changes, in order, ride on the last line."""
    chunks = [rows[at : at + ROWS_PER_MESSAGE] for at in range(0, len(rows), ROWS_PER_MESSAGE)]
    chunks = chunks or [[]]
    return [
        {
            "rows": [snapshot_to_wire(row) for row in chunk],
            "changes": [change_to_wire(c) for c in changes] if index == len(chunks) - 1 else [],
            "busy": busy,
        }
        for index, chunk in enumerate(chunks)
    ]


async def serve(
    specs: list[ServiceSpec],
    reader: asyncio.StreamReader,
    writer: Output,
    frame: float = FRAME_SECONDS,
) -> None:
    """Probe until `reader` ends, writing what changed at most once per `frame`."""
    engine = ProbeEngine(specs)
    tracker = SnapshotTracker(engine)
    engine.start()
    commands = asyncio.create_task(_commands(reader, engine))
    busy: bool | None = None
    try:
        while not commands.done():
            rows = tracker.changed()
            changes = engine.pending_changes()
            now_busy = engine.busy()
            if rows or changes or now_busy != busy:
                busy = now_busy
                for message in frame_messages(rows, changes, now_busy):
                    writer.write(encode(message))
                await writer.drain()
            await asyncio.wait({commands}, timeout=frame)
    finally:
        commands.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await commands
        await engine.stop()


async def _main() -> int:
    reader, writer = await _stdio()
    first = await reader.readline()
    try:
        specs = specs_from(json.loads(first) if first else None)
    except ValueError as error:  # ConfigError is a ValueError; so is bad JSON
        writer.write(encode({"error": redact_text(str(error))}))
        await writer.drain()
        return CONFIG_ERROR
    try:
        await serve(specs, reader, writer)
    except (BrokenPipeError, ConnectionResetError):
        return 0  # the console went away
    return 0


def main() -> int:
    with contextlib.suppress(OSError):
        # Behind the console on a busy machine: when both want the CPU, the screen wins
        # (a key press waits for no probe). Probe clocks count only the network, and the
        # engine admits fewer probes at once while its own loop runs late.
        os.nice(NICENESS)
    install_log_redaction()
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        return asyncio.run(_main())
    except KeyboardInterrupt:  # ctrl+c in the console's terminal reaches its group too
        return 0


if __name__ == "__main__":
    raise SystemExit(main())
