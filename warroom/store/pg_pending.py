"""What a console shows of the offline queue: its own queued events, and what cannot go.

The queue file is shared by every process on a data folder, so its length is not what a
console queued. `QueueView` keeps the ids this process queued until they are known to be
sent: by this process, by another one (they left the file), or seen coming back from the
database. `unsent` counts the events of any queue in the folder that will not go without a
person (set aside, or waiting on a server that refuses), re-read only when a queue file
changes.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterable

from warroom.model.events import Event
from warroom.store.queue import OfflineQueue
from warroom.store.queue_report import folder_signature, noun, unsent_in

RECHECK_SECONDS = 0.2


class QueueView:
    def __init__(self, queue: OfflineQueue) -> None:
        self.queue = queue
        self._mine: set[str] = set()
        self._checked = 0.0
        self._unsent: tuple[object, int, str] = (None, 0, "events")

    def queued(self, event: Event) -> None:
        self._mine.add(event.id)

    def gone(self, events: Iterable[Event]) -> None:
        """These events are in the database (or set aside): no longer this console's."""
        if self._mine:
            self._mine.difference_update(event.id for event in events)

    def recheck(self) -> None:
        """Forget queued events no longer waiting in the file (another process sent them)."""
        self._checked = time.monotonic()
        if not self._mine:
            return
        with contextlib.suppress(OSError):
            waiting = {event.id for event in self.queue.events()}
            self._mine &= waiting

    def own_count(self) -> int:
        if self._mine and time.monotonic() - self._checked > RECHECK_SECONDS:
            self.recheck()
        return len(self._mine)

    def unsent(self) -> tuple[int, str]:
        """(events in this folder's queues that cannot be sent, "notes" or "events")."""
        signature = folder_signature(self.queue.folder)
        if signature != self._unsent[0]:
            events = unsent_in(self.queue.folder)
            self._unsent = (signature, len(events), noun(events, 2))
        return self._unsent[1], self._unsent[2]
