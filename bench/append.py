"""Figure 5: events appended per second, each durable (fsync) before the next.

warroom: `LocalStore.append_sync(event)`, what `IncidentService` does for every note,
tick and probe change: encode, open, `flock`, check the last byte, write, `fsync`,
unlock, close. Baseline: the same bytes written by a bare loop of `os.write` and
`os.fsync` on one open file, in the same folder (so on the same disk). Runs alternate
between the two; the figure is the median rate.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from bench.fixtures import INCIDENT_ID, incident_events, write_incident
from bench.plan import Plan
from bench.stats import Figure, median
from warroom.model.events import Event
from warroom.store.local import LocalStore, encode


def warroom_appends(folder: Path, events: list[Event]) -> float:
    """Events per second through the store (into a fresh one-event incident)."""
    write_incident(folder, 1)
    store = LocalStore(folder)
    started = time.perf_counter()
    for event in events:
        store.append_sync(event)
    return len(events) / (time.perf_counter() - started)


def bare_appends(path: Path, lines: list[bytes]) -> float:
    """Lines per second written and fsynced one by one on a file kept open."""
    path.unlink(missing_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        started = time.perf_counter()
        for line in lines:
            os.write(fd, line)
            os.fsync(fd)
        return len(lines) / (time.perf_counter() - started)
    finally:
        os.close(fd)


def measure_append(plan: Plan, folder: Path) -> list[Figure]:
    events = incident_events(plan.appends + 1)[1:]  # everything after the declaration
    lines = [encode(event) for event in events]
    store_folder, bare_path = folder / "store", folder / "bare.jsonl"
    warroom_rates: list[float] = []
    bare_rates: list[float] = []
    for run in range(plan.append_runs):
        if run % 2 == 0:
            warroom_rates.append(warroom_appends(store_folder, events))
            bare_rates.append(bare_appends(bare_path, lines))
        else:
            bare_rates.append(bare_appends(bare_path, lines))
            warroom_rates.append(warroom_appends(store_folder, events))
        (store_folder / "incidents" / f"{INCIDENT_ID}.jsonl").unlink()
    return [
        Figure(
            f"append with fsync ({plan.appends} events a run)",
            median(warroom_rates),
            "events/s",
            baseline=median(bare_rates),
            baseline_name="bare write+fsync",
            runs=plan.append_runs,
            higher_is_better=True,
            note=f"folder {folder}",
        )
    ]
