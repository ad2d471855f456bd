"""Incident ids: short and typable, numbered per UTC day.

Real incidents are `INC-20261123-1`; drill incidents have their own id space,
`DRILL-20261123-1`, so a drill can never take (or be mistaken for) a real incident's id.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, datetime

INCIDENT_PREFIX = "INC"
DRILL_PREFIX = "DRILL"
ID_PATTERN = re.compile(r"^INC-(\d{8})-(\d+)$")
DRILL_ID_PATTERN = re.compile(r"^DRILL-(\d{8})-(\d+)$")
ANY_ID_PATTERN = re.compile(r"^(?:INC|DRILL)-(\d{8})-(\d+)$")


def next_incident_id(existing: Iterable[str], now: datetime, prefix: str = INCIDENT_PREFIX) -> str:
    """The next free id of the day in the `prefix` id space (`INC` or `DRILL`)."""
    day = now.astimezone(UTC).strftime("%Y%m%d")
    highest = 0
    for incident_id in existing:
        match = ANY_ID_PATTERN.match(incident_id)
        if match and incident_id.startswith(f"{prefix}-") and match[1] == day:
            highest = max(highest, int(match[2]))
    return f"{prefix}-{day}-{highest + 1}"


def is_drill_id(text: str) -> bool:
    return bool(DRILL_ID_PATTERN.match(text.strip().upper()))


def normalise_incident_id(text: str) -> str:
    return text.strip().upper()


def id_order(incident_id: str) -> tuple[str, int, str]:
    """Sort key for `INC-YYYYMMDD-N` (and `DRILL-...`) ids: by day, then number (10 after 9)."""
    match = ANY_ID_PATTERN.match(incident_id)
    if match is None:
        return ("", 0, incident_id)
    return (match[1], int(match[2]), incident_id)
