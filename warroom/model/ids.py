"""Incident ids: short and typable, `INC-20261123-1`, numbered per UTC day."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, datetime

ID_PATTERN = re.compile(r"^INC-(\d{8})-(\d+)$")


def next_incident_id(existing: Iterable[str], now: datetime) -> str:
    day = now.astimezone(UTC).strftime("%Y%m%d")
    highest = 0
    for incident_id in existing:
        match = ID_PATTERN.match(incident_id)
        if match and match[1] == day:
            highest = max(highest, int(match[2]))
    return f"INC-{day}-{highest + 1}"


def is_incident_id(text: str) -> bool:
    return bool(ID_PATTERN.match(text))


def normalise_incident_id(text: str) -> str:
    return text.strip().upper()
