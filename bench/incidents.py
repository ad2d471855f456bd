"""Figure: `warroom incidents` over many big incidents, with the summary cache and without.

`incidents_count` incidents of `incidents_events` events each: one incident is written
(bench.fixtures) and hard-linked under every other id, so a thousand 3 MB files cost one
on disk (the fold takes its id from the file name, so each lists as itself). The figure
is the median time of `IncidentService.list_incidents()` once the summaries are cached
(what every listing after the first costs). The baseline is the listing as it was before
the cache, folding every incident: measured on `incidents_sample` of them in the same run
and multiplied up (the files are identical, so each costs the same), because folding all
of them takes minutes. The cache is primed as the first listing would write it.
"""

from __future__ import annotations

import asyncio
import os
import time
from dataclasses import replace
from pathlib import Path

from bench.fixtures import write_incident
from bench.plan import Plan
from bench.stats import Figure, median, value_below
from warroom.model.incident import fold
from warroom.model.severity import PRESETS
from warroom.services.incidents import IncidentService
from warroom.store.local import SUFFIX, LocalStore


def _ids(count: int) -> list[str]:
    return [f"INC-20250101-{n}" for n in range(1, count + 1)]


def measure_incidents(plan: Plan, folder: Path) -> list[Figure]:
    count, events, runs = plan.incidents_count, plan.incidents_events, plan.incidents_runs
    original = write_incident(folder / "source", events)
    incidents = folder / "data" / "incidents"
    incidents.mkdir(parents=True)
    for incident_id in _ids(count):
        os.link(original, incidents / f"{incident_id}{SUFFIX}")
    store = LocalStore(folder / "data")
    service = IncidentService(store, "bench", PRESETS["sev1-sev3"])

    sample = _ids(min(plan.incidents_sample, count))
    folding: list[float] = []
    for _ in range(runs):
        started = time.perf_counter()
        for incident_id in sample:
            fold(store.load_sync(incident_id).events, incident_id)
        folding.append((time.perf_counter() - started) * count / len(sample))

    # What the first listing would write, without its minutes of folding: every file
    # is the same, so one fold gives every summary (each under its own id).
    made, damaged = asyncio.run(service.summary(sample[0]))
    for incident_id in _ids(count):
        key = store.summaries.key(incident_id)
        assert key is not None
        store.summaries.put(incident_id, key, replace(made, id=incident_id), damaged)
    first = asyncio.run(service.list_incidents())
    assert len(first) == count, f"{len(first)} of {count} incidents listed"
    cached: list[float] = []
    for _ in range(runs):
        started = time.perf_counter()
        listed = asyncio.run(service.list_incidents())
        cached.append(time.perf_counter() - started)
        assert listed == first
    return [
        Figure(
            f"warroom incidents: {count} incidents of {events:,} events (summaries cached)",
            median(cached),
            "s",
            baseline=median(folding),
            baseline_name=f"fold all, from {len(sample)}",
            runs=runs,
            goal="< 1 s",
            check=value_below(1.0),
            note="the first listing after a change folds what changed (all of them: the baseline)",
        )
    ]
