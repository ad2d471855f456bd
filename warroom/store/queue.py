"""The offline queue: events waiting for the shared database, safe on local disk.

While PostgreSQL is unreachable, `PostgresStore.append` writes the event here and returns:
one JSONL file per database (`<key>.jsonl`, written by `IncidentLog`, so every append is
fsynced under a file lock and a console and a CLI command can queue at once). Sending
works through a byte offset kept beside it (`<key>.sent`, replaced atomically): the
sender reads the lines after the offset, inserts them (inserts are idempotent by event
id), then moves the offset. When everything is sent the file is emptied under its lock,
after the offset was reset, so a crash at any point resends at worst, never loses.
One sender at a time (`<key>.drain-lock`).

`<key>` is the server's identity (`pg_identity`), not the DSN's spelling, so `localhost`
and `127.0.0.1` share a queue. Beside the queue:
- `<key>.server`: which server it is for (`role@host:port/database`, no password), so
  `warroom db queue` can name it;
- `<key>.rejected.jsonl`: events the database refused for good (their incident is not in
  it, a constraint), one `{"rejected_at", "reason", "event"}` object a line, set aside
  instead of blocking the queue, and shown until a person retries or discards them;
- `<key>.refused`: why the server refuses this machine (a wrong password, a newer
  schema...) while events wait, so that everything on this machine can say so; removed
  once the queue goes through.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from warroom.model.events import Event, EventError
from warroom.private_files import FILE_MODE, private_folder
from warroom.store.base import LoadProblem, StoreError
from warroom.store.local import IncidentLog, decode_lines


@dataclass
class PendingEvents:
    """Queued events not sent yet, and the offset to record once they are."""

    events: list[Event] = field(default_factory=list)
    problems: list[LoadProblem] = field(default_factory=list)
    start: int = 0
    end: int = 0

    def __bool__(self) -> bool:
        return self.end > self.start


@dataclass(frozen=True)
class RejectedEvent:
    """An event the database refused for good, and why."""

    event: Event
    reason: str
    rejected_at: str = ""


def queue_key(target: str) -> str:
    """The file name the queue of `target` had before queues were keyed by the server's
    identity (`pg_identity.ServerIdentity.key`); kept to pick such queues up."""
    return "pg-" + hashlib.sha256(target.encode()).hexdigest()[:16]


def _append_line(path: Path, line: str) -> None:
    """Append one line durably (fsynced, under the file's lock)."""
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, FILE_MODE)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        os.write(fd, line.encode())
        os.fsync(fd)
    finally:
        os.close(fd)


def _replace_text(path: Path, text: str) -> None:
    temporary = path.with_name(f"{path.name}.{os.getpid()}-new")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class OfflineQueue:
    """The queued events for one database, in the order they were queued."""

    def __init__(self, folder: Path, key: str, server: str = "") -> None:
        self.folder = Path(folder)
        self.key = key
        self.server = server
        self.log = IncidentLog(self.folder / f"{key}.jsonl")
        self.sent_path = self.folder / f"{key}.sent"
        self.lock_path = self.folder / f"{key}.drain-lock"
        self.rejected_path = self.folder / f"{key}.rejected.jsonl"
        self.refused_path = self.folder / f"{key}.refused"
        self.server_path = self.folder / f"{key}.server"

    @property
    def path(self) -> Path:
        return self.log.path

    def _ensure_folder(self) -> None:
        if not self.folder.is_dir():
            private_folder(self.folder)
            _fsync_dir(self.folder.parent)

    def add(self, event: Event) -> None:
        """Queue the event durably (fsynced); raises StoreError when the disk refuses."""
        try:
            self._ensure_folder()
            created = not self.log.path.exists()
            self._write_server()
            self.log.append(event)
            if created:
                _fsync_dir(self.folder)
        except OSError as error:
            raise StoreError(
                f"the database is unreachable and the local queue {self.log.path} "
                f"cannot be written: {error.strerror or error}"
            ) from None

    def _sent_offset(self) -> int:
        try:
            return int(self.sent_path.read_text().strip() or 0)
        except (FileNotFoundError, ValueError):
            return 0

    def _write_sent_offset(self, offset: int) -> None:
        temporary = self.sent_path.with_suffix(".sent-new")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
        with os.fdopen(fd, "w") as handle:
            handle.write(f"{offset}\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, self.sent_path)
        _fsync_dir(self.folder)

    def _size(self) -> int:
        try:
            return self.log.path.stat().st_size
        except FileNotFoundError:
            return 0

    def has_pending(self) -> bool:
        """Cheap: is there anything in the queue file at all (sent or not)?"""
        return self._size() > 0

    def pending(self) -> PendingEvents:
        """The complete lines after the sent offset, decoded."""
        size = self._size()
        start = self._sent_offset()
        if start > size:  # the file was emptied by hand: everything in it is new
            start = 0
        if size == start:
            return PendingEvents(start=start, end=start)
        data, _ = self.log.read(start)
        complete = data[: data.rfind(b"\n") + 1]
        result = decode_lines(complete, str(self.log.path))
        return PendingEvents(result.events, result.problems, start, start + len(complete))

    def count(self) -> int:
        """How many events wait to be sent (complete, non-empty lines after the offset)."""
        size = self._size()
        start = self._sent_offset()
        if start > size:
            start = 0
        return self._count_from(start) if size > start else 0

    def _count_from(self, start: int) -> int:
        try:
            data, _ = self.log.read(start)
        except FileNotFoundError:
            return 0
        return sum(1 for line in data.split(b"\n")[:-1] if line.strip())

    def events(self) -> list[Event]:
        """Every queued event not sent yet (for showing them while offline)."""
        try:
            return self.pending().events
        except FileNotFoundError:
            return []

    def mark_sent(self, offset: int) -> None:
        self._write_sent_offset(offset)

    def absorb(self, other: OfflineQueue) -> None:
        """Move what waits in `other` (a queue an older warroom named after the DSN's
        spelling) to the end of this one; added before marked sent, so never lost."""
        if other.key == self.key or not other.has_pending():
            return
        with contextlib.suppress(OSError, StoreError), other.sender() as mine:
            if mine and (batch := other.pending()):
                for event in batch.events:
                    self.add(event)
                other.mark_sent(batch.end)
                other.compact()

    # Which server, refused events, a refusing server -------------------------------------

    def _write_server(self) -> None:
        if self.server and not self.server_path.exists():
            _replace_text(self.server_path, json.dumps({"server": self.server}) + "\n")

    def server_label(self) -> str:
        """The server this queue is for, as recorded (or as given)."""
        try:
            data = json.loads(self.server_path.read_text(encoding="utf-8"))
            return str(data["server"])
        except (OSError, ValueError, KeyError, TypeError):
            return self.server or f"(unknown server, queue {self.key})"

    def reject(self, event: Event, reason: str) -> None:
        """Set aside an event the database refuses for good, so the queue moves on."""
        self._ensure_folder()
        self._write_server()
        record = {
            "rejected_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "reason": reason,
            "event": event.to_dict(),
        }
        _append_line(self.rejected_path, json.dumps(record, ensure_ascii=False) + "\n")

    def rejected(self) -> list[RejectedEvent]:
        """The events set aside, oldest first (lines that cannot be read are skipped)."""
        try:
            lines = self.rejected_path.read_text(encoding="utf-8", errors="replace").splitlines()
        except FileNotFoundError:
            return []
        found: list[RejectedEvent] = []
        for line in lines:
            try:
                data = json.loads(line)
                if "event" in data:  # {"rejected_at", "reason", "event"}
                    reason, when = str(data.get("reason", "")), str(data.get("rejected_at", ""))
                    found.append(RejectedEvent(Event.from_dict(data["event"]), reason, when))
                else:  # an older warroom kept the bare event
                    reason = "refused by the database (the reason was not recorded)"
                    found.append(RejectedEvent(Event.from_dict(data), reason))
            except (ValueError, TypeError, EventError, AttributeError):
                continue
        return found

    def rejected_count(self) -> int:
        try:
            if self.rejected_path.stat().st_size == 0:
                return 0
        except FileNotFoundError:
            return 0
        return len(self.rejected())

    def drop_rejected(self, ids: set[str]) -> None:
        """Remove these events from the set-aside file (after a retry or a discard)."""
        if not self.rejected_path.exists():
            return
        fd = os.open(self.rejected_path, os.O_RDWR)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            kept = [
                json.dumps(
                    {"rejected_at": r.rejected_at, "reason": r.reason, "event": r.event.to_dict()},
                    ensure_ascii=False,
                )
                + "\n"
                for r in self.rejected()
                if r.event.id not in ids
            ]
            _replace_text(self.rejected_path, "".join(kept))
        finally:
            os.close(fd)

    def set_refused(self, reason: str) -> None:
        """Record that the server refuses us while events wait (shown everywhere)."""
        with contextlib.suppress(OSError):
            self._ensure_folder()
            self._write_server()
            if self.refused_reason() != reason:
                _replace_text(self.refused_path, reason + "\n")

    def clear_refused(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.refused_path.unlink()

    def refused_reason(self) -> str:
        try:
            return self.refused_path.read_text(encoding="utf-8").strip()
        except OSError:
            return ""

    def compact(self) -> None:
        """Empty the file when everything in it was sent (under the writers' lock)."""
        if not self.log.path.exists():
            return
        fd = os.open(self.log.path, os.O_RDWR)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            try:
                size = os.fstat(fd).st_size
                if size == 0 or size != self._sent_offset():
                    return
                # Offset first: a crash between the two resends (harmless), never skips.
                self._write_sent_offset(0)
                os.ftruncate(fd, 0)
                os.fsync(fd)
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)

    @contextlib.contextmanager
    def sender(self) -> Iterator[bool]:
        """Hold the right to send (True), or learn that another process sends (False)."""
        self._ensure_folder()
        fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, FILE_MODE)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                yield False
                return
            try:
                yield True
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)
