"""Post-mortem exports: one renderer and one file name for `warroom export` and the
console's `e` key (`<incident>-<UTC time>.md`, owner-only, in the given folder)."""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from pathlib import Path

from warroom.model.incident import IncidentState
from warroom.model.postmortem import to_json, to_markdown
from warroom.model.severity import SeverityLadder
from warroom.private_files import private_folder, write_private_text

FORMATS = ("md", "json")


def export_text(
    state: IncidentState,
    ladder: SeverityLadder,
    now: datetime,
    zone: tzinfo | None,
    zone_name: str | None,
    fmt: str = "md",
) -> str:
    """The post-mortem as Markdown (times also in `zone`) or as JSON."""
    if fmt == "json":
        return to_json(state, ladder, now)
    return to_markdown(state, ladder, now, zone, zone_name)


def export_filename(incident_id: str, now: datetime, fmt: str = "md") -> str:
    """`INC-20261130-1-20261130T081500Z.md`: the incident and the UTC time of the export."""
    return f"{incident_id}-{now.astimezone(UTC):%Y%m%dT%H%M%SZ}.{fmt}"


def write_export(
    folder: Path,
    state: IncidentState,
    ladder: SeverityLadder,
    now: datetime,
    zone: tzinfo | None,
    zone_name: str | None,
    fmt: str = "md",
) -> Path:
    """Write the export into `folder` (made owner-only); its path. OSError when it cannot."""
    text = export_text(state, ladder, now, zone, zone_name, fmt)
    private_folder(folder)
    path = folder / export_filename(state.id, now, fmt)
    write_private_text(path, text)
    return path
