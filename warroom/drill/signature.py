"""What the probes should show after each drill action: the fault's own signature.

`FleetModel` replays the actions of a drill (their `changes`, as the journal keeps them)
on a model of each service, and `view(service)` says what the real probe would report
for that service now: its state and a token its reason must contain (`status 503`, the
vendor component's name, `too many clients`). The report matches each fault and recovery
to the probe change that shows *its* signature, so a change caused by an earlier fault
(a `degraded` from a slow API) is never credited to a later one (the API's 503). Pure.

The views follow the fleet's probe settings (`fleet.PROBE_DEFAULTS`, `DEGRADED_MS`, the
PostgreSQL probe's `pool_degraded_at` of 0.8) and the probes' reasons (`status 503,
expected 2xx`, `latency 750 ms >= 600 ms`, `Payments API: major outage`, `too many
clients: ...`, `pool 88% >= 80%`, `2 sessions blocked by others`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from warroom.drill.script import DATABASE, HTTP_SERVICES, VENDOR

DEGRADED_MS = 600
POOL_DEGRADED_AT = 0.8
VENDOR_WORDS = {
    "degraded_performance": ("degraded", "degraded performance"),
    "partial_outage": ("down", "partial outage"),
    "major_outage": ("down", "major outage"),
    "under_maintenance": ("maintenance", "under maintenance"),
}
VENDOR_ORDER = (
    "operational",
    "under_maintenance",
    "degraded_performance",
    "partial_outage",
    "major_outage",
)


@dataclass(frozen=True)
class View:
    """What the probe of one service should report: a state and a token of its reason."""

    state: str
    token: str = ""

    def shown_by(self, state: str, reason: str) -> bool:
        return state == self.state and self.token.casefold() in reason.casefold()

    def describe(self) -> str:
        return f"{self.state} ({self.token})" if self.token else self.state


@dataclass
class FleetModel:
    """The fleet's state as the drill's actions leave it (every service starts healthy)."""

    http: dict[str, dict[str, Any]] = field(
        default_factory=lambda: {
            name: {"status": 200, "latency_ms": 15.0} for name in HTTP_SERVICES
        }
    )
    components: dict[str, str] = field(default_factory=dict)
    pool: float = 0.0
    lock: bool = False

    def apply(self, service: str, changes: Mapping[str, Any]) -> None:
        if service in self.http:
            for key in ("status", "latency_ms"):
                if key in changes:
                    self.http[service][key] = changes[key]
        elif service == VENDOR and changes.get("component_status") is not None:
            name = str(changes.get("component") or "Payments API")
            self.components[name] = str(changes["component_status"])
        elif service == DATABASE:
            self.pool = float(changes.get("pool", self.pool))
            self.lock = bool(changes.get("lock", self.lock))

    def view(self, service: str) -> View:
        if service in self.http:
            state = self.http[service]
            status = int(state["status"])
            if not 200 <= status < 300:
                return View("down", f"status {status}")
            if float(state["latency_ms"]) >= DEGRADED_MS:
                return View("degraded", "latency")
            return View("up")
        if service == VENDOR:
            broken = {
                name: status for name, status in self.components.items() if status != "operational"
            }
            if not broken:
                return View("up")
            name, worst = max(
                broken.items(),
                key=lambda item: VENDOR_ORDER.index(item[1]) if item[1] in VENDOR_ORDER else 0,
            )
            shown, words = VENDOR_WORDS.get(worst, ("down", worst))
            return View(shown, f"{name}: {words}")
        if service == DATABASE:
            if self.pool >= 1.0:
                return View("down", "too many clients")
            if self.pool >= POOL_DEGRADED_AT:
                return View("degraded", "pool")
            if self.lock:
                return View("degraded", "blocked by others")
            return View("up")
        return View("up")
