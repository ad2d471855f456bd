"""A drill without the console: the real probes record into the DRILL incident for a while.

`warroom drill --headless SECONDS` runs the fleet, the script and the probe engine for
that long under the same runtime as the console (`warroom.runtime`: probe changes into
the incident by the console's rule, the same timed rules fired), printing one line per
change, per fired reminder and per drill action. With `--play FILE` it also plays
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
from warroom.runtime import DeadlineFired, RuntimeMessage, RuntimeProblem, open_context
from warroom.scenarios.loader import load_scenarios


async def run_headless(
    drill: Drill,
    seconds: float,
    author: str,
    out: Callable[[str], None] = print,
    steps: list[PlayStep] | None = None,
) -> None:
    context = open_context(drill.config, drill.store, drill.settings.folder, author)
    runtime = await context.open_runtime(drill.incident_id)
    started = time.monotonic()

    def say(line: str) -> None:
        out(f"+{time.monotonic() - started:6.1f}s  {line}")

    def told(message: RuntimeMessage) -> None:
        if isinstance(message, DeadlineFired):
            say(f"{message.rule}: {message.message}")
        elif isinstance(message, RuntimeProblem):
            say(f"problem: {message.text}")

    runtime.subscribe(told)
    drill.on_applied = say
    async with ProbeEngine(parse_services(drill.config)) as engine:

        async def play_file() -> None:
            while not drill.timeline_started.is_set():  # the baseline is not on screen yet
                await asyncio.sleep(0.05)
            assert drill.timeline_started_at is not None
            catalogue = load_scenarios()
            templates, _ = load_templates()
            await play(
                steps or [],
                runtime.service,
                drill.incident_id,
                catalogue,
                templates,
                drill.settings.speed,
                drill.timeline_started_at,
                say,
            )

        tasks = [
            asyncio.create_task(runtime.run()),
            asyncio.create_task(
                runtime.run_probes(engine, lambda change: say(f"probe: {change.describe()}"))
            ),
        ]
        if steps:
            tasks.append(asyncio.create_task(play_file()))
        try:
            await asyncio.sleep(seconds)  # the length of the run the user asked for
        finally:
            for task in tasks:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            drill.on_applied = None
            await runtime.close()
