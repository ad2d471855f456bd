"""A debounced change of one service's state: what the probe engine reports.

Apart from the engine (`warroom.probes.scheduler`, which re-exports it) so that a reader
of changes (the console, reading them from the probe worker) imports neither httpx nor
asyncpg.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from warroom.probes.result import ProbeState


@dataclass(frozen=True)
class StateChange:
    """A debounced change of one service's state, as it goes into the timeline."""

    service: str
    probe_kind: str
    state: ProbeState
    previous: ProbeState | None
    reason: str
    latency_ms: float | None
    observed_at: datetime
    flapping: bool = False

    def payload(self) -> dict[str, Any]:
        """The payload of a `probe_state_changed` event."""
        return {
            "service": self.service,
            "probe_kind": self.probe_kind,
            "state": str(self.state),
            "previous": str(self.previous) if self.previous else None,
            "reason": self.reason,
            "latency_ms": self.latency_ms,
        }

    def describe(self) -> str:
        return f"{self.service} {self.previous or '?'} -> {self.state} ({self.reason})"


def drain(queue: asyncio.Queue[StateChange]) -> list[StateChange]:
    """The changes queued and not yet read, in order (and drop them): what arrived with the
    one just read makes one burst (`pending_changes` of both engines)."""
    found = []
    while not queue.empty():
        found.append(queue.get_nowait())
    return found
