"""Building the console for tests: a fixed clock, fixed probe rows, a known incident."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path

from textual.widgets import Input, TextArea

from warroom.config import Config
from warroom.model.events import Event, EventKind, new_event
from warroom.model.severity import PRESETS
from warroom.probes.result import ProbeState
from warroom.probes.scheduler import StateChange
from warroom.scenarios.loader import Catalogue, load_paths, load_scenarios
from warroom.services.incidents import IncidentService
from warroom.store.local import IncidentLog, LocalStore
from warroom.ui.app import WarroomApp
from warroom.ui.feed import FixedProbeFeed
from warroom.ui.panes.status import ServiceRow

T0 = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)
NOW = T0 + timedelta(minutes=12, seconds=34)
INCIDENT = "INC-20261123-1"
HOSTILE = "[bold]boom[/x] [ERROR] \x1b[31mred\x1b[0m"

SCENARIO_TOML = """
id = "db-pool"
title = "Database pool exhaustion"
summary = "Connections run out"
services = ["database"]

[[phase]]
id = "assess"
title = "Assess"

[[phase.step]]
text = "Check connection count"
commands = ["psql -c \\"SELECT count(*) FROM pg_stat_activity\\""]

[[phase.step]]
text = "Find idle in transaction sessions"

[[phase]]
id = "mitigate"
title = "Mitigate"

[[phase.step]]
text = "Tell executives"
min_severity = "SEV-1"

[[phase.step]]
text = "Roll back the last deploy"
commands = ["deploy rollback"]

[[cause]]
cause = "Leaked connections"
fix = "Restart the app"
"""

GENERAL_TOML = """
id = "general"
title = "Any incident"

[[phase]]
id = "respond"
title = "Respond"

[[phase.step]]
text = "Acknowledge the alert"

[[phase.step]]
text = "Assign roles"
"""

ROWS = [
    ServiceRow(
        name="api",
        kind="http",
        state="down",
        reason="status 503, expected 2xx: " + HOSTILE,
        latency_ms=None,
        history_ms=(120.0, 130.0, None, None),
        age_s=4,
    ),
    ServiceRow(
        name="database",
        kind="postgres",
        state="degraded",
        reason="pool 87% >= 80%",
        latency_ms=12.0,
        history_ms=(10.0, 11.0, 12.0, 12.0),
        age_s=2,
    ),
    ServiceRow(
        name="payments-vendor",
        kind="statuspage",
        state="up",
        reason="All Systems Operational",
        latency_ms=80.0,
        history_ms=(70.0, 90.0, 80.0),
        age_s=9,
        flapping=True,
    ),
]


def probe_change(
    service: str,
    kind: str,
    state: str,
    previous: str | None,
    reason: str,
    at: datetime = NOW,
) -> StateChange:
    """A debounced probe change as the engine hands it to the console."""
    return StateChange(
        service,
        kind,
        ProbeState(state),
        ProbeState(previous) if previous else None,
        reason,
        None,
        at,
    )


def catalogue(tmp_path: Path) -> Catalogue:
    folder = tmp_path / "scenarios-under-test"
    folder.mkdir(exist_ok=True)
    (folder / "db-pool.toml").write_text(SCENARIO_TOML)
    (folder / "general.toml").write_text(GENERAL_TOML)
    result = load_paths([folder])
    assert not result.errors, result.errors
    return result


def fixed_event(
    incident: str, kind: EventKind, minutes: float, number: int, **payload: object
) -> Event:
    """Alice's event at T0 + `minutes` with id number `number` (fixed times and ids, so
    snapshots do not change)."""
    at = T0 + timedelta(minutes=minutes)
    made = new_event(incident, kind, "alice", payload, at=at, now=at)
    return replace(made, id=f"00000000-0000-0000-0000-{number:012d}")


def write_incident(data_dir: Path, severity: str = "SEV-2") -> str:
    """A known incident with fixed times (and ids, so snapshots do not change)."""
    store = LocalStore(data_dir)
    store.ensure_folder()
    log = IncidentLog(store.folder / f"{INCIDENT}.jsonl")
    event = partial(fixed_event, INCIDENT)

    log.append_many(
        [
            event(
                EventKind.DECLARED,
                0,
                1,
                title="Checkout fails for all users",
                severity=severity,
                ladder="sev1-sev3",
                scenario="db-pool",
                roles={"IC": "Alice"},
            ),
            event(EventKind.NOTE, 1, 2, text="5xx rate at 40%", note_kind="finding"),
            event(EventKind.NOTE, 3, 3, text="Scaled the pool to 200", note_kind="action"),
            event(EventKind.NOTE, 4, 4, text=HOSTILE, note_kind="note"),
            event(EventKind.NOTE, 5, 5, text="Add pool alerts", note_kind="todo"),
        ]
    )
    return INCIDENT


def make_app(
    tmp_path: Path,
    *,
    incident: str | None = INCIDENT,
    rows: list[ServiceRow] | None = None,
    severity: str = "SEV-2",
    config: Config | None = None,
    author: str = "alice",
    read_only: bool = False,
) -> WarroomApp:
    data_dir = tmp_path / "data"
    if incident:
        write_incident(data_dir, severity)
    store = LocalStore(data_dir)
    service = IncidentService(store, author, PRESETS["sev1-sev3"], clock=lambda: NOW)
    return WarroomApp(
        service,
        config or Config(),
        data_dir,
        incident_id=incident,
        feed=FixedProbeFeed(ROWS if rows is None else rows),
        clock=lambda: NOW,
        zone=UTC,
        zone_name="UTC",
        catalogue=catalogue(tmp_path),
        read_only=read_only,
    )


def still(app: WarroomApp) -> None:
    """Stop cursors blinking, for stable snapshots."""
    for widget in app.screen.query(Input):
        widget.cursor_blink = False
    for area in app.screen.query(TextArea):
        area.cursor_blink = False


# A realistic incident for the layout snapshots: a shipped scenario and the shipped general
# checklist, long notes, a multi-line log excerpt, a day change, and 30 services with long
# names (the "at any size" check).
LATE = datetime(2026, 11, 23, 23, 48, tzinfo=UTC)
LATE_NOW = LATE + timedelta(minutes=25)
LONG_NOTE = (
    "Checkout p99 went from 300 ms to 9 s right after the 23:40 deploy of cart-service "
    "v2.31.0; the pool on orders-db-primary is at 100/100 and pgbouncer shows 340 clients "
    "waiting, most of them from cart-service pods in eu-west-1b"
)
LOG_EXCERPT = (
    "pasted from the cart-service log:\n"
    "2026-11-23T23:55:01Z ERROR pool timeout after 5000ms (acquire)\n"
    "2026-11-23T23:55:02Z ERROR pool timeout after 5000ms (acquire)\n"
    "2026-11-23T23:55:04Z WARN  retrying checkout 7f3c in 250ms"
)


PARTS = ("cart", "orders-db-primary", "payments-gateway")


def realistic_rows(count: int = 30) -> list[ServiceRow]:
    states = ["down", "degraded", "up", "up", "unknown", "up", "maintenance", "up"]
    rows = []
    for number in range(count):
        state = states[number % len(states)]
        rows.append(
            ServiceRow(
                name=f"eu-west-1-checkout-{PARTS[number % 3]}-{number:02d}",
                kind="http",
                state=state,
                reason={
                    "down": "status 503, expected 2xx: upstream connect error or disconnect",
                    "degraded": "slow: 2,340 ms > 500 ms",
                    "unknown": "DNS lookup failed: no such host",
                    "maintenance": "planned maintenance until 02:00 UTC",
                }.get(state, "200 OK"),
                latency_ms=None if state == "down" else 40.0 + number,
                history_ms=(40.0, 42.0, None, 45.0),
                age_s=3 + number,
            )
        )
    return rows


def write_realistic_incident(data_dir: Path) -> str:
    store = LocalStore(data_dir)
    store.ensure_folder()
    log = IncidentLog(store.folder / f"{INCIDENT}.jsonl")

    def event(
        kind: EventKind, minutes: float, number: int, author: str = "alice", **payload: object
    ) -> Event:
        at = LATE + timedelta(minutes=minutes)
        made = new_event(INCIDENT, kind, author, payload, at=at, now=at)
        return replace(made, id=f"00000000-0000-0000-0000-{number:012d}")

    log.append_many(
        [
            event(
                EventKind.DECLARED,
                0,
                1,
                title="Checkout times out for most EU users after the cart-service deploy",
                severity="SEV-1",
                ladder="sev1-sev3",
                scenario="database-connections",
                roles={"IC": "Alice Martin"},
            ),
            event(EventKind.NOTE, 1, 2, text=LONG_NOTE, note_kind="finding"),
            event(
                EventKind.PROBE_STATE_CHANGED,
                2,
                3,
                author="warroom",
                service="eu-west-1-checkout-orders-db-primary-01",
                probe_kind="postgres",
                state="degraded",
                previous="up",
                reason="pool 100% >= 80%",
                latency_ms=12.0,
            ),
            event(
                EventKind.STEP_CHECKED, 4, 4, scenario="general", step="declare-1", text="Declare"
            ),
            event(EventKind.NOTE, 7, 5, text=LOG_EXCERPT, note_kind="note"),
            event(
                EventKind.NOTE,
                9,
                6,
                author="bob",
                text="Rolled cart-service back to v2.30.4 on all three regions; watching the pool",
                note_kind="action",
            ),
            event(
                EventKind.NOTE,
                14,
                7,
                text="Keep the rollback; no new deploys tonight",
                note_kind="decision",
            ),
            event(
                EventKind.NOTE,
                15,
                8,
                text="Alert on pgbouncer clients waiting > 50 for 2 minutes",
                note_kind="todo",
            ),
        ]
    )
    return INCIDENT


def make_realistic_app(tmp_path: Path, rows: list[ServiceRow] | None = None) -> WarroomApp:
    data_dir = tmp_path / "data"
    write_realistic_incident(data_dir)
    service = IncidentService(
        LocalStore(data_dir), "alice", PRESETS["sev1-sev3"], clock=lambda: LATE_NOW
    )
    return WarroomApp(
        service,
        Config(),
        data_dir,
        incident_id=INCIDENT,
        feed=FixedProbeFeed(realistic_rows() if rows is None else rows),
        clock=lambda: LATE_NOW,
        zone=UTC,
        zone_name="UTC",
        catalogue=load_scenarios(),
    )
