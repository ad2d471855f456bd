"""Figures 1 and 6: start-up to the first frame and to the incident on screen, and peak
memory, of a fresh console.

Both start `python -m warroom --config ... --data-dir ...` (the documented way: it opens
the most recent open incident) on a pseudo-terminal of 120x40, exactly as the baselines
are started. Start-up has two clocks, both from just before the process is created: to
the first frame (the header and the four pane borders with their titles, `4 Comms` on
screen), to the incident's content (the last entry of its timeline on screen: the
loading frame's preview, read from the end of the incident's file) and to the console
ready (the main screen's header clock: the incident read and folded, every pane filled).
All are compared with the first-frame clock of `python -m bench.skeleton_app`: the
console's widget tree with no data, made of Textual's own widgets.

Bytecode is cached (`PYTHONPYCACHEPREFIX`, a folder under the system temp folder kept
between runs) and each program is launched once before the measured runs, as an
installed package would have it (this machine sets `PYTHONDONTWRITEBYTECODE`, which
would otherwise make every launch compile warroom from source).

Memory is the peak resident set (VmHWM) of the console after its content and a
further `memory_hold` seconds, in which every service is probed at least once (first runs
are spread over a tenth of the 30 s interval, and a hung target times out after 1 s),
against the one-Static app's (`python -m bench.minimal_app`).
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from bench.fixtures import FINAL_NOTE, write_config, write_incident
from bench.minimal_app import READY
from bench.plan import Plan
from bench.skeleton_app import FRAME_MARKER
from bench.stats import Figure, median, ratio_at_most, value_at_most
from bench.targets import serving
from bench.terminal import Launch, launch_until

REPO = Path(__file__).resolve().parents[1]
# Only the main screen's header draws the elapsed clock: the incident read and folded,
# every pane filled, keys acting on it (the loading frame's preview has no header clock).
READY_MARKER = "⏱"
SIZE = (120, 40)
# Bytecode of both programs, kept between runs (Python checks each file against its source).
PYCACHE = Path(tempfile.gettempdir()) / "warroom-bench-pycache"


def launch_env(folder: Path) -> dict[str, str]:
    """The environment both programs start in: the same for the console and the baseline."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("TEXTUAL_", "WARROOM_")) and key != "PYTHONDONTWRITEBYTECODE"
    }
    env.update(
        PYTHONPATH=str(REPO),
        PYTHONPYCACHEPREFIX=str(PYCACHE),
        TERM="xterm-256color",
        WARROOM_CONFIG_DIR=str(folder / "config"),
    )
    env.pop("COLUMNS", None)
    env.pop("LINES", None)
    return env


class Programs:
    """The console (on a prepared data folder) and the minimal app, ready to launch."""

    def __init__(self, folder: Path, urls: list[str], events: int, plan: Plan) -> None:
        self.folder = folder
        self.plan = plan
        self.env = launch_env(folder)
        self.pristine = write_incident(folder / "pristine", events)
        self.data = folder / "data"
        self.config = write_config(folder / "warroom.toml", urls, interval=30.0, timeout=1.0)
        self.log = self.data / "incidents" / self.pristine.name

    def reset(self) -> None:
        """The incident as written (a console appends its probe changes to it)."""
        self.log.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(self.pristine, self.log)

    def console(self, keep_until: Callable[[], bool] | None = None) -> Launch:
        """Start the console on the incident as written, until its frame is drawn (`seconds`),
        the last timeline entry is on screen (`then_seconds`) and the main screen is up
        (`ready_seconds`); see `launch_until`."""
        argv = [sys.executable, "-m", "warroom", "--config", str(self.config)]
        argv += ["--data-dir", str(self.data)]
        return launch_until(
            argv,
            FRAME_MARKER,
            env=self.env,
            cwd=self.folder,
            size=SIZE,
            timeout=self.plan.launch_timeout,
            keep_until=keep_until,
            keep_timeout=self.plan.launch_timeout,
            then=FINAL_NOTE,
            ready=READY_MARKER,
        )

    def skeleton(self) -> Launch:
        argv = [sys.executable, "-m", "bench.skeleton_app"]
        return launch_until(
            argv,
            FRAME_MARKER,
            env=self.env,
            cwd=self.folder,
            size=SIZE,
            timeout=self.plan.launch_timeout,
        )

    def minimal(self) -> Launch:
        argv = [sys.executable, "-m", "bench.minimal_app"]
        return launch_until(
            argv, READY, env=self.env, cwd=self.folder, size=SIZE, timeout=self.plan.launch_timeout
        )


def measure_startup(plan: Plan, folder: Path) -> list[Figure]:
    with serving(plan.startup_services) as urls:
        programs = Programs(folder, urls, plan.startup_events, plan)
        times: dict[str, list[float]] = {"frame": [], "content": [], "ready": [], "skeleton": []}

        def console() -> None:
            programs.reset()
            launch = programs.console()
            times["frame"].append(launch.seconds)
            assert launch.then_seconds is not None and launch.ready_seconds is not None
            times["content"].append(launch.then_seconds)
            times["ready"].append(launch.ready_seconds)

        def skeleton() -> None:
            times["skeleton"].append(programs.skeleton().seconds)

        if plan.warm_up:  # bytecode and page caches, for both; not counted
            console()
            skeleton()
            for kept in times.values():
                kept.clear()
        for run in range(plan.startup_runs):  # interleaved, alternating who goes first
            for launch in (console, skeleton) if run % 2 == 0 else (skeleton, console):
                launch()
    what = f"{plan.startup_services} services, {plan.startup_events:,} events"
    baseline = median(times["skeleton"]) * 1000

    def against_skeleton(name: str, clock: str, goal: float | None = None) -> Figure:
        return Figure(
            f"start-up to {name} ({what})",
            median(times[clock]) * 1000,
            "ms",
            baseline=baseline,
            baseline_name="skeleton app",
            runs=plan.startup_runs,
            goal=f"ratio <= {goal:g}" if goal is not None else "",
            check=ratio_at_most(goal) if goal is not None else None,
        )

    return [
        against_skeleton("first frame: header and pane borders", "frame", 1.3),
        against_skeleton("the incident on screen: last timeline entry", "content", 2),
        against_skeleton("the console ready: main screen, every pane filled", "ready"),
    ]


class Deadline:
    """True once `seconds` have passed since the first call (the console's first frame)."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.since: float | None = None

    def __call__(self) -> bool:
        now = time.perf_counter()
        if self.since is None:
            self.since = now
        return now - self.since >= self.seconds


def measure_memory(plan: Plan, folder: Path) -> list[Figure]:
    with serving(plan.memory_services, plan.memory_hung) as urls:
        programs = Programs(folder, urls, plan.memory_events, plan)
        if plan.warm_up:
            programs.minimal()
        console: list[float] = []
        minimal: list[float] = []
        for _ in range(plan.memory_runs):
            programs.reset()
            peak = programs.console(keep_until=Deadline(plan.memory_hold)).peak_rss_mb
            console.append(peak if peak is not None else float("nan"))
            base = programs.minimal().peak_rss_mb
            minimal.append(base if base is not None else float("nan"))
    return [
        Figure(
            f"memory: console peak RSS ({plan.memory_services} services, "
            f"{plan.memory_events:,} events, {plan.memory_hold:g} s of probing)",
            median(console),
            "MB",
            baseline=median(minimal),
            baseline_name="one-Static app",
            runs=plan.memory_runs,
            goal="<= 200 MB",
            check=value_at_most(200),
        )
    ]
