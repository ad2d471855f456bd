"""What one probe run says about a service: a state, the observed value and the details.

Every string in a result comes from `clean_remote_text` (no terminal escapes, no control characters,
no secrets, bounded length), because reasons and details quote what remote servers sent
us. Markup such as `[bold]` is kept as literal characters: whoever renders a result shows
it as plain text.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from warroom.redact import redact_text


class ProbeState(StrEnum):
    UP = "up"
    DEGRADED = "degraded"
    DOWN = "down"
    UNKNOWN = "unknown"
    MAINTENANCE = "maintenance"

    @property
    def severity(self) -> int:
        """How bad the state is, for "worst of" decisions (higher is worse)."""
        return _SEVERITY[self]


_SEVERITY = {
    ProbeState.UP: 0,
    ProbeState.MAINTENANCE: 1,
    ProbeState.UNKNOWN: 2,
    ProbeState.DEGRADED: 3,
    ProbeState.DOWN: 4,
}

# Terminal escape sequences (CSI, OSC, DCS/SOS/PM/APC strings, two-byte ESC forms).
_ESCAPES = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?"
    r"|\x1b[PX^_][^\x1b]*(?:\x1b\\)?"
    r"|\x1b[@-Z\\-_]"
    r"|\x9b[0-?]*[ -/]*[@-~]"
)
# C0/C1 controls, DEL, and the bidirectional overrides that reorder what is shown.
_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_SPACES = re.compile(r"\s+")

REASON_LIMIT = 300
DETAIL_TEXT_LIMIT = 500


def clean_remote_text(value: object, limit: int = REASON_LIMIT) -> str:
    """Text safe to show anywhere: escapes and controls removed, secrets masked, bounded."""
    text = value if isinstance(value, str) else str(value)
    text = _ESCAPES.sub("", text)
    text = _CONTROLS.sub(" ", text)
    text = _SPACES.sub(" ", text).strip()
    text = redact_text(text)
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return text


def clean_remote_detail(value: Any, limit: int = DETAIL_TEXT_LIMIT, depth: int = 0) -> Any:
    """A JSON-safe copy of a detail value with every string made inert."""
    if depth > 6:
        return clean_remote_text(repr(value), limit)
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, str):
        return clean_remote_text(value, limit)
    if isinstance(value, Mapping):
        return {
            clean_remote_text(key, 100): clean_remote_detail(item, limit, depth + 1)
            for key, item in value.items()
        }
    if isinstance(value, list | tuple):
        return [clean_remote_detail(item, limit, depth + 1) for item in value[:50]]
    return clean_remote_text(value, limit)


@dataclass(frozen=True, slots=True)
class ProbeResult:
    """One observation of one service."""

    state: ProbeState
    reason: str
    latency_ms: float | None = None
    detail: Mapping[str, Any] = field(default_factory=dict)
    observed_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    def __post_init__(self) -> None:
        object.__setattr__(self, "reason", clean_remote_text(self.reason))
        object.__setattr__(self, "detail", clean_remote_detail(dict(self.detail)))
        if self.latency_ms is not None:
            object.__setattr__(self, "latency_ms", round(float(self.latency_ms), 1))

    def stamped(self, observed_at: datetime) -> ProbeResult:
        """The same result observed at another time (its text is already inert)."""
        copy = object.__new__(ProbeResult)
        for name in ("state", "reason", "latency_ms", "detail"):
            object.__setattr__(copy, name, getattr(self, name))
        object.__setattr__(copy, "observed_at", observed_at)
        return copy

    @property
    def ok(self) -> bool:
        return self.state is ProbeState.UP

    def to_dict(self) -> dict[str, Any]:
        return {
            "state": str(self.state),
            "reason": self.reason,
            "latency_ms": self.latency_ms,
            "detail": dict(self.detail),
            "observed_at": self.observed_at.isoformat(timespec="milliseconds").replace(
                "+00:00", "Z"
            ),
        }


def worst(states: list[ProbeState]) -> ProbeState:
    return max(states, key=lambda state: state.severity)


def format_ms(latency_ms: float | None) -> str:
    if latency_ms is None:
        return "-"
    if latency_ms >= 1000:
        return f"{latency_ms / 1000:.1f} s"
    return f"{latency_ms:.0f} ms"
