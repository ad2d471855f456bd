"""What a screen shows of one service, as plain data that crosses a process boundary.

`ServiceSnapshot` is one service's row as the console shows it (state word, reason,
latency and its history, the last ten results as text, detail, flapping, stale), with
the time of its last result instead of an age (the reader's clock makes the age).
`SnapshotTracker` hands out only the snapshots that changed since its last call: it
asks the engine which services ran or went stale (`ProbeEngine.versions()`, cheap) and
builds those alone. With 2,000 services most calls build a few dozen.

`to_wire`/`from_wire` turn snapshots and `StateChange`s into JSON-able lists and back:
the probe worker (`warroom.probes.worker`) sends them to the console over a pipe. Every
string in them was cleaned and masked when its `ProbeResult` was made, in the process
that ran the probe.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from warroom.probes.change import StateChange
from warroom.probes.result import ProbeState

if TYPE_CHECKING:  # the engine brings httpx and asyncpg: the console reads snapshots only
    from warroom.probes.scheduler import ProbeEngine, ServiceStatus

CONFIG_ERROR = 3  # the worker's exit status for a config it cannot use
LINE_LIMIT = 1 << 24  # a protocol line longer than 16 MiB is not ours
RECENT = 10
SPARK = 8  # latencies a snapshot carries: what a sparkline shows


@dataclass(frozen=True, slots=True)
class ServiceSnapshot:
    """One service, ready to show (see the module docstring)."""

    name: str
    kind: str
    state: str  # up, degraded, down, unknown, maintenance or pending
    reason: str
    latency_ms: float | None = None
    history_ms: tuple[float | None, ...] = ()
    observed_at: float | None = None  # POSIX seconds of the last result
    stale: bool = False
    flapping: bool = False
    detail: dict[str, Any] = field(default_factory=dict)
    recent: tuple[str, ...] = ()

    def age_s(self, now: float) -> float | None:
        """Seconds since the last result at POSIX time `now` (None before any)."""
        return None if self.observed_at is None else now - self.observed_at


def pending(name: str, kind: str, reason: str = "starting") -> ServiceSnapshot:
    """A service with no result yet."""
    return ServiceSnapshot(name=name, kind=kind, state="pending", reason=reason)


def snapshot_of(status: ServiceStatus) -> ServiceSnapshot:
    """One service's engine status as a snapshot."""
    last = status.last
    state = str(status.state) if status.state else ("pending" if last is None else str(last.state))
    reason = last.reason if last else "waiting for the first result"
    if last is not None and status.state is not None and last.state != status.state:
        reason = f"{reason} (confirming {last.state})"
    recent = tuple(
        f"{r.observed_at.astimezone(UTC):%H:%M:%S}  {r.state!s:<11} "
        f"{'-' if r.latency_ms is None else f'{r.latency_ms:.0f}ms':>8}  {r.reason}"
        for r in reversed(status.history[-RECENT:])
    )
    return ServiceSnapshot(
        name=status.name,
        kind=status.kind,
        state=state,
        reason=reason,
        latency_ms=last.latency_ms if last else None,
        history_ms=tuple(status.latencies[-SPARK:]),
        observed_at=last.observed_at.timestamp() if last else None,
        stale=status.stale,
        flapping=status.flapping,
        detail=dict(last.detail) if last else {},
        recent=recent,
    )


class SnapshotTracker:
    """The snapshots of an engine's services that changed since the last `changed()`."""

    def __init__(self, engine: ProbeEngine) -> None:
        """Services that have not run yet are left out until they run (or go stale):
        every reader starts from `pending` already."""
        self.engine = engine
        self._versions: dict[str, tuple[int, bool]] = dict(engine.versions())

    def changed(self) -> list[ServiceSnapshot]:
        found = []
        for name, version in self.engine.versions().items():
            if self._versions.get(name) != version:
                self._versions[name] = version
                found.append(snapshot_of(self.engine.status(name)))
        return found


# The wire: lists in a fixed field order (JSON arrays, a third of the size of objects) --


def encode(message: dict[str, Any]) -> bytes:
    """One protocol line."""
    return json.dumps(message, separators=(",", ":"), ensure_ascii=False).encode() + b"\n"


def snapshot_to_wire(snapshot: ServiceSnapshot) -> list[Any]:
    return [
        snapshot.name,
        snapshot.kind,
        snapshot.state,
        snapshot.reason,
        snapshot.latency_ms,
        list(snapshot.history_ms),
        snapshot.observed_at,
        snapshot.stale,
        snapshot.flapping,
        snapshot.detail,
        list(snapshot.recent),
    ]


def snapshot_from_wire(fields: list[Any]) -> ServiceSnapshot:
    """A snapshot from its wire form; ValueError when it is not one."""
    if not isinstance(fields, list) or len(fields) != 11:
        raise ValueError("a service snapshot is a list of 11 fields")
    name, kind, state, reason, latency, history, observed, stale, flapping, detail, recent = fields
    if not all(isinstance(text, str) for text in (name, kind, state, reason)):
        raise ValueError("a service snapshot's name, kind, state and reason are text")
    if not isinstance(history, list) or not isinstance(recent, list):
        raise ValueError("a service snapshot's history and recent results are lists")
    if not isinstance(detail, dict):
        raise ValueError("a service snapshot's detail is an object")
    return ServiceSnapshot(
        name=name,
        kind=kind,
        state=state,
        reason=reason,
        latency_ms=None if latency is None else float(latency),
        history_ms=tuple(None if value is None else float(value) for value in history),
        observed_at=None if observed is None else float(observed),
        stale=bool(stale),
        flapping=bool(flapping),
        detail=detail,
        recent=tuple(str(line) for line in recent),
    )


def change_to_wire(change: StateChange) -> list[Any]:
    return [
        change.service,
        change.probe_kind,
        str(change.state),
        None if change.previous is None else str(change.previous),
        change.reason,
        change.latency_ms,
        change.observed_at.timestamp(),
        change.flapping,
    ]


def change_from_wire(fields: list[Any]) -> StateChange:
    """A change from its wire form; ValueError when it is not one."""
    if not isinstance(fields, list) or len(fields) != 8:
        raise ValueError("a state change is a list of 8 fields")
    service, kind, state, previous, reason, latency, observed, flapping = fields
    if not all(isinstance(text, str) for text in (service, kind, reason)):
        raise ValueError("a state change's service, kind and reason are text")
    return StateChange(
        service=service,
        probe_kind=kind,
        state=ProbeState(state),
        previous=None if previous is None else ProbeState(previous),
        reason=reason,
        latency_ms=None if latency is None else float(latency),
        observed_at=datetime.fromtimestamp(float(observed), UTC),
        flapping=bool(flapping),
    )
