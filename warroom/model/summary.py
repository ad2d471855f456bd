"""What `warroom incidents` shows of an incident, and its JSON form for the summary cache.

An `IncidentSummary` is derived from a folded `IncidentState` (`summarize`) and holds only
what a listing needs: id, title, severity, status, drill, when it was declared and
resolved. `from_dict` refuses anything that is not exactly what `to_dict` writes (a cache
file is a convenience, never trusted over the events: the caller refolds instead).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from warroom.model.incident import IncidentState, Status

FORMAT = 1


@dataclass(frozen=True)
class IncidentSummary:
    id: str
    title: str
    ladder: str
    severity: str
    status: Status
    drill: bool
    declared_at: datetime
    resolved_at: datetime | None = None

    @property
    def is_open(self) -> bool:
        return self.status is not Status.RESOLVED

    def elapsed(self, now: datetime) -> timedelta:
        """Declared to resolved (or to `now` while open), as `figures.elapsed` counts it."""
        return max((self.resolved_at or now) - self.declared_at, timedelta(0))

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "id": self.id,
            "title": self.title,
            "ladder": self.ladder,
            "severity": self.severity,
            "status": str(self.status),
            "drill": self.drill,
            "declared_at": self.declared_at.isoformat(),
            "resolved_at": self.resolved_at.isoformat() if self.resolved_at else None,
        }

    @classmethod
    def from_dict(cls, data: Any) -> IncidentSummary:
        """The summary `to_dict` wrote; ValueError for anything else."""
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise ValueError("not a summary of this format")
        texts = [data.get(name) for name in ("id", "title", "ladder", "severity")]
        if not all(isinstance(text, str) for text in texts) or not isinstance(
            data.get("drill"), bool
        ):
            raise ValueError("summary fields of the wrong type")
        declared_at = _moment(data.get("declared_at"))
        resolved = data.get("resolved_at")
        return cls(
            id=data["id"],
            title=data["title"],
            ladder=data["ladder"],
            severity=data["severity"],
            status=Status.parse(str(data.get("status"))),
            drill=data["drill"],
            declared_at=declared_at,
            resolved_at=None if resolved is None else _moment(resolved),
        )


def _moment(value: Any) -> datetime:
    if not isinstance(value, str):
        raise ValueError("a summary time that is not a text")
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        raise ValueError("a summary time without its time zone")
    return moment


def summarize(state: IncidentState) -> IncidentSummary:
    """The summary of a declared incident (ValueError for one never declared)."""
    if state.declared_at is None:
        raise ValueError(f"{state.id} was never declared")
    return IncidentSummary(
        id=state.id,
        title=state.title,
        ladder=state.ladder,
        severity=state.severity,
        status=state.status,
        drill=state.drill,
        declared_at=state.declared_at,
        resolved_at=state.resolved_at,
    )
