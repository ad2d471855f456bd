"""Figure 4: opening, rendering and exporting an incident of 100,000 events.

- open: `LocalStore.load_sync` then `fold`, what every command and the console do first.
  Baseline: `json.loads` of every line of the same file (the least any reader must do).
- render: the console (the real `WarroomApp`, headless, 120x40) from the moment its
  session starts opening the incident until the first frame that shows the timeline
  scrolled to its last entry. The incident is loaded and folded beforehand (that is
  "open"), so this is what showing it costs. Baseline: the same for an incident of 100
  events.
- export: the post-mortem as Markdown (with a local-time column) and as JSON.

Open and export are single-threaded computations: their figures are CPU time of this
process (`time.process_time`), which a busy machine disturbs far less than wall time
(the wall-clock median is in the notes). Render waits on Textual's timers, so it is wall
time.
"""

from __future__ import annotations

import asyncio
import json
import os
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bench.fixtures import INCIDENT_ID, START, write_incident
from bench.plan import Plan
from bench.stats import Figure, median, value_below
from warroom.config import Config
from warroom.model.incident import fold
from warroom.model.postmortem import to_json, to_markdown
from warroom.model.severity import PRESETS
from warroom.services.incidents import IncidentService, LoadedIncident
from warroom.store.local import LocalStore
from warroom.ui.app import WarroomApp
from warroom.ui.feed import FixedProbeFeed
from warroom.ui.panes.timeline import TimelineView
from warroom.ui.screens.main import MainScreen

LADDER = PRESETS["sev1-sev3"]
ZONE = "Europe/Berlin"
SMALL_INCIDENT = 100


def timed(work: Callable[[], Any]) -> tuple[float, float]:
    """(CPU seconds, wall seconds) of one call."""
    cpu, wall = time.process_time(), time.perf_counter()
    work()
    return time.process_time() - cpu, time.perf_counter() - wall


def json_baseline(path: Path) -> None:
    with open(path, "rb") as handle:
        [json.loads(line) for line in handle]


def open_incident(folder: Path) -> Any:
    return fold(LocalStore(folder).load_sync(INCIDENT_ID).events, INCIDENT_ID)


class PreloadedService(IncidentService):
    """An IncidentService whose `load` returns an incident read beforehand."""

    def __init__(self, store: LocalStore, loaded: LoadedIncident) -> None:
        super().__init__(store, "bench", LADDER)
        self.loaded = loaded

    async def load(self, incident_id: str) -> LoadedIncident:
        return self.loaded


async def render_once(folder: Path, loaded: LoadedIncident) -> float:
    """Seconds from the session starting to open until the timeline's end is drawn."""
    store = LocalStore(folder)
    app = WarroomApp(
        PreloadedService(store, loaded),
        Config(),
        folder,
        incident_id=INCIDENT_ID,
        feed=FixedProbeFeed([]),
    )
    entries = len(loaded.state.entries)
    marks: dict[str, float] = {}
    drawn = asyncio.Event()
    changes = store.changes

    def opening(incident_id: str) -> Any:  # IncidentSession.open subscribes first
        marks.setdefault("start", time.perf_counter())
        return changes(incident_id)

    store.changes = opening  # type: ignore[method-assign]
    display = app._display

    def watch(screen: Any, renderable: Any) -> None:
        display(screen, renderable)
        if drawn.is_set() or not isinstance(screen, MainScreen):
            return
        timeline = screen.query_one(TimelineView)
        height = timeline.size.height
        # >=: the runtime may add a fired reminder (the bench incident's update is late)
        complete = height and len(timeline.entries) >= entries
        if complete and int(timeline.scroll_y) + height >= len(timeline.entries):
            marks["drawn"] = time.perf_counter()
            drawn.set()

    app._display = watch  # type: ignore[method-assign]
    async with app.run_test(size=(120, 40)):
        await asyncio.wait_for(drawn.wait(), 120)
    return marks["drawn"] - marks["start"]


def measure_big_incident(plan: Plan, folder: Path) -> list[Figure]:
    saved = os.environ.get("WARROOM_CONFIG_DIR")
    os.environ["WARROOM_CONFIG_DIR"] = str(folder / "config")
    try:
        return _measure(plan, folder)
    finally:
        if saved is None:
            os.environ.pop("WARROOM_CONFIG_DIR", None)
        else:
            os.environ["WARROOM_CONFIG_DIR"] = saved


def _measure(plan: Plan, folder: Path) -> list[Figure]:
    big, small = folder / "big", folder / "small"
    path = write_incident(big, plan.big_events)
    write_incident(small, SMALL_INCIDENT)
    json_baseline(path)  # warm the page cache
    cpu: dict[str, list[float]] = {"json": [], "open": [], "markdown": [], "json export": []}
    wall: dict[str, list[float]] = {name: [] for name in cpu}

    def run_jobs(jobs: dict[str, Callable[[], Any]]) -> None:
        for run in range(plan.big_runs):
            for name in list(jobs) if run % 2 == 0 else list(reversed(jobs)):
                spent_cpu, spent_wall = timed(jobs[name])
                cpu[name].append(spent_cpu)
                wall[name].append(spent_wall)

    # Opened with nothing else big alive: a heap already holding an incident would make
    # the baseline's garbage collections (and only those) slower.
    run_jobs({"json": lambda: json_baseline(path), "open": lambda: open_incident(big)})
    state = open_incident(big)
    now = START + timedelta(days=3)
    zone = ZoneInfo(ZONE)
    run_jobs(
        {
            "markdown": lambda: to_markdown(state, LADDER, now, zone, ZONE),
            "json export": lambda: to_json(state, LADDER, now),
        }
    )

    loaded = LoadedIncident(state=state)
    small_loaded = LoadedIncident(state=open_incident(small))
    renders: list[float] = []
    small_renders: list[float] = []
    for _ in range(plan.render_runs):
        small_renders.append(asyncio.run(render_once(small, small_loaded)))
        renders.append(asyncio.run(render_once(big, loaded)))

    events = f"{plan.big_events:,} events"
    base = median(cpu["json"]) * 1000

    def cpu_figure(title: str, name: str, goal: str, check: Callable[[Figure], bool]) -> Figure:
        """A CPU-time figure against `json.loads`, with the wall-clock medians in its note."""
        spent, json_spent = median(wall[name]) * 1000, median(wall["json"]) * 1000
        return Figure(
            f"{title} (CPU)",
            median(cpu[name]) * 1000,
            "ms",
            baseline=base,
            baseline_name="json.loads per line",
            runs=plan.big_runs,
            goal=goal,
            check=check,
            note=f"wall median {spent:,.0f} ms (json.loads {json_spent:,.0f} ms)",
        )

    return [
        cpu_figure(
            f"open {events}: load + fold",
            "open",
            "ratio <= 2",
            lambda figure: figure.ratio is not None and figure.ratio <= 2,
        ),
        Figure(
            f"render {events}: session open to timeline end on screen",
            median(renders) * 1000,
            "ms",
            baseline=median(small_renders) * 1000,
            baseline_name=f"{SMALL_INCIDENT}-event incident",
            runs=plan.render_runs,
        ),
        cpu_figure(
            f"export {events}: Markdown post-mortem", "markdown", "< 1 s", value_below(1000)
        ),
        cpu_figure(f"export {events}: JSON", "json export", "< 1 s", value_below(1000)),
    ]
