"""The drill's journal: what the drill itself did and when, kept beside the incident.

The incident's timeline holds what the IC and the probes saw; the ground truth of the
drill (which fault was applied when, which tick set off which recovery) must not appear
there, or it would give the game away. It goes to `journal/<incident>.jsonl` in the
drill folder instead, one JSON object a line, appended as it happens, so a report can
be written (again) from it after the drill, even after a crash.
"""

from __future__ import annotations

import json
import os
import threading
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from warroom.model.events import format_utc, parse_utc, utc_now
from warroom.private_files import FILE_MODE, private_folder

START = "start"
BASELINE = "baseline"
FAULT = "fault"
RECOVERY = "recovery"
CANCELLED = "cancelled"
SKIPPED = "skipped"
STOP = "stop"


@dataclass(frozen=True)
class JournalEntry:
    kind: str
    at: datetime
    service: str = ""
    what: str = ""
    detail: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "at": format_utc(self.at),
            "service": self.service,
            "what": self.what,
            "detail": self.detail,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> JournalEntry:
        return cls(
            kind=str(data["kind"]),
            at=parse_utc(str(data["at"])),
            service=str(data.get("service", "")),
            what=str(data.get("what", "")),
            detail=dict(data.get("detail") or {}),
        )


class Journal:
    """Entries in memory and, when given a path, on disk (one line per entry)."""

    def __init__(self, path: Path | None = None, entries: list[JournalEntry] | None = None):
        self.path = path
        self.entries: list[JournalEntry] = list(entries or [])
        self._lock = threading.Lock()

    def add(
        self,
        kind: str,
        service: str = "",
        what: str = "",
        at: datetime | None = None,
        **detail: Any,
    ) -> JournalEntry:
        entry = JournalEntry(kind, at or utc_now(), service, what, detail)
        with self._lock:
            self.entries.append(entry)
            if self.path is not None:
                private_folder(self.path.parent)
                fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, FILE_MODE)
                with os.fdopen(fd, "a", encoding="utf-8") as handle:
                    handle.write(json.dumps(entry.to_dict(), ensure_ascii=False) + "\n")
        return entry

    def of_kind(self, *kinds: str) -> list[JournalEntry]:
        with self._lock:
            return [entry for entry in self.entries if entry.kind in kinds]

    def last(self) -> JournalEntry | None:
        with self._lock:
            return self.entries[-1] if self.entries else None

    def first(self, kind: str) -> JournalEntry | None:
        found = self.of_kind(kind)
        return found[0] if found else None

    @classmethod
    def read(cls, path: Path) -> Journal:
        """A journal from its file; unreadable lines (a torn last line) are skipped."""
        entries = []
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                entries.append(JournalEntry.from_dict(json.loads(line)))
            except (ValueError, KeyError, TypeError):
                continue
        return cls(path, entries)
