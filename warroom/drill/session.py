"""One drill from start to report: fleet, temporary config, DRILL incident, script, report.

`Drill.start()` brings up the fleet (PostgreSQL only when the script uses `db`), writes
the temporary config that points the probes at it (watched by a `TempWatchdog` that
removes it even after a SIGKILL), declares the incident (`DRILL-YYYYMMDD-N`) in the
drills folder, and starts the script. `Drill.stop()` stops the script, resolves the
incident, stops the fleet, removes the temporary config and writes the report; it runs
once however often it is called (the CLI's `finally`, `atexit`, a signal). Drill
incidents live in `<data dir>/drills/`, apart from real ones, so a drill is never "the
most recent open incident" of `warroom` nor listed by `warroom incidents`.
"""

from __future__ import annotations

import contextlib
import os
import random
import shutil
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from warroom.config import Config, load_config
from warroom.drill import cleanup
from warroom.drill.drill_config import config_document, severity_tables, write_config
from warroom.drill.fleet import Fleet
from warroom.drill.journal import START, STOP, Journal
from warroom.drill.loop_thread import LoopThread
from warroom.drill.reaper import TEMP_PREFIX, TempWatchdog
from warroom.drill.report import DRILL_AUTHOR, compute, to_markdown
from warroom.drill.runner import ScriptRunner
from warroom.drill.script import DrillScript, plan
from warroom.model.events import EventKind, new_event, utc_now
from warroom.model.incident import IncidentState, fold
from warroom.model.severity import ladder_from_config
from warroom.private_files import private_folder, write_private_text
from warroom.runtime import open_context
from warroom.scenarios.loader import Catalogue, load_scenarios
from warroom.store.local import LocalStore


def journal_path(folder: Path, incident_id: str) -> Path:
    return folder / "journal" / f"{incident_id}.jsonl"


def report_path(folder: Path, incident_id: str) -> Path:
    return folder / "reports" / f"{incident_id}-drill-report.md"


@dataclass
class DrillSettings:
    script: DrillScript
    folder: Path
    """Where drill incidents, journals and reports go (`<data dir>/drills`)."""
    speed: float = 1.0
    seed: int | None = None
    author: str = "responder"
    user_config: Config = field(default_factory=Config)
    use_postgres: bool = True
    probe: dict[str, Any] = field(default_factory=dict)
    """Overrides of the fleet's probe settings (interval, timeout...)."""


class Drill:
    def __init__(self, settings: DrillSettings, catalogue: Catalogue | None = None) -> None:
        if settings.speed <= 0:
            raise ValueError("speed must be greater than 0")
        self.settings = settings
        self.script = settings.script
        self.catalogue = catalogue
        self.seed = (
            settings.seed if settings.seed is not None else random.SystemRandom().randrange(10**6)
        )
        self.loop = LoopThread()
        self.fleet = Fleet(
            self.loop, self.seed, settings.use_postgres and self.script.needs_postgres
        )
        if settings.use_postgres and not self.script.needs_postgres:
            self.fleet.postgres_skipped = "this drill does not use it"
        self.store = LocalStore(settings.folder)
        self.config = Config()
        self.config_path: Path | None = None
        self.incident_id = ""
        self.journal = Journal()
        self.report: Path | None = None
        self.ended: datetime | None = None
        self._temp: Path | None = None
        self._watchdog: TempWatchdog | None = None
        self.timeline_started = threading.Event()
        """Set when the baseline is on screen and the script's clock starts."""
        self.timeline_started_at: float | None = None
        """`time.monotonic()` at that moment."""
        self._runner: Future[Any] | None = None
        self._stop_lock = threading.Lock()
        self._stopped = False
        self.on_applied: Callable[[str], None] | None = None
        """Told of each action the script applies (the headless mode prints them)."""

    # Starting -----------------------------------------------------------------------------

    def start(self) -> Drill:
        cleanup.register(self)
        try:
            self._start()
        except BaseException:
            self.stop(write_report=False)
            raise
        return self

    def _start(self) -> None:
        settings = self.settings
        self.loop.start()
        self.fleet.start()
        self._temp = Path(tempfile.mkdtemp(prefix=TEMP_PREFIX))
        self._watchdog = TempWatchdog(self._temp).start()
        document = config_document(
            settings.user_config,
            settings.author,
            self.fleet.service_tables(settings.probe),
            self.script.severity,
            self.script.update_cadence / settings.speed,
        )
        self.config_path = write_config(self._temp / "warroom.toml", document)
        self.config = load_config(self.config_path)
        self.store.ensure_folder()
        service = open_context(self.config, self.store, settings.folder, DRILL_AUTHOR).service
        declared = self.loop.call(
            service.declare(
                self.script.title,
                self.script.severity,
                scenario=self.script.scenario,
                drill=True,
                impact=self.script.summary,
            )
        )
        self.incident_id = declared.incident_id
        self.journal = Journal(journal_path(settings.folder, self.incident_id))
        self.journal.add(
            START,
            what=f"drill {self.script.id} started",
            script=self.script.id,
            scenario=self.script.scenario,
            seed=self.seed,
            speed=settings.speed,
            pid=os.getpid(),
            ports=self.fleet.ports,
            postgres_skipped=self.fleet.postgres_skipped,
            cluster=self.fleet.cluster_root,
        )
        runner = ScriptRunner(
            self.script,
            plan(self.script, self.seed, settings.speed),
            settings.speed,
            self.fleet,
            LocalStore(settings.folder),
            self.incident_id,
            self.journal,
            on_applied=self._applied,
            on_timeline_start=self._timeline_start,
        )
        self._runner = self.loop.spawn(runner.run())

    def _timeline_start(self) -> None:
        self.timeline_started_at = time.monotonic()
        self.timeline_started.set()

    def _applied(self, line: str) -> None:
        callback = self.on_applied
        if callback is not None:
            callback(line)

    # Stopping -----------------------------------------------------------------------------

    def stop(self, write_report: bool = True) -> Path | None:
        """Stop everything (once) and write the report; returns its path."""
        with self._stop_lock:
            if self._stopped:
                return self.report
            self._stopped = True
        self.ended = utc_now()
        try:
            if self._runner is not None:
                self._runner.cancel()
            if self.incident_id:
                self._resolve()
                self.journal.add(STOP, what="drill ended")
        finally:
            try:
                self.fleet.stop()
            finally:
                self.loop.stop()
                if self._temp is not None:
                    shutil.rmtree(self._temp, ignore_errors=True)
                if self._watchdog is not None:
                    self._watchdog.release()
                cleanup.unregister(self)
        if write_report and self.incident_id:
            self.report = write_drill_report(
                self.settings.folder, self.incident_id, self.script, self.catalogue, self.ended
            )
        return self.report

    def _resolve(self) -> None:
        """The drill is over, so is its incident (a drill left open would read as a real
        incident still going: "Duration 13m, investigating")."""
        with contextlib.suppress(Exception):  # the report is still written
            resolve_drill_incident(self.store, self.incident_id, self.ended or utc_now())

    def __enter__(self) -> Drill:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def state(self) -> IncidentState:
        return fold(self.store.load_sync(self.incident_id).events, self.incident_id)


def resolve_drill_incident(store: LocalStore, incident_id: str, at: datetime) -> bool:
    """Resolve the drill's incident at `at` if it is still open; True if it was."""
    state = fold(store.load_sync(incident_id).events, incident_id)
    if not state.is_open:
        return False
    payload = {"status": "resolved", "previous": str(state.status)}
    store.append_sync(
        new_event(incident_id, EventKind.STATUS_CHANGED, DRILL_AUTHOR, payload, at=at, now=at)
    )
    return True


def drill_died(journal: Journal) -> bool:
    """No `stop` entry and its process is gone: the drill was killed (SIGKILL, a crash)."""
    start = journal.first(START)
    if journal.first(STOP) is not None or start is None:
        return False
    pid = start.detail.get("pid")
    if not isinstance(pid, int):
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def drill_end(journal: Journal, state: IncidentState) -> datetime:
    """When the drill ended: its `stop` entry, else (it died: SIGKILL, a crash) the last
    thing its journal or its incident recorded, never the moment the report is rebuilt."""
    stop = journal.first(STOP)
    if stop is not None:
        return stop.at
    moments = [entry.at for entry in journal.entries] + [event.at for event in state.events]
    return max(moments) if moments else utc_now()


def write_drill_report(
    folder: Path,
    incident_id: str,
    script: DrillScript,
    catalogue: Catalogue | None = None,
    ended: datetime | None = None,
) -> Path:
    """The report of a drill, written from its incident log and journal. A drill that was
    killed is resolved at its last recorded moment first, and its report ends there."""
    store = LocalStore(folder)
    state = fold(store.load_sync(incident_id).events, incident_id)
    journal = Journal.read(journal_path(folder, incident_id))
    if ended is None and drill_died(journal) and state.is_open:
        resolve_drill_incident(store, incident_id, drill_end(journal, state))
        state = fold(store.load_sync(incident_id).events, incident_id)
    start = journal.first(START)
    speed = float(start.detail.get("speed", 1.0)) if start else 1.0
    ended = ended or drill_end(journal, state)
    catalogue = catalogue if catalogue is not None else load_scenarios()
    scenario = catalogue.get(script.scenario)
    ladder = ladder_from_config(
        "custom", severity_tables(script.severity, script.update_cadence / speed)
    )
    figures = compute(state, journal, script, scenario, ladder, speed, ended)
    text = to_markdown(figures, state, journal, script, ladder)
    path = report_path(folder, incident_id)
    private_folder(path.parent)
    write_private_text(path, text)
    return path
