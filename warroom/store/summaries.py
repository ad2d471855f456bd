"""The summary cache of the local store: one small JSON file beside each incident's JSONL.

`warroom incidents` would otherwise fold every event of every incident (1,000 incidents
of 10,000 events: minutes). `INC-....summary.json` holds the incident's summary, the
damaged lines its reading reported (the listing warns about them), and the size and
modification time (ns) of the JSONL they were made from, taken before that file was
read. A summary is used only while the JSONL still has exactly that size and time: any
append changes the size, so a stale summary is never shown; the events are folded again
and the file rewritten. A cache file that is missing, unreadable, of another format or
about another incident counts as missing. Writing is best effort (a 0600 temp file +
rename, like every file in the data folder): a read-only data folder lists as before,
only slower.
"""

from __future__ import annotations

import json
import os
from contextlib import suppress
from pathlib import Path

from warroom.model.summary import IncidentSummary
from warroom.private_files import write_private_text
from warroom.store.base import LoadProblem

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

    def get(self, incident_id: str, key: Key) -> tuple[IncidentSummary, list[LoadProblem]] | None:
        """The cached summary and damaged lines, if made from the JSONL as it is (`key`)."""
        try:
            data = json.loads(self.path(incident_id).read_bytes())
            if [data["size"], data["mtime_ns"]] != list(key):
                return None
            summary = IncidentSummary.from_dict(data["summary"])
            problems = [_problem(item) for item in data["problems"]]
        except (OSError, ValueError, KeyError, TypeError):
            return None
        return (summary, problems) if summary.id == incident_id else None

    def put(
        self, incident_id: str, key: Key, summary: IncidentSummary, problems: list[LoadProblem]
    ) -> None:
        data = {
            "size": key[0],
            "mtime_ns": key[1],
            "summary": summary.to_dict(),
            "problems": [[p.source, p.line, p.message] for p in problems],
        }
        target = self.path(incident_id)
        temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        with suppress(OSError):
            write_private_text(temporary, json.dumps(data, ensure_ascii=False))  # 0600
            os.replace(temporary, target)
        with suppress(OSError):
            temporary.unlink(missing_ok=True)


def _problem(item: object) -> LoadProblem:
    if not isinstance(item, list) or len(item) != 3:
        raise ValueError("a damaged line is [source, line, message]")
    source, line, message = item
    if not isinstance(source, str) or not isinstance(message, str) or type(line) is not int:
        raise ValueError("a damaged line of the wrong types")
    return LoadProblem(source, line, message)
