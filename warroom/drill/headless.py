"""A drill without the console: the real probes record into the DRILL incident for a while.

`warroom drill --headless SECONDS` runs the fleet, the script and the probe engine for
that long, writing each debounced probe change into the incident as the console would
and printing one line per change and per drill action. Useful to watch a script, in CI,
or to see the fleet from another terminal with `warroom --data-dir DIR/drills`.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable

from warroom.drill.session import Drill
from warroom.probes.config import parse_services
from warroom.probes.scheduler import ProbeEngine
from warroom.services.incidents import IncidentService


async def run_headless(
    drill: Drill, seconds: float, author: str, out: Callable[[str], None] = print
) -> None:
    service = IncidentService(drill.store, author, drill.config.ladder, drill.config.custom_ladders)
    started = time.monotonic()

    def say(line: str) -> None:
        out(f"+{time.monotonic() - started:6.1f}s  {line}")

    drill.on_applied = say
    async with ProbeEngine(parse_services(drill.config)) as engine:

        async def record() -> None:
            async for change in engine.changes():
                await service.record_probe_change(
                    drill.incident_id,
                    change.service,
                    change.probe_kind,
                    str(change.state),
                    str(change.previous) if change.previous else None,
                    change.reason,
                    change.latency_ms,
                )
                say(f"probe: {change.describe()}")

        recorder = asyncio.create_task(record())
        try:
            await asyncio.sleep(seconds)  # the length of the run the user asked for
        finally:
            recorder.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await recorder
            drill.on_applied = None
