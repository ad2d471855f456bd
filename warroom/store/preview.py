"""A first look at a local incident before it is read whole: its title and the end of its
timeline, read from the two ends of its file.

Reading and folding a long incident takes the better part of a second (10,000 events);
the console's loading frame shows this meanwhile, so the IC sees the latest entries at
once. Nothing here is the incident's state: the last entries as written (edits and
strikes within them applied; an edit of an older entry is left out) and which incident
the console is about to open, as far as its file says (the newest, unless it is a
drill or its last status change resolved it). The main screen replaces it when the
incident is read.
"""

from __future__ import annotations

import json
import mmap
import os
from dataclasses import dataclass
from pathlib import Path

from warroom.model.events import EventKind
from warroom.model.ids import id_order, is_drill_id
from warroom.model.incident import ENTRY_CHANGE_KINDS, Status, TimelineEntry, fold
from warroom.store.local import SUFFIX, decode_lines

TAIL_BYTES = 64 * 1024
"""How much of the file's end is read (a few hundred events: more than a screen)."""


@dataclass(frozen=True)
class Preview:
    incident_id: str
    title: str
    entries: list[TimelineEntry]


def preview(folder: Path, incident_id: str | None) -> Preview | None:
    """The title and last entries of `incident_id` in the incidents `folder` (None: the
    newest incident, when its file says it is open and not a drill); None when there is
    nothing to show or the file cannot be read (the real read reports why)."""
    try:
        chosen = incident_id or _newest(folder)
        if chosen is None:
            return None
        with open(folder / f"{chosen}{SUFFIX}", "rb") as handle:
            size = os.fstat(handle.fileno()).st_size
            if size == 0:
                return None
            with mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data:
                return _read(chosen, data, size, newest=incident_id is None)
    except (OSError, ValueError):
        return None


def _newest(folder: Path) -> str | None:
    names = [name[: -len(SUFFIX)] for name in os.listdir(folder) if name.endswith(SUFFIX)]
    names = [name for name in names if not is_drill_id(name)]
    return max(names, key=id_order, default=None)


def _read(incident_id: str, data: mmap.mmap, size: int, newest: bool) -> Preview | None:
    first_end = data.find(b"\n")
    first = decode_lines(data[: first_end + 1 if first_end >= 0 else size], "")
    declared = next((e for e in first.events if e.kind is EventKind.DECLARED), None)
    if declared is None:
        return None
    if newest and (declared.payload.get("drill") or _resolved(data)):
        return None  # not the incident the console will open
    start = max(size - TAIL_BYTES, 0)
    if start:
        start = data.find(b"\n", start) + 1 or size  # from the first whole line
    tail = decode_lines(data[start:size], "").events
    if not tail:
        return None
    entries = [e for e in fold(tail).entries if e.kind not in ENTRY_CHANGE_KINDS]
    return Preview(incident_id, str(declared.payload.get("title", "")), entries)


def _resolved(data: mmap.mmap) -> bool:
    """Whether the last status change written says resolved (a byte search from the end)."""
    found = data.rfind(b'"kind":"status_changed"')
    if found < 0:
        return False
    start = data.rfind(b"\n", 0, found) + 1
    end = data.find(b"\n", found)
    line = data[start : end if end >= 0 else len(data)]
    try:
        status = json.loads(line).get("payload", {}).get("status", "")
    except (ValueError, AttributeError):
        return False
    return str(status) == Status.RESOLVED.value
