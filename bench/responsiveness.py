"""Figure 3: key press to screen update in the console, while a 2,000-service cycle runs.

The console is the real `WarroomApp` (run headless with Pilot, 120x40) on an incident of
`responsiveness_events` events, its probe feed built from a config of
`responsiveness_services` loopback services (`cycle_hung` of them hung) exactly as the
command line builds it.
Whenever no probe is running the bench asks for a re-check of every service (the `r`
key), so presses always land while a cycle is under way.

A press is `k` or `j` on the timeline (the cursor moves up or down). Its latency runs
from just before the key is sent until the first frame that the compositor renders
after the cursor moved, with the timeline among the widgets it redraws. (Headless, the
frame is rendered but not written to a terminal.) Presses come at random intervals of
10-60 ms, so that they meet the console's periodic work at every phase.

The baseline is the same console and the same presses with a fixed list of as many
services and no probing at all.
"""

from __future__ import annotations

import asyncio
import os
import random
import shutil
import time
from pathlib import Path
from typing import Any

from bench.fixtures import INCIDENT_ID, write_config, write_incident
from bench.plan import Plan
from bench.stats import Figure, median, percentile
from bench.targets import serving
from warroom.config import load_config
from warroom.services.incidents import IncidentService
from warroom.store.local import LocalStore
from warroom.ui.app import WarroomApp
from warroom.ui.feed import FixedProbeFeed, ProbeFeed
from warroom.ui.panes.status import ServiceRow
from warroom.ui.panes.timeline import TimelineView
from warroom.ui.probe_feed import ProcessFeed, feed_from_config
from warroom.ui.screens.main import MainScreen

SIZE = (120, 40)
FRAME_TIMEOUT = 10.0


class FrameWatch:
    """Wraps the app's display step to note when the timeline's new cursor is drawn."""

    def __init__(self, app: WarroomApp) -> None:
        self.app = app
        self.cursor_before: int | None = None
        self.drawn = asyncio.Event()
        self.drawn_at = 0.0
        self._display = app._display
        app._display = self._watch  # type: ignore[method-assign]

    def expect(self, cursor_before: int) -> None:
        self.cursor_before = cursor_before
        self.drawn.clear()

    def _watch(self, screen: Any, renderable: Any) -> None:
        self._display(screen, renderable)
        if self.cursor_before is None or not isinstance(screen, MainScreen):
            return
        timeline = screen.query_one(TimelineView)
        dirty = screen._dirty_widgets
        if timeline.cursor != self.cursor_before and (timeline in dirty or screen in dirty):
            self.drawn_at = time.perf_counter()
            self.cursor_before = None
            self.drawn.set()


async def _main_screen(app: WarroomApp, pilot: Any) -> TimelineView:
    deadline = time.perf_counter() + 60
    while time.perf_counter() < deadline:
        screen = app.screen
        if isinstance(screen, MainScreen) and screen.query(TimelineView):
            timeline = screen.query_one(TimelineView)
            if timeline.entries and timeline.size.height:
                return timeline
        await pilot.pause(0.02)
    raise RuntimeError("the console's main screen never came up")


def _engine_idle(feed: ProbeFeed) -> bool:
    if not isinstance(feed, ProcessFeed):
        return False
    return feed.idle()


async def press_latencies(
    app: WarroomApp, presses: int, seed: int, keep_probing: bool
) -> tuple[list[float], int]:
    """Latencies (ms) of `presses` presses, and how many of them met a running cycle."""
    rng = random.Random(seed)
    latencies: list[float] = []
    busy = 0
    async with app.run_test(size=SIZE) as pilot:
        watch = FrameWatch(app)
        timeline = await _main_screen(app, pilot)
        timeline.focus()
        await pilot.pause(0.1)
        keys = ["k"] * 10 + ["j"] * 10
        for number in range(presses):
            if keep_probing and _engine_idle(app.feed):
                app.feed.recheck()
                await asyncio.sleep(0.02)  # let the first probes start
            if keep_probing and not _engine_idle(app.feed):
                busy += 1
            key = keys[number % len(keys)]
            watch.expect(timeline.cursor)
            started = time.perf_counter()
            press = asyncio.create_task(pilot.press(key))
            try:
                await asyncio.wait_for(watch.drawn.wait(), FRAME_TIMEOUT)
                latencies.append((watch.drawn_at - started) * 1000)
            except TimeoutError:
                latencies.append(FRAME_TIMEOUT * 1000)
            await press
            await asyncio.sleep(rng.uniform(0.01, 0.06))
    return latencies, busy


class Console:
    """A console on a fresh copy of the incident, with probing or with fixed rows."""

    def __init__(self, folder: Path, plan: Plan, urls: list[str]) -> None:
        self.folder = folder
        self.plan = plan
        self.pristine = write_incident(folder / "pristine", plan.responsiveness_events)
        self.config_path = write_config(
            folder / "warroom.toml", urls, interval=30.0, timeout=plan.cycle_timeout
        )
        self.rows = [
            ServiceRow(name=f"svc-{n:03d}", kind="http", state="up", reason="HTTP 200")
            for n in range(len(urls))
        ]

    def app(self, probing: bool) -> WarroomApp:
        data = self.folder / ("data-probing" if probing else "data-fixed")
        shutil.rmtree(data, ignore_errors=True)
        (data / "incidents").mkdir(parents=True)
        shutil.copyfile(self.pristine, data / "incidents" / self.pristine.name)
        config = load_config(self.config_path)
        service = IncidentService(LocalStore(data), "bench", config.ladder)
        feed = feed_from_config(config) if probing else FixedProbeFeed(self.rows)
        return WarroomApp(service, config, data, incident_id=INCIDENT_ID, feed=feed)


def measure_responsiveness(plan: Plan, folder: Path) -> list[Figure]:
    saved = os.environ.get("WARROOM_CONFIG_DIR")
    os.environ["WARROOM_CONFIG_DIR"] = str(folder / "config")  # no user themes or scenarios
    try:
        with serving(plan.responsiveness_services, plan.cycle_hung) as urls:
            console = Console(folder, plan, urls)
            idle, _ = asyncio.run(press_latencies(console.app(False), plan.presses, 1, False))
            probing, busy = asyncio.run(press_latencies(console.app(True), plan.presses, 1, True))
    finally:
        if saved is None:
            os.environ.pop("WARROOM_CONFIG_DIR", None)
        else:
            os.environ["WARROOM_CONFIG_DIR"] = saved
    what = f"{plan.responsiveness_services} services, {plan.cycle_hung} hung"
    note = f"{busy} of {plan.presses} presses met a running cycle"
    return [
        Figure(
            f"key press to screen update, median (probing {what})",
            median(probing),
            "ms",
            baseline=median(idle),
            baseline_name="no probing",
            runs=len(probing),
        ),
        Figure(
            f"key press to screen update, p99 (probing {what})",
            percentile(probing, 0.99),
            "ms",
            baseline=percentile(idle, 0.99),
            baseline_name="no probing",
            runs=len(probing),
            goal="p99 < 50 ms and <= 1.5x idle",
            check=lambda figure: figure.value < 50 and (figure.ratio or 0) <= 1.5,
            note=note,
        ),
    ]
