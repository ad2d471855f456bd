"""What the benchmarks run against: incident files, config files and a throwaway folder.

`write_incident` writes an incident of N events straight into the local store's JSONL
format (the same `encode` the store uses, without an fsync per line, so that building a
100,000-event file takes a second, not minutes). The mix of events is what a long
incident looks like: mostly notes and probe changes, some ticks, role and status changes,
comms copies, edits, strikes and pins. Everything is seeded, so every run reads the same
file.
"""

from __future__ import annotations

import random
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

from warroom.model.events import Event, EventKind, NoteKind, new_event
from warroom.store.local import SUFFIX, encode

INCIDENT_ID = "INC-20260101-1"
START = datetime(2026, 1, 1, 9, 0, tzinfo=UTC)
AUTHORS = ("alice", "bob", "carol", "dave", "erin")
FINAL_NOTE = "bench: the last entry of the timeline"
WORDS = (
    *("checkout", "latency", "up,", "p99", "above", "SLO;", "rolled", "back", "deploy"),
    *("4812", "on", "api-eu;", "db", "replica", "lag", "40s,", "failover", "considered;"),
    *("customers", "report", "502", "on", "login;", "cache", "hit", "ratio", "dropped"),
    *("after", "config", "push;", "paging", "storage", "on-call"),
)


def _note_text(rng: random.Random) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(4, 16)))


def incident_events(count: int, seed: int = 8, incident_id: str = INCIDENT_ID) -> list[Event]:
    """A declared incident followed by `count - 1` events, the last a recognisable note."""
    rng = random.Random(seed)
    events: list[Event] = []
    moment = START

    def add(kind: EventKind, payload: dict[str, object], author: str | None = None) -> Event:
        event = new_event(
            incident_id, kind, author or rng.choice(AUTHORS), payload, at=moment, now=moment
        )
        events.append(event)
        return event

    add(
        EventKind.DECLARED,
        {
            "title": "Checkout errors in EU",
            "severity": "SEV-2",
            "ladder": "sev1-sev3",
            "scenario": None,
            "roles": {"IC": "alice"},
            "drill": False,
            "impact": "Some EU customers cannot pay",
        },
        author="alice",
    )
    notes: list[Event] = []
    states = ("up", "degraded", "down")
    statuses = ("investigating", "identified", "mitigating", "monitoring")
    while len(events) < count - 1:
        moment += timedelta(milliseconds=rng.randint(200, 3000))
        roll = rng.random()
        if roll < 0.55:
            kind = rng.choice(list(NoteKind))
            notes.append(
                add(EventKind.NOTE, {"text": _note_text(rng), "note_kind": str(kind)}),
            )
        elif roll < 0.85:
            previous, state = rng.sample(states, 2)
            add(
                EventKind.PROBE_STATE_CHANGED,
                {
                    "service": f"svc-{rng.randrange(500):03d}",
                    "probe_kind": "http",
                    "state": state,
                    "previous": previous,
                    "reason": f"HTTP {rng.choice((200, 502, 503))} in {rng.randint(3, 900)} ms",
                    "latency_ms": round(rng.uniform(1, 900), 1),
                },
            )
        elif roll < 0.91:
            step = f"step-{rng.randrange(40)}"
            kind = EventKind.STEP_CHECKED if rng.random() < 0.7 else EventKind.STEP_UNCHECKED
            add(kind, {"scenario": "general", "step": step, "text": f"Do {step}"})
        elif roll < 0.93:
            status = rng.choice(statuses)
            add(EventKind.STATUS_CHANGED, {"status": status, "previous": "investigating"})
        elif roll < 0.94:
            severity = rng.choice(("SEV-1", "SEV-2", "SEV-3"))
            add(EventKind.SEVERITY_CHANGED, {"severity": severity, "previous": "SEV-2"})
        elif roll < 0.95:
            role = rng.choice(("Ops", "Dev", "Comms"))
            add(EventKind.ROLE_ASSIGNED, {"role": role, "name": rng.choice(AUTHORS)})
        elif roll < 0.96:
            add(
                EventKind.COMMS_COPIED,
                {
                    "template": "status-update",
                    "audience": "internal",
                    "channel": "clipboard",
                    "text": _note_text(rng),
                },
            )
        elif notes:
            target = rng.choice(notes[-200:]).id
            pick = rng.random()
            if pick < 0.5:
                add(EventKind.ENTRY_EDITED, {"target": target, "text": _note_text(rng)})
            elif pick < 0.8:
                add(EventKind.ENTRY_STRUCK, {"target": target, "reason": "wrong service"})
            else:
                add(EventKind.ENTRY_PINNED, {"target": target})
    moment += timedelta(seconds=1)
    add(EventKind.NOTE, {"text": FINAL_NOTE, "note_kind": "note"}, author="alice")
    return events


def write_incident(data_dir: Path, count: int, incident_id: str = INCIDENT_ID) -> Path:
    """The JSONL file of an incident with `count` events under `data_dir`."""
    folder = data_dir / "incidents"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{incident_id}{SUFFIX}"
    with open(path, "wb") as handle:
        for event in incident_events(count, incident_id=incident_id):
            handle.write(encode(event))
    return path


def write_config(path: Path, urls: list[str], interval: float = 30.0, timeout: float = 2.0) -> Path:
    """A warroom.toml with one http service per URL."""
    lines = ["[incident]", 'author = "bench"', ""]
    for index, url in enumerate(urls):
        lines += [
            "[[service]]",
            f'name = "svc-{index:03d}"',
            'kind = "http"',
            f'url = "{url}"',
            f"interval = {interval}",
            f"timeout = {timeout}",
            "",
        ]
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


@contextmanager
def scratch(prefix: str = "warroom-bench-", base: Path | None = None) -> Iterator[Path]:
    """A throwaway folder (on the same disk as `base`, default the system temp folder)."""
    folder = Path(tempfile.mkdtemp(prefix=prefix, dir=base))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)
