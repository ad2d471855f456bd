"""The incidents a shared database has shown this machine: what an offline write may target.

While the database is away, a note to an incident id nobody can check would be queued and
refused later, long after the person who typed it moved on. So the store keeps a small
record per server (`<key>.known` in the queue folder, one incident id a line, appended
under a lock and fsynced): every incident it declared, loaded, listed or wrote to. Offline,
a write to an incident in the record is queued; any other is refused at once.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterable
from pathlib import Path

from warroom.private_files import FILE_MODE, private_folder


class KnownIncidents:
    """The incident ids one server has shown this machine (any process, any spelling)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._ids: set[str] = set()
        self._read_size = -1

    def _reload(self) -> None:
        try:
            size = self.path.stat().st_size
        except FileNotFoundError:
            return
        if size == self._read_size:
            return
        with contextlib.suppress(OSError):
            text = self.path.read_text(encoding="utf-8", errors="replace")
            self._ids = {line.strip() for line in text.splitlines() if line.strip()}
            self._read_size = size

    def __contains__(self, incident_id: object) -> bool:
        if incident_id in self._ids:
            return True
        self._reload()  # another process may have seen it since
        return incident_id in self._ids

    def add(self, incident_ids: Iterable[str]) -> None:
        """Record these ids (the new ones only); a disk that refuses is not fatal here:
        the record only ever widens what may be queued."""
        fresh = sorted({i for i in incident_ids if i and "\n" not in i} - self._ids)
        if not fresh:
            return
        self._reload()
        fresh = [i for i in fresh if i not in self._ids]
        if not fresh:
            return
        with contextlib.suppress(OSError):
            private_folder(self.path.parent)
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, FILE_MODE)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX)
                os.write(fd, "".join(f"{i}\n" for i in fresh).encode())
                os.fsync(fd)
            finally:
                os.close(fd)
        self._ids.update(fresh)
