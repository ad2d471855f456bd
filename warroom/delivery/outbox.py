"""The durable outbox: every message to every channel is on disk before it is tried.

`<data dir>/outbox/outbox.jsonl` (0600, in a 0700 folder) is an append-only journal, one
JSON record a line, each written and fsynced before the step it describes happens:

- `queued`: a message for one channel (its idempotency key `<message id>:<channel>`,
  the incident, audience, template, title and text; never the channel's URL);
- `attempt`: written just before a try;
- `delivered` / `failed` (with the next retry time, by the backoff schedule) just after.

Replaying the journal gives each entry's status. An entry whose last record is
`attempt` was being tried when the process stopped: it is *in doubt* (the destination
may have taken it) and is tried again with the same idempotency key. That crash window
(between the destination's 2xx and our fsync of `delivered`, a few milliseconds) is the
one place a message can arrive twice; a receiver that honours `Idempotency-Key` drops
the copy, a chat webhook cannot. Everywhere else a delivered entry is never tried again,
by this process or another: trying holds `drain.lock` (flock) and re-reads the journal
under it, so the console and `warroom watch` on one data folder never both send it.

A torn last line (a crash mid-write) is skipped; the step it described is redone.
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from warroom.model.events import format_utc, parse_utc
from warroom.private_files import FILE_MODE, private_folder

OUTBOX_FOLDER = "outbox"
JOURNAL = "outbox.jsonl"
LOCK = "drain.lock"

QUEUED, IN_DOUBT, FAILED, DELIVERED, DISCARDED = (
    "queued",
    "in doubt",
    "failed",
    "delivered",
    "discarded",
)
UNSENT = frozenset({QUEUED, IN_DOUBT, FAILED})


@dataclass(frozen=True)
class Backoff:
    """Seconds to wait after the n-th failed try: `first`, doubled each time, at most
    `cap`. 5, 10, 20, 40, 80, 120, 120... by default: a minute-long chat outage costs
    four tries and the message goes out at most 40 s after the endpoint is back."""

    first: float = 5.0
    factor: float = 2.0
    cap: float = 120.0

    def delay(self, failures: int) -> timedelta:
        seconds = self.first * self.factor ** max(failures - 1, 0)
        return timedelta(seconds=min(seconds, self.cap))

    def schedule(self, tries: int) -> list[float]:
        return [self.delay(n).total_seconds() for n in range(1, tries + 1)]


@dataclass(frozen=True)
class Entry:
    """One message for one channel, as the journal tells it."""

    key: str
    message: str
    incident: str
    channel: str
    audience: str
    template: str
    title: str
    text: str
    queued_at: datetime
    next_update_at: str = ""
    status: str = QUEUED
    attempts: int = 0
    detail: str = ""
    retry_at: datetime | None = None
    delivered_at: datetime | None = None
    remote_id: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def unsent(self) -> bool:
        return self.status in UNSENT

    def due(self, now: datetime) -> bool:
        return self.unsent and (self.retry_at is None or self.retry_at <= now)


class OutboxError(OSError):
    """The outbox cannot be written (the message was not queued)."""


class Outbox:
    """The journal of one data folder."""

    def __init__(self, data_dir: Path, backoff: Backoff | None = None) -> None:
        self.folder = Path(data_dir) / OUTBOX_FOLDER
        self.path = self.folder / JOURNAL
        self.backoff = backoff or Backoff()

    # Writing ----------------------------------------------------------------------

    def _append(self, records: Sequence[dict[str, Any]]) -> None:
        private_folder(self.folder)
        data = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records).encode()
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_APPEND, FILE_MODE)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            try:
                _repair_torn_end(fd)
                os.write(fd, data)
                os.fsync(fd)
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)

    def enqueue(self, entries: Sequence[Entry]) -> None:
        """Put messages in the outbox (durably, before any is tried)."""
        self._append([_queued_record(entry) for entry in entries])

    def mark_attempt(self, entry: Entry, now: datetime) -> None:
        self._append([{"op": "attempt", "key": entry.key, "at": format_utc(now)}])

    def mark_delivered(self, entry: Entry, now: datetime, remote_id: str = "") -> None:
        record = {"op": DELIVERED, "key": entry.key, "at": format_utc(now)}
        if remote_id:
            record["remote_id"] = remote_id
        self._append([record])

    def mark_failed(self, entry: Entry, now: datetime, detail: str) -> datetime:
        """Record a failed try; returns when the next one is due."""
        retry_at = now + self.backoff.delay(entry.attempts + 1)
        self._append(
            [
                {
                    "op": FAILED,
                    "key": entry.key,
                    "at": format_utc(now),
                    "detail": detail,
                    "retry_at": format_utc(retry_at),
                }
            ]
        )
        return retry_at

    def retry_now(self, now: datetime, keys: Sequence[str] | None = None) -> int:
        """Make unsent entries (all, or `keys`) due now; how many."""
        chosen = [e for e in self.unsent() if keys is None or e.key in keys]
        if chosen:
            self._append([{"op": "retry", "key": e.key, "at": format_utc(now)} for e in chosen])
        return len(chosen)

    def discard(self, keys: Sequence[str], now: datetime) -> int:
        """Stop trying these entries (the IC sent the text another way)."""
        chosen = [e for e in self.unsent() if e.key in keys]
        if chosen:
            self._append([{"op": DISCARDED, "key": e.key, "at": format_utc(now)} for e in chosen])
        return len(chosen)

    # Reading ----------------------------------------------------------------------

    def entries(self) -> list[Entry]:
        """Every entry, oldest first, as the journal tells it now."""
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return []
        found: dict[str, Entry] = {}
        for line in raw.split(b"\n"):
            try:
                record = json.loads(line)
                _replay(found, record)
            except (ValueError, KeyError, TypeError, AttributeError):
                continue  # a torn line: the step it described is done again
        return list(found.values())

    def unsent(self) -> list[Entry]:
        return [entry for entry in self.entries() if entry.unsent]

    def due(self, now: datetime) -> list[Entry]:
        return [entry for entry in self.entries() if entry.due(now)]

    def next_retry(self) -> datetime | None:
        times = [e.retry_at for e in self.unsent() if e.retry_at is not None]
        return min(times) if times else None

    def get(self, key: str) -> Entry | None:
        return next((entry for entry in self.entries() if entry.key == key), None)

    def last_remote_id(self, incident: str, channel: str) -> str:
        """The destination's id for this incident (a Statuspage incident), if one was made."""
        ids = [
            e.remote_id
            for e in self.entries()
            if e.incident == incident and e.channel == channel and e.remote_id
        ]
        return ids[-1] if ids else ""

    @contextmanager
    def draining(self) -> Iterator[None]:
        """Hold the drain lock (blocking): one process tries entries at a time."""
        private_folder(self.folder)
        fd = os.open(self.folder / LOCK, os.O_WRONLY | os.O_CREAT, FILE_MODE)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # closing the descriptor releases the lock


def _repair_torn_end(fd: int) -> None:
    """After a crash mid-write the file may end without a newline: end that line first,
    so the next record is not glued to the torn one."""
    size = os.fstat(fd).st_size
    if size and os.pread(fd, 1, size - 1) != b"\n":
        os.write(fd, b"\n")


def _queued_record(entry: Entry) -> dict[str, Any]:
    return {
        "op": QUEUED,
        "key": entry.key,
        "message": entry.message,
        "incident": entry.incident,
        "channel": entry.channel,
        "audience": entry.audience,
        "template": entry.template,
        "title": entry.title,
        "text": entry.text,
        "next_update_at": entry.next_update_at,
        "at": format_utc(entry.queued_at),
        **({"extra": entry.extra} if entry.extra else {}),
    }


def _replay(found: dict[str, Entry], record: dict[str, Any]) -> None:
    op, key = record["op"], str(record["key"])
    at = parse_utc(record["at"])
    if op == QUEUED:
        if key not in found:
            found[key] = Entry(
                key=key,
                message=str(record["message"]),
                incident=str(record["incident"]),
                channel=str(record["channel"]),
                audience=str(record.get("audience", "")),
                template=str(record.get("template", "")),
                title=str(record.get("title", "")),
                text=str(record.get("text", "")),
                queued_at=at,
                next_update_at=str(record.get("next_update_at") or ""),
                extra=dict(record.get("extra") or {}),
            )
        return
    entry = found.get(key)
    if entry is None or entry.status in (DELIVERED, DISCARDED):
        return  # nothing to change: a delivered entry stays delivered
    if op == "attempt":
        found[key] = replace(entry, status=IN_DOUBT, attempts=entry.attempts + 1, retry_at=None)
    elif op == DELIVERED:
        remote = str(record.get("remote_id") or "")
        found[key] = replace(entry, status=DELIVERED, delivered_at=at, detail="", remote_id=remote)
    elif op == FAILED:
        retry = record.get("retry_at")
        found[key] = replace(
            entry,
            status=FAILED,
            detail=str(record.get("detail", "")),
            retry_at=parse_utc(retry) if retry else None,
        )
    elif op == "retry":
        found[key] = replace(entry, retry_at=at)
    elif op == DISCARDED:
        found[key] = replace(entry, status=DISCARDED, retry_at=None)
