"""The offline queue: events waiting for the shared database, safe on local disk.

While PostgreSQL is unreachable, `PostgresStore.append` writes the event here and returns:
one JSONL file per database (`<key>.jsonl`, written by `IncidentLog`, so every append is
fsynced under a file lock and a console and a CLI command can queue at once). Sending
works through a byte offset kept beside it (`<key>.sent`, replaced atomically): the
sender reads the lines after the offset, inserts them (inserts are idempotent by event
id), then moves the offset. When everything is sent the file is emptied under its lock,
after the offset was reset, so a crash at any point resends at worst, never loses.
One sender at a time (`<key>.drain-lock`). An event the database refuses for good (its
incident is not in that database) goes to `<key>.rejected.jsonl` instead of blocking the
queue.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from warroom.model.events import Event
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


def queue_key(target: str) -> str:
    """A file name for one database (from its password-free address)."""
    return "pg-" + hashlib.sha256(target.encode()).hexdigest()[:16]


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class OfflineQueue:
    """The queued events for one database, in the order they were queued."""

    def __init__(self, folder: Path, key: str) -> None:
        self.folder = Path(folder)
        self.log = IncidentLog(self.folder / f"{key}.jsonl")
        self.sent_path = self.folder / f"{key}.sent"
        self.lock_path = self.folder / f"{key}.drain-lock"
        self.rejected = IncidentLog(self.folder / f"{key}.rejected.jsonl")

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

    def reject(self, event: Event) -> None:
        """Set aside an event the database refuses for good, so the queue moves on."""
        self.rejected.append(event)

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
