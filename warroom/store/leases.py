"""Leases: which one of several processes sharing an incident does a job (writing probe
changes to its timeline), taken over by another when the holder dies.

`FileLease` is an exclusive `flock` on a file beside the local store's incidents: the
kernel releases it when the holder's process ends, however it ends. PostgreSQL's lease
(an advisory lock held by a connection) is `warroom.store.pg_lease.AdvisoryLease`. Both
answer `acquire()` (True while this process holds it, trying to take it otherwise) and
`release()`.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from pathlib import Path
from typing import Protocol

from warroom.private_files import FILE_MODE


class Lease(Protocol):
    description: str

    async def acquire(self) -> bool:
        """True while held by this process; else one attempt to take it."""
        ...

    async def check(self) -> bool:
        """Whether the lease is still held (a look at the connection, for PostgreSQL)."""
        ...

    async def release(self) -> None: ...


class HeldLease:
    """The lease of a store nobody else shares (tests, a store without leases)."""

    description = "held (store not shared)"

    async def acquire(self) -> bool:
        return True

    async def check(self) -> bool:
        return True

    async def release(self) -> None:
        return None


class FileLease:
    """An exclusive, non-blocking `flock` on `path`, kept open while held."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.description = f"file lock {path.name}"
        self._fd: int | None = None

    async def acquire(self) -> bool:
        if self._fd is not None:
            return True
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, FILE_MODE)
        except OSError:
            return False  # a folder we cannot write: nobody writes probe changes there
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            return False
        self._fd = fd
        return True

    async def check(self) -> bool:
        return self._fd is not None

    async def release(self) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            with contextlib.suppress(OSError):
                fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)
