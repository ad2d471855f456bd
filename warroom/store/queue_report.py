"""What the offline queues of a data folder hold, for people: `warroom db queue` and notices.

Every server a machine ever queued for has its files in `<data dir>/queue/` (see `queue`).
`queue_reports` reads them all without a database: events waiting to be sent, events the
database set aside (with the reason), and whether the server refuses this machine.
`attention_line` is the one line every CLI command prints on stderr while something
cannot be sent; `to_markdown` is `warroom db queue export` (and the copy `discard` keeps).
Everything shown goes through `inert` (no terminal escapes) and `redact_text`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from warroom.model.events import Event, EventKind, format_utc
from warroom.model.incident import describe
from warroom.model.text import inert
from warroom.redact import redact_text
from warroom.store.queue import OfflineQueue, RejectedEvent

_SUFFIXES = (".rejected.jsonl", ".jsonl", ".server", ".refused", ".sent")


@dataclass
class QueueReport:
    """One server's queue on this machine."""

    queue: OfflineQueue
    server: str
    waiting: list[Event] = field(default_factory=list)
    rejected: list[RejectedEvent] = field(default_factory=list)
    refused: str = ""

    @property
    def unsent(self) -> int:
        """Events that will not go without a person: set aside, or waiting on a refusal."""
        return len(self.rejected) + (len(self.waiting) if self.refused else 0)

    def unsent_events(self) -> list[Event]:
        waiting = self.waiting if self.refused else []
        return [r.event for r in self.rejected] + waiting


def queue_keys(folder: Path) -> list[str]:
    """The keys of every queue in the folder (any of its files present)."""
    keys: set[str] = set()
    try:
        names = [path.name for path in Path(folder).iterdir() if path.is_file()]
    except OSError:
        return []
    for name in names:
        for suffix in _SUFFIXES:
            if name.startswith("pg-") and name.endswith(suffix):
                keys.add(name[: -len(suffix)])
                break
    return sorted(keys)


def queue_reports(folder: Path) -> list[QueueReport]:
    """Every queue with something in it (waiting, set aside, or refused)."""
    reports = []
    for key in queue_keys(folder):
        queue = OfflineQueue(Path(folder), key)
        report = QueueReport(
            queue, queue.server_label(), queue.events(), queue.rejected(), queue.refused_reason()
        )
        if report.waiting or report.rejected:
            reports.append(report)
    return reports


def folder_signature(folder: Path) -> tuple[tuple[str, int, int], ...]:
    """Changes whenever a queue file in the folder does (cheap: one listing, no reading)."""
    found = []
    try:
        for entry in os.scandir(folder):
            if entry.name.startswith("pg-") and entry.name.endswith((".jsonl", ".refused")):
                stat = entry.stat()
                found.append((entry.name, stat.st_size, stat.st_mtime_ns))
    except OSError:
        return ()
    return tuple(sorted(found))


def unsent_in(folder: Path) -> list[Event]:
    """Every event in the folder's queues that cannot be sent without a person."""
    return [event for report in queue_reports(folder) for event in report.unsent_events()]


def noun(events: list[Event], count: int | None = None) -> str:
    """ "notes" when they all are, else "events" (singular for one)."""
    count = len(events) if count is None else count
    word = "note" if events and all(e.kind == EventKind.NOTE for e in events) else "event"
    return word if count == 1 else f"{word}s"


def attention_line(folder: Path) -> str | None:
    """One line for stderr when events in this folder's queues cannot be sent, else None."""
    reports = [report for report in queue_reports(folder) if report.unsent]
    if not reports:
        return None
    events = [event for report in reports for event in report.unsent_events()]
    servers = ", ".join(report.server for report in reports)
    why = reports[0].refused or (reports[0].rejected[0].reason if reports[0].rejected else "")
    more = f" ({why})" if len(reports) == 1 and why else ""
    text = (
        f"{len(events)} {noun(events)} could not be sent to {servers}{more}: see `warroom db queue`"
    )
    return redact_text(inert(text, single_line=True))


def event_line(event: Event) -> str:
    """One line: when, incident, kind, author and what it says."""
    what = inert(describe(event), single_line=True)
    kind = str(event.payload.get("kind") or event.kind) if event.kind is EventKind.NOTE else ""
    kind = kind or str(event.kind)
    return redact_text(
        f"{format_utc(event.at)[:19]}Z  {event.incident_id}  {kind}  "
        f"{inert(event.author, single_line=True)}: {what}"
    )


def _md_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("`", "\\`")


def to_markdown(reports: list[QueueReport], now: datetime) -> str:
    """The queues as Markdown: per server, what waits and what was set aside, and why."""
    lines = [f"# warroom offline queue ({format_utc(now)[:19]}Z)", ""]
    if not reports:
        lines.append("Nothing is queued.")
    for report in reports:
        lines += [f"## {_md_escape(report.server)}", ""]
        if report.refused:
            lines += [f"The server refuses this machine: {_md_escape(report.refused)}", ""]
        for title, rows in (
            ("Waiting to be sent", [(e, "") for e in report.waiting]),
            ("Set aside by the database", [(r.event, r.reason) for r in report.rejected]),
        ):
            if not rows:
                continue
            lines += [
                f"### {title} ({len(rows)})",
                "",
                "| time (UTC) | incident | kind | author | text | reason |",
                "|---|---|---|---|---|---|",
            ]
            for event, reason in rows:
                kind = str(event.payload.get("kind") or "") if event.kind is EventKind.NOTE else ""
                cells = [
                    format_utc(event.at)[:19].replace("T", " "),
                    event.incident_id,
                    kind or str(event.kind),
                    event.author,
                    describe(event),
                    reason,
                ]
                row = " | ".join(_md_escape(inert(c, single_line=True)) for c in cells)
                lines.append(f"| {row} |")
            lines.append("")
    return redact_text("\n".join(lines).rstrip() + "\n")
