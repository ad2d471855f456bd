"""A drill without the console: the real probes record into the DRILL incident for a while.

`warroom drill --headless SECONDS` runs the fleet, the script and the probe engine for
that long, writing each debounced probe change into the incident as the console would
and printing one line per change and per drill action. With `--play FILE` it also plays
the IC's part from a play file (`play`); without one, `warroom tick DRILL-... STEP` from
another terminal plays it. Useful to watch a script, grade a drill in CI, or to see the
fleet from another terminal with `warroom --data-dir DIR/drills`.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable

from warroom.comms_templates import load_templates
from warroom.drill.play import PlayStep, play
from warroom.drill.session import Drill
from warroom.probes.config import parse_services
from warroom.probes.scheduler import ProbeEngine
from warroom.scenarios.loader import load_scenarios
from warroom.services.incidents import IncidentService


async def run_headless(
    drill: Drill,
    seconds: float,
    author: str,
    out: Callable[[str], None] = print,
    steps: list[PlayStep] | None = None,
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

        async def play_file() -> None:
            while not drill.timeline_started.is_set():  # the baseline is not on screen yet
                await asyncio.sleep(0.05)
            assert drill.timeline_started_at is not None
            catalogue = load_scenarios()
            templates, _ = load_templates()
            await play(
                steps or [],
                service,
                drill.incident_id,
                catalogue,
                templates,
                drill.settings.speed,
                drill.timeline_started_at,
                say,
            )

        recorder = asyncio.create_task(record())
        player = asyncio.create_task(play_file()) if steps else None
        try:
            await asyncio.sleep(seconds)  # the length of the run the user asked for
        finally:
            for task in (recorder, player):
                if task is not None:
                    task.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await task
            drill.on_applied = None
