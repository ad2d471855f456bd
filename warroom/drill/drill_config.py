"""The drill's temporary config file: the fleet as `[[service]]`s and a drill-time ladder.

The ladder is the default SEV-1..SEV-3 ladder with its clocks scaled to drill time, and
one update cadence at every level: the script's (divided by the speed, `drill_cadence`).
The console's countdown, the updates' "next update by" and the report's cadence check all
read that one value, whatever severity the IC sets during the drill. The user's own author,
time zone, theme and key bindings are kept. The file is real TOML that `warroom check
--config FILE` reads too.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import tomli_w

from warroom.config import Config
from warroom.model.severity import DEFAULT_LADDER, PRESETS, SeverityError

HEADER = (
    "# Written by `warroom drill`: the drill's fleet on 127.0.0.1.\n"
    "# Removed when the drill ends.\n\n"
)


def cadence_factor(severity: str, wanted: timedelta) -> float:
    """How much to scale the default ladder so `severity` updates every `wanted`."""
    ladder = PRESETS[DEFAULT_LADDER]
    try:
        level = ladder.get(severity)
    except SeverityError:
        level = ladder.levels[1]
    base = level.update_cadence or ladder.levels[0].update_cadence or timedelta(hours=1)
    return wanted / base


def drill_cadence(cadence_seconds: float, speed: float) -> timedelta:
    """The drill's update cadence in wall time: the script's, divided by the speed."""
    return timedelta(seconds=cadence_seconds / speed)


def _scaled(span: timedelta | None, factor: float) -> str | None:
    if span is None:
        return None
    return f"{max(span.total_seconds() * factor, 1.0):.3f}s"


def severity_tables(severity: str, cadence_seconds: float) -> list[dict[str, Any]]:
    factor = cadence_factor(severity, timedelta(seconds=cadence_seconds))
    tables = []
    for level in PRESETS[DEFAULT_LADDER].levels:
        table: dict[str, Any] = {"key": level.key, "name": level.name}
        if level.definition:
            table["definition"] = level.definition
        for name in ("response_time", "resolve_target"):
            value = _scaled(getattr(level, name), factor)
            if value is not None:
                table[name] = value
        table["update_cadence"] = f"{max(cadence_seconds, 1.0):.3f}s"  # the same at every level
        tables.append(table)
    return tables


def config_document(
    user: Config,
    author: str,
    services: list[dict[str, Any]],
    severity: str,
    cadence_seconds: float,
) -> dict[str, Any]:
    incident: dict[str, Any] = {"ladder": "custom", "author": author}
    if user.timezone:
        incident["timezone"] = user.timezone
    document: dict[str, Any] = {
        "incident": incident,
        "severity": severity_tables(severity, cadence_seconds),
        "service": services,
        # The runbook's other clocks (escalations after N minutes) run at the ladder's pace.
        "drill": {"time_scale": cadence_factor(severity, timedelta(seconds=cadence_seconds))},
    }
    if user.theme:
        document["ui"] = {"theme": user.theme}
    if user.keys:
        document["keys"] = dict(user.keys)
    return document


def write_config(path: Path, document: dict[str, Any]) -> Path:
    path.write_text(HEADER + tomli_w.dumps(document), encoding="utf-8")
    return path
