"""Live updates from PostgreSQL: one LISTEN connection feeding every `changes()` stream.

`ChangeHub` keeps one dedicated connection that LISTENs on `warroom_events`. A
notification carries an incident id and an event id; the hub collects the ids of
incidents someone watches and fetches their rows in one query per wake-up, so a burst of
events arrives as one batch. Each `ChangeStream` remembers the ids it has yielded and
never yields one twice.

Nothing is missed across a lost connection: when the hub (re)connects it LISTENs first
and then, for every stream, compares the incident's event ids in the database with those
the stream has seen, and fetches the difference ("catch-up"). A stream opened while the
hub is listening needs no catch-up (every later commit will be notified); a stream opened
before (the first one, or during an outage) gets one, which may repeat events its reader
loaded itself: readers drop duplicates by id, as the store protocol says.

A heartbeat query on the idle connection notices a silent network loss; a lost
connection is reopened with backoff. The hub never raises into its streams.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable, Iterable, Sequence

import asyncpg

from warroom.model.events import Event
from warroom.store.pg_rows import (
    SELECT_EVENT_IDS,
    SELECT_EVENTS_BY_ID,
    describe_error,
    event_from_row,
)
from warroom.store.pg_schema import NOTIFY_CHANNEL

log = logging.getLogger(__name__)

FETCH_CHUNK = 1000


class ChangeStream:
    """Batches of new events of one incident (an async iterator; `aclose()` ends it)."""

    def __init__(self, hub: ChangeHub, incident_id: str, seen: Iterable[str]) -> None:
        self.hub = hub
        self.incident_id = incident_id
        self.seen: set[str] = set(seen)
        self.needs_catch_up = True
        self._batches: asyncio.Queue[list[Event] | None] = asyncio.Queue()
        self._ended = False

    def deliver(self, events: Iterable[Event]) -> None:
        fresh = [e for e in events if e.incident_id == self.incident_id and e.id not in self.seen]
        if not fresh or self._ended:
            return
        fresh.sort(key=lambda event: event.sort_key)
        self.seen.update(event.id for event in fresh)
        self._batches.put_nowait(fresh)

    def end(self) -> None:
        if not self._ended:
            self._ended = True
            self._batches.put_nowait(None)

    def __aiter__(self) -> ChangeStream:
        return self

    async def __anext__(self) -> list[Event]:
        if self._ended and self._batches.empty():
            raise StopAsyncIteration
        self.hub.start()
        batch = await self._batches.get()
        if batch is None:
            raise StopAsyncIteration
        return batch

    async def aclose(self) -> None:
        self.hub.unsubscribe(self)
        self.end()


class ChangeHub:
    """The LISTEN connection and the streams it feeds."""

    def __init__(
        self,
        connect: Callable[[], Awaitable[asyncpg.Connection]],
        remember: Callable[[list[Event]], None],
        on_trouble: Callable[[BaseException], None],
        delays: Sequence[float],
        heartbeat: float,
    ) -> None:
        self._connect = connect
        self._remember = remember
        self._on_trouble = on_trouble
        self.delays = delays
        self.heartbeat = heartbeat
        self.streams: dict[str, set[ChangeStream]] = {}
        self.listening = False
        self.detail = ""
        self._pending: dict[str, str] = {}  # event id -> incident id, in arrival order
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._closed = False

    # Streams ---------------------------------------------------------------------------

    def subscribe(self, incident_id: str, seen: Iterable[str]) -> ChangeStream:
        stream = ChangeStream(self, incident_id, seen)
        stream.needs_catch_up = not self.listening
        self.streams.setdefault(incident_id, set()).add(stream)
        self.start()
        self._wake.set()
        return stream

    def unsubscribe(self, stream: ChangeStream) -> None:
        group = self.streams.get(stream.incident_id)
        if group is not None:
            group.discard(stream)
            if not group:
                del self.streams[stream.incident_id]

    def publish(self, events: Iterable[Event]) -> None:
        """Hand events this process knows about (its own writes) to the streams."""
        events = list(events)
        for incident_id in {event.incident_id for event in events}:
            for stream in list(self.streams.get(incident_id, ())):
                stream.deliver(events)

    # The listening task ----------------------------------------------------------------

    def start(self) -> None:
        if self._closed or (self._task is not None and not self._task.done()):
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return  # started by the first __anext__ instead
        self._task = loop.create_task(self._run(), name="warroom-pg-listen")

    async def close(self) -> None:
        self._closed = True
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
            self._task = None
        for group in list(self.streams.values()):
            for stream in list(group):
                stream.end()
        self.streams.clear()

    async def _run(self) -> None:
        attempt = 0
        while not self._closed:
            conn: asyncpg.Connection | None = None
            try:
                conn = await self._connect()
                conn.add_termination_listener(lambda _conn: self._wake.set())
                await conn.add_listener(NOTIFY_CHANNEL, self._on_notify)
                self.listening = True
                self.detail = ""
                attempt = 0
                for group in self.streams.values():
                    for stream in group:
                        stream.needs_catch_up = True
                await self._serve(conn)
            except asyncio.CancelledError:
                raise
            except Exception as error:
                self.detail = describe_error(error)
                log.debug("listen connection: %s", self.detail)
                if self.listening:
                    self._on_trouble(error)
            finally:
                self.listening = False
                if conn is not None:
                    conn.terminate()
            delay = self.delays[min(attempt, len(self.delays) - 1)]
            attempt += 1
            await asyncio.sleep(delay)

    async def _serve(self, conn: asyncpg.Connection) -> None:
        while True:
            self._wake.clear()
            if conn.is_closed():
                raise asyncpg.exceptions.ConnectionDoesNotExistError("listen connection lost")
            await self._catch_up(conn)
            await self._fetch_pending(conn)
            if self._wake.is_set():
                continue
            try:  # asyncio.timeout, not wait_for: see warroom.runtime.scheduler.run
                async with asyncio.timeout(self.heartbeat):
                    await self._wake.wait()
            except TimeoutError:
                await conn.fetchval("SELECT 1", timeout=max(1.0, self.heartbeat / 2))

    def _on_notify(self, _conn: object, _pid: int, _channel: str, payload: str) -> None:
        try:
            data = json.loads(payload)
            incident_id, event_id = str(data["incident"]), str(data["id"])
        except (ValueError, KeyError, TypeError):
            return
        if incident_id in self.streams:
            self._pending[event_id] = incident_id
            self._wake.set()

    async def _fetch(self, conn: asyncpg.Connection, ids: list[str]) -> list[Event]:
        events: list[Event] = []
        for start in range(0, len(ids), FETCH_CHUNK):
            rows = await conn.fetch(SELECT_EVENTS_BY_ID, ids[start : start + FETCH_CHUNK])
            for row in rows:
                try:
                    events.append(event_from_row(row))
                except ValueError as error:  # a kind a newer warroom wrote: load reports it
                    log.debug("skipping event %s: %s", row["id"], error)
        return events

    def _deliver(self, events: list[Event]) -> None:
        if not events:
            return
        self._remember(events)
        self.publish(events)

    async def _catch_up(self, conn: asyncpg.Connection) -> None:
        waiting: dict[str, list[ChangeStream]] = {}
        for incident_id, group in self.streams.items():
            for stream in group:
                if stream.needs_catch_up:
                    waiting.setdefault(incident_id, []).append(stream)
        for incident_id, streams in waiting.items():
            ids = {row["id"] for row in await conn.fetch(SELECT_EVENT_IDS, incident_id)}
            missing: set[str] = set()
            for stream in streams:
                missing |= ids - stream.seen
            events = await self._fetch(conn, sorted(missing))
            for stream in streams:
                stream.needs_catch_up = False
                stream.deliver(events)
            self._remember(events)

    async def _fetch_pending(self, conn: asyncpg.Connection) -> None:
        pending, self._pending = self._pending, {}
        wanted = [
            event_id
            for event_id, incident_id in pending.items()
            if any(event_id not in stream.seen for stream in self.streams.get(incident_id, ()))
        ]
        if not wanted:
            return
        try:
            events = await self._fetch(conn, wanted)
        except BaseException:
            self._pending = {**pending, **self._pending}
            raise
        self._deliver(events)
