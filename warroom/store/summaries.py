"""The summary cache of the local store: one small JSON file beside each incident's JSONL.

`warroom incidents` would otherwise fold every event of every incident (1,000 incidents
of 10,000 events: minutes). `INC-....summary.json` holds the incident's summary and the
size and modification time (ns) of the JSONL it was made from, taken before that file was
read. A summary is used only while the JSONL still has exactly that size and time: any
append changes the size, so a stale summary is never shown; the events are folded again
and the file rewritten. A cache file that is missing, unreadable, of another format or
about another incident counts as missing. Writing is best effort (temp file + rename):
a read-only data folder lists as before, only slower.
"""

from __future__ import annotations

import json
import os
from contextlib import suppress
from pathlib import Path

from warroom.model.summary import IncidentSummary

SUMMARY_SUFFIX = ".summary.json"

Key = tuple[int, int]  # size and mtime_ns of the JSONL


class SummaryCache:
    def __init__(self, folder: Path, suffix: str) -> None:
        self.folder = folder
        self.suffix = suffix

    def path(self, incident_id: str) -> Path:
        return self.folder / f"{incident_id}{SUMMARY_SUFFIX}"

    def key(self, incident_id: str) -> Key | None:
        """The JSONL's size and time now (None when it does not exist)."""
        try:
            info = os.stat(self.folder / f"{incident_id}{self.suffix}")
        except OSError:
            return None
        return info.st_size, info.st_mtime_ns

    def get(self, incident_id: str, key: Key) -> IncidentSummary | None:
        """The cached summary, if it was made from the JSONL as it is (`key`)."""
        try:
            data = json.loads(self.path(incident_id).read_bytes())
            if [data["size"], data["mtime_ns"]] != list(key):
                return None
            summary = IncidentSummary.from_dict(data["summary"])
        except (OSError, ValueError, KeyError, TypeError):
            return None
        return summary if summary.id == incident_id else None

    def put(self, incident_id: str, key: Key, summary: IncidentSummary) -> None:
        data = {"size": key[0], "mtime_ns": key[1], "summary": summary.to_dict()}
        target = self.path(incident_id)
        temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        with suppress(OSError):
            temporary.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
            os.replace(temporary, target)
        with suppress(OSError):
            temporary.unlink(missing_ok=True)
