"""The local store: one JSONL file per incident in the data folder.

Appending is write + flush + fsync under an exclusive `flock`, so a console and a CLI
command can write the same incident at once without interleaving. A line is only ever
appended; nothing is rewritten in place. On load, a line that is not a readable event
(a torn last line after a crash, a corrupted byte) is reported with file and line and
skipped, and every other event is kept. An append after a torn line first ends that line,
so the torn fragment never swallows a good event.
"""

from __future__ import annotations

import asyncio
import fcntl
import json
import os
from collections.abc import AsyncIterator, Callable
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from warroom.model.bulk import collector_paused
from warroom.model.events import Event, EventError
from warroom.model.ids import ID_PATTERN, next_incident_id
from warroom.store.base import (
    ConnectionState,
    LoadProblem,
    LoadResult,
    StoreError,
    UnknownIncident,
)

SUFFIX = ".jsonl"


def encode(event: Event) -> bytes:
    return (json.dumps(event.to_dict(), ensure_ascii=False, separators=(",", ":")) + "\n").encode()


def decode_lines(data: bytes, source: str, first_line: int = 1) -> LoadResult:
    """Events from JSONL bytes; unreadable lines become problems, never exceptions."""
    with collector_paused():
        return _decode_lines(data, source, first_line)


def _decode_lines(data: bytes, source: str, first_line: int) -> LoadResult:
    result = LoadResult()
    lines: list[Any]
    try:
        # Decoding the whole file once and parsing text is a quarter faster than
        # `json.loads` of each line's bytes (which detects an encoding every time).
        lines = data.decode("utf-8").split("\n")
        read_json, whitespace = _read_text_line, ASCII_WHITESPACE
    except UnicodeDecodeError:  # a bad byte somewhere: read bytes line by line
        lines = data.split(b"\n")
        read_json, whitespace = json.loads, ASCII_WHITESPACE.encode()
    torn = bool(lines[-1])
    if not torn:
        lines.pop()
    last = len(lines) - 1
    for index, raw in enumerate(lines):
        if not raw.strip(whitespace):
            continue
        try:
            event = Event.from_dict(read_json(raw))
        except (ValueError, EventError, UnicodeDecodeError) as error:
            is_last = torn and index == last
            what = "truncated last line" if is_last else f"unreadable line ({error})"
            result.problems.append(LoadProblem(source, first_line + index, what))
            continue
        result.events.append(event)
    return result


ASCII_WHITESPACE = " \t\n\r\x0b\x0c"  # what bytes.strip() strips
_read_json = json.JSONDecoder().decode


def _read_text_line(line: str) -> Any:
    """A decoded line as JSON: exactly what `json.loads` of its bytes gives."""
    try:
        return _read_json(line)
    except ValueError:
        # Say it as `json.loads` of the bytes would (which also skips a byte-order mark).
        return json.loads(line.encode("utf-8"))


class IncidentLog:
    """The append-only file of one incident."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def append(self, event: Event) -> None:
        self.append_many([event])

    def append_many(self, events: list[Event]) -> None:
        data = b"".join(encode(event) for event in events)
        fd = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            try:
                size = os.fstat(fd).st_size
                if size and os.pread(fd, 1, size - 1) != b"\n":
                    data = b"\n" + data
                view = memoryview(data)
                while view:
                    written = os.write(fd, view)
                    view = view[written:]
                os.fsync(fd)
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)

    def read(self, offset: int = 0) -> tuple[bytes, int]:
        """Bytes from `offset` up to the last complete line, and the offset after them."""
        with open(self.path, "rb") as handle:
            handle.seek(offset)
            data = handle.read()
        return data, offset + len(data)

    def load(self) -> LoadResult:
        try:
            data, _ = self.read()
        except FileNotFoundError:
            raise UnknownIncident(self.path.stem) from None
        return decode_lines(data, str(self.path))


class LocalStore:
    """Incidents as JSONL files under `<data_dir>/incidents/`."""

    poll_interval = 0.25

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = Path(data_dir)
        self.folder = self.data_dir / "incidents"
        self.description = f"local files in {self.data_dir}"

    def ensure_folder(self) -> None:
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            probe = self.folder / ".write-check"
            probe.write_bytes(b"")
            probe.unlink()
        except OSError as error:
            raise StoreError(f"data folder {self.data_dir} is not writable: {error}") from None

    def log(self, incident_id: str) -> IncidentLog:
        if not ID_PATTERN.match(incident_id) and not incident_id.replace("-", "").isalnum():
            raise UnknownIncident(incident_id)
        return IncidentLog(self.folder / f"{incident_id}{SUFFIX}")

    @contextmanager
    def _folder_lock(self):  # type: ignore[no-untyped-def]
        fd = os.open(self.folder / ".lock", os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)

    # Synchronous API (the CLI, tests and benchmarks use it directly) -------------------

    def declare_sync(self, make_declared: Callable[[str], Event]) -> Event:
        self.ensure_folder()
        with self._folder_lock():
            incident_id = next_incident_id(self.incident_ids_sync(), datetime.now(UTC))
            event = make_declared(incident_id)
            path = self.folder / f"{event.incident_id}{SUFFIX}"
            try:
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
            except FileExistsError:
                raise StoreError(f"incident {event.incident_id} already exists") from None
            os.close(fd)
            IncidentLog(path).append(event)
        return event

    def append_sync(self, event: Event) -> None:
        log = self.log(event.incident_id)
        if not log.path.exists():
            raise UnknownIncident(event.incident_id)
        try:
            log.append(event)
        except OSError as error:
            raise StoreError(f"cannot write {log.path}: {error}") from None

    def load_sync(self, incident_id: str) -> LoadResult:
        return self.log(incident_id).load()

    def incident_ids_sync(self) -> list[str]:
        if not self.folder.is_dir():
            return []
        return sorted(path.stem for path in self.folder.glob(f"*{SUFFIX}"))

    # The async IncidentStore interface ------------------------------------------------

    async def declare(self, make_declared: Callable[[str], Event]) -> Event:
        return self.declare_sync(make_declared)

    async def append(self, event: Event) -> None:
        self.append_sync(event)

    async def load(self, incident_id: str) -> LoadResult:
        return self.load_sync(incident_id)

    async def incident_ids(self) -> list[str]:
        return self.incident_ids_sync()

    def changes(self, incident_id: str) -> AsyncIterator[list[Event]]:
        """Events appended by any writer from now on (the starting point is taken here)."""
        log = self.log(incident_id)
        offset, line = 0, 1
        with suppress(FileNotFoundError):
            data, _ = log.read(0)
            complete = data[: data.rfind(b"\n") + 1]
            offset, line = len(complete), complete.count(b"\n") + 1
        return self._follow(log, offset, line)

    async def _follow(self, log: IncidentLog, offset: int, line: int) -> AsyncIterator[list[Event]]:
        while True:
            await asyncio.sleep(self.poll_interval)
            try:
                size = log.path.stat().st_size
            except FileNotFoundError:
                continue
            if size <= offset:
                continue
            data, _ = log.read(offset)
            complete = data[: data.rfind(b"\n") + 1]
            if not complete:
                continue
            result = decode_lines(complete, str(log.path), line)
            offset += len(complete)
            line += complete.count(b"\n")
            if result.events:
                yield result.events

    def connection_state(self) -> ConnectionState:
        return ConnectionState(online=True, detail="local")

    async def close(self) -> None:
        return None
