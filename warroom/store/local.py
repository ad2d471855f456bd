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
import io
import json
import mmap
import os
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from warroom.model.bulk import collector_paused
from warroom.model.events import Event, EventError
from warroom.model.ids import ANY_ID_PATTERN, INCIDENT_PREFIX, next_incident_id
from warroom.model.text import json_text
from warroom.private_files import FILE_MODE, private_folder
from warroom.store.base import (
    ConnectionState,
    LoadProblem,
    LoadResult,
    StoreError,
    UnknownIncident,
)

if TYPE_CHECKING:
    from warroom.store.summaries import SummaryCache

SUFFIX = ".jsonl"


def encode(event: Event) -> bytes:
    """One JSONL line; characters a terminal would act on (C1, bidi) as \\u escapes, so
    `cat` or `tail -f` of an incident file is as safe as the console."""
    text = json.dumps(event.to_dict(), ensure_ascii=False, separators=(",", ":"))
    return (json_text(text) + "\n").encode()


def decode_lines(data: bytes, source: str, first_line: int = 1) -> LoadResult:
    """Events from JSONL bytes; unreadable lines become problems, never exceptions."""
    return read_lines(io.BytesIO(data), source, first_line)


def read_lines(lines: Iterable[bytes], source: str, first_line: int = 1) -> LoadResult:
    """Events from JSONL lines (as a binary file yields them: each ends in a newline, but
    a torn last one); unreadable lines become problems, never exceptions.

    Lines are read one at a time, so a 30 MB file is never held whole (once as bytes,
    once as text and once as a list of lines, which made loading peak at 160 MB for a
    100,000-event incident that keeps 95 MB).
    """
    result = LoadResult()
    number = first_line - 1
    with collector_paused():
        for raw in lines:
            number += 1
            if not raw or raw.isspace():  # a blank line (isspace copies nothing)
                continue
            try:
                event = Event.from_dict(_read_line(raw))
            except (ValueError, EventError) as error:  # UnicodeDecodeError is a ValueError
                torn = not raw.endswith(b"\n")  # only the last line can lack its newline
                what = "truncated last line" if torn else f"unreadable line ({error})"
                result.problems.append(LoadProblem(source, number, what))
                continue
            result.events.append(event)
    return result


_read_json = json.JSONDecoder().decode


def _read_line(raw: bytes) -> Any:
    """A line as JSON: exactly what `json.loads(raw)` gives, a quarter faster (json.loads
    of bytes detects their encoding each time; this decodes UTF-8 and parses text)."""
    try:
        return _read_json(raw.decode("utf-8"))
    except ValueError:
        # Fail as `json.loads` of the line would (which also skips a byte-order mark).
        return json.loads(raw.removesuffix(b"\n"))


def complete_lines_end(path: Path) -> tuple[int, int]:
    """The offset just after the file's last complete line, and the number of the line
    that starts there; read a megabyte at a time (the file may be large)."""
    end = newlines = position = 0
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            count = chunk.count(b"\n")
            if count:
                newlines += count
                end = position + chunk.rfind(b"\n") + 1
            position += len(chunk)
    return end, newlines + 1


def _holds_event(fd: int, event_id: str) -> bool:
    """Whether the open log holds an event with this id: a byte search of the whole file
    (mapped, not read line by line: a timer firing on a 10,000-event incident took tens
    of milliseconds of the console's loop), then the lines that mention the id are read
    as events (a note may quote an id)."""
    if os.fstat(fd).st_size == 0:
        return False
    needle = event_id.encode()
    with mmap.mmap(fd, 0, access=mmap.ACCESS_READ) as data:
        found = data.find(needle)
        while found != -1:
            start = data.rfind(b"\n", 0, found) + 1
            end = data.find(b"\n", found)
            end = len(data) if end == -1 else end
            result = decode_lines(data[start:end] + b"\n", "")
            if any(event.id == event_id for event in result.events):
                return True
            found = data.find(needle, end)
    return False


class IncidentLog:
    """The append-only file of one incident."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def append(self, event: Event) -> None:
        self.append_many([event])

    def append_many(self, events: list[Event]) -> None:
        data = b"".join(encode(event) for event in events)
        fd = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT, FILE_MODE)
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

    def append_once(self, event: Event) -> bool:
        """Append `event` unless the log already holds an event with its id; False when
        it did. The check and the write happen under the file's lock, so two processes
        appending the same event (a timed rule's deterministic id) store it once."""
        line = encode(event)
        fd = os.open(self.path, os.O_RDWR | os.O_APPEND, FILE_MODE)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            try:
                if _holds_event(fd, event.id):
                    return False
                size = os.fstat(fd).st_size
                if size and os.pread(fd, 1, size - 1) != b"\n":
                    line = b"\n" + line
                view = memoryview(line)
                while view:
                    written = os.write(fd, view)
                    view = view[written:]
                os.fsync(fd)
                return True
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
            handle = open(self.path, "rb")  # noqa: SIM115 (closed below)
        except FileNotFoundError:
            raise UnknownIncident(self.path.stem) from None
        except OSError as error:  # no read permission, a folder in its place...
            raise StoreError(f"cannot read {self.path}: {error.strerror or error}") from None
        with handle:
            try:
                return read_lines(handle, str(self.path))
            except OSError as error:
                raise StoreError(f"cannot read {self.path}: {error.strerror or error}") from None


class LocalStore:
    """Incidents as JSONL files under `<data_dir>/incidents/`."""

    poll_interval = 0.25
    keeps_drills = True
    """Drill incidents (`DRILL-...` ids) can be declared here (see `declare`)."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = Path(data_dir)
        self.folder = self.data_dir / "incidents"
        self.description = f"local files in {self.data_dir}"
        self._summaries: SummaryCache | None = None

    @property
    def summaries(self) -> SummaryCache:
        """What `warroom incidents` lists, cached beside each JSONL (see store.summaries;
        imported on first use: the console draws its first frame before it needs it)."""
        if self._summaries is None:
            from warroom.store.summaries import SummaryCache

            self._summaries = SummaryCache(self.folder, SUFFIX)
        return self._summaries

    def ensure_folder(self) -> None:
        try:
            private_folder(self.folder)
            probe = self.folder / ".write-check"
            probe.write_bytes(b"")
            probe.unlink()
        except OSError as error:
            self._check_data_dir()
            reason = error.strerror or str(error)
            raise StoreError(f"data folder {self.data_dir} is not writable: {reason}") from None

    def log(self, incident_id: str) -> IncidentLog:
        if not ANY_ID_PATTERN.match(incident_id) and not incident_id.replace("-", "").isalnum():
            raise UnknownIncident(incident_id)
        return IncidentLog(self.folder / f"{incident_id}{SUFFIX}")

    @contextmanager
    def _folder_lock(self) -> Iterator[None]:
        fd = os.open(self.folder / ".lock", os.O_RDWR | os.O_CREAT, FILE_MODE)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)

    # Synchronous API (the CLI, tests and benchmarks use it directly) -------------------

    def declare_sync(
        self, make_declared: Callable[[str], Event], prefix: str = INCIDENT_PREFIX
    ) -> Event:
        """A new incident; `prefix` picks the id space (`DRILL` for drill incidents)."""
        self.ensure_folder()
        with self._folder_lock():
            incident_id = next_incident_id(self.incident_ids_sync(), datetime.now(UTC), prefix)
            event = make_declared(incident_id)
            path = self.folder / f"{event.incident_id}{SUFFIX}"
            try:
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
            except FileExistsError:
                raise StoreError(f"incident {event.incident_id} already exists") from None
            os.close(fd)
            try:
                IncidentLog(path).append(event)
            except BaseException:
                path.unlink(missing_ok=True)  # an empty file would burn the id
                raise
        return event

    def append_sync(self, event: Event) -> None:
        log = self.log(event.incident_id)
        if not log.path.exists():
            raise UnknownIncident(event.incident_id)
        try:
            log.append(event)
        except OSError as error:
            raise StoreError(f"cannot write {log.path}: {error}") from None

    def append_once_sync(self, event: Event) -> bool:
        """Store the event unless its id is already stored (see IncidentLog.append_once)."""
        log = self.log(event.incident_id)
        if not log.path.exists():
            raise UnknownIncident(event.incident_id)
        try:
            return log.append_once(event)
        except OSError as error:
            raise StoreError(f"cannot write {log.path}: {error}") from None

    def load_sync(self, incident_id: str) -> LoadResult:
        try:
            return self.log(incident_id).load()
        except StoreError:
            self._check_data_dir()
            raise

    def _check_data_dir(self) -> None:
        """StoreError naming the real trouble when the data folder is a file."""
        if self.data_dir.exists() and not self.data_dir.is_dir():
            raise StoreError(f"data folder {self.data_dir} is a file, not a folder") from None

    def incident_ids_sync(self) -> list[str]:
        """The incidents in the folder; StoreError when it exists but cannot be listed
        (glob would say "none", and a responder would declare the incident again)."""
        try:
            names = os.listdir(self.folder)
        except (FileNotFoundError, NotADirectoryError):
            self._check_data_dir()
            if self.folder.exists():
                raise StoreError(f"{self.folder} is a file, not a folder") from None
            return []
        except OSError as error:
            raise StoreError(
                f"cannot read the incidents folder {self.folder}: {error.strerror or error}"
            ) from None
        return sorted(name[: -len(SUFFIX)] for name in names if name.endswith(SUFFIX))

    # The async IncidentStore interface ------------------------------------------------

    async def declare(
        self, make_declared: Callable[[str], Event], prefix: str = INCIDENT_PREFIX
    ) -> Event:
        return self.declare_sync(make_declared, prefix)

    async def append(self, event: Event) -> None:
        self.append_sync(event)

    async def append_many(self, events: list[Event]) -> None:
        for incident_id in dict.fromkeys(event.incident_id for event in events):
            log = self.log(incident_id)
            if not log.path.exists():
                raise UnknownIncident(incident_id)
            try:
                log.append_many([event for event in events if event.incident_id == incident_id])
            except OSError as error:
                raise StoreError(f"cannot write {log.path}: {error}") from None

    async def append_once(self, event: Event) -> bool:
        return self.append_once_sync(event)

    async def load(self, incident_id: str) -> LoadResult:
        return self.load_sync(incident_id)

    async def incident_ids(self) -> list[str]:
        return self.incident_ids_sync()

    def changes(self, incident_id: str) -> AsyncIterator[list[Event]]:
        """Events appended by any writer from now on (the starting point is taken here)."""
        log = self.log(incident_id)
        offset, line = 0, 1
        with suppress(FileNotFoundError):
            offset, line = complete_lines_end(log.path)
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
