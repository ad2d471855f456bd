"""The drill's vendor: a payments provider's Statuspage, as `/api/v2/summary.json`.

The document has the shape of an Atlassian Statuspage summary (page, components,
incidents, scheduled maintenances, overall status), so the real `statuspage` probe reads
it as it would read a vendor's page. The overall indicator follows the worst component:
degraded performance is `minor`, a partial outage `major`, a major outage `critical`.
"""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, datetime
from typing import Any

PAGE_NAME = "Payrail (drill vendor)"
COMPONENTS = ("Payments API", "Checkout", "Webhook delivery", "Dashboard")
INDICATORS = {
    "operational": ("none", 0),
    "under_maintenance": ("maintenance", 1),
    "degraded_performance": ("minor", 2),
    "partial_outage": ("major", 3),
    "major_outage": ("critical", 4),
}
DESCRIPTIONS = {
    "none": "All Systems Operational",
    "maintenance": "Service Under Maintenance",
    "minor": "Partially Degraded Service",
    "major": "Partial System Outage",
    "critical": "Major System Outage",
}


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _id() -> str:
    return uuid.uuid4().hex[:12]


class VendorPage:
    """The page's mutable state; `summary()` renders it (thread-safe)."""

    def __init__(self, url: str = "") -> None:
        self.url = url
        self.page_id = _id()
        self._lock = threading.Lock()
        now = datetime.now(UTC)
        self._components: dict[str, dict[str, Any]] = {
            name: {"id": _id(), "status": "operational", "updated_at": now} for name in COMPONENTS
        }
        self._incident: dict[str, Any] | None = None
        self._updated_at = now

    def apply(self, changes: dict[str, Any]) -> None:
        """`component` + `component_status`, and/or `incident` (a name; "" resolves it)."""
        now = datetime.now(UTC)
        with self._lock:
            name = str(changes.get("component") or COMPONENTS[0])
            status = changes.get("component_status")
            if status is not None:
                component = self._components.setdefault(
                    name, {"id": _id(), "status": "operational", "updated_at": now}
                )
                component["status"] = str(status)
                component["updated_at"] = now
            if "incident" in changes:
                self._set_incident(str(changes["incident"]), now)
            self._updated_at = now

    def _set_incident(self, name: str, now: datetime) -> None:
        if not name:
            if self._incident is not None:
                self._incident.update(status="resolved", resolved_at=now, updated_at=now)
                self._incident["updates"].append(
                    ("resolved", "This incident has been resolved.", now)
                )
            return
        if self._incident is None or self._incident["status"] == "resolved":
            self._incident = {"id": _id(), "created_at": now, "resolved_at": None, "updates": []}
        self._incident.update(name=name, status="investigating", updated_at=now)
        self._incident["updates"].append(
            ("investigating", f"We are investigating reports of: {name}.", now)
        )

    @property
    def indicator(self) -> str:
        with self._lock:
            return self._indicator()

    def _indicator(self) -> str:
        worst = max(
            (INDICATORS.get(c["status"], ("none", 0)) for c in self._components.values()),
            key=lambda item: item[1],
        )
        return worst[0]

    def summary(self) -> dict[str, Any]:
        with self._lock:
            indicator = self._indicator()
            components = [
                {
                    "id": c["id"],
                    "name": name,
                    "status": c["status"],
                    "created_at": _iso(c["updated_at"]),
                    "updated_at": _iso(c["updated_at"]),
                    "position": position,
                    "description": None,
                    "showcase": True,
                    "start_date": None,
                    "group_id": None,
                    "page_id": self.page_id,
                    "group": False,
                    "only_show_if_degraded": False,
                }
                for position, (name, c) in enumerate(self._components.items(), start=1)
            ]
            incidents = [self._incident_document()] if self._incident else []
            return {
                "page": {
                    "id": self.page_id,
                    "name": PAGE_NAME,
                    "url": self.url,
                    "time_zone": "Etc/UTC",
                    "updated_at": _iso(self._updated_at),
                },
                "components": components,
                "incidents": incidents,
                "scheduled_maintenances": [],
                "status": {"indicator": indicator, "description": DESCRIPTIONS[indicator]},
            }

    def _incident_document(self) -> dict[str, Any]:
        incident = self._incident
        assert incident is not None
        impact = {"none": "none", "maintenance": "maintenance"}.get(self._indicator(), "major")
        updates = [
            {
                "id": f"{incident['id']}-{number}",
                "status": status,
                "body": body,
                "incident_id": incident["id"],
                "created_at": _iso(moment),
                "updated_at": _iso(moment),
                "display_at": _iso(moment),
                "affected_components": [],
                "deliver_notifications": True,
            }
            for number, (status, body, moment) in enumerate(reversed(incident["updates"]))
        ]
        resolved = incident["resolved_at"]
        return {
            "id": incident["id"],
            "name": incident["name"],
            "status": incident["status"],
            "created_at": _iso(incident["created_at"]),
            "updated_at": _iso(incident["updated_at"]),
            "monitoring_at": None,
            "resolved_at": _iso(resolved) if resolved else None,
            "impact": impact,
            "shortlink": f"{self.url}/incidents/{incident['id']}",
            "started_at": _iso(incident["created_at"]),
            "page_id": self.page_id,
            "incident_updates": updates,
        }
