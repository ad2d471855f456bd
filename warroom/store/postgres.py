"""The shared store: every console and CLI command on one PostgreSQL database.

`PostgresStore` implements `IncidentStore` over the schema in `pg_schema` (applied on first
use). One connection runs queries, one at a time; a second one LISTENs for live updates
(`pg_listen`). Both are made with `application_name='warroom'` and no prepared-statement
cache, so they work through PgBouncer (LISTEN itself needs a session, not a pooled
transaction).

- `declare` hands out the next `INC-YYYYMMDD-N` in the database: a per-day counter row is
  incremented in the same transaction that inserts the incident and its declared event,
  so two consoles declaring at once get different ids. It needs the database.
- `append` inserts by event id with ON CONFLICT DO NOTHING (sending twice stores once).
  When the database cannot be reached (refused connection, timeout, too many clients, a
  server shutting down or starting up) the event goes to the fsynced local queue
  (`queue.OfflineQueue`, one per server identity, `pg_identity`) and `append` returns; a
  background task reconnects with backoff, sends the queue in order (`pg_send`), then goes
  back online. Appends wait behind the queue, so nothing overtakes it. Only an incident
  this machine has seen through this server (`pg_known`) may be written to offline.
- When the server answers and refuses (no such database or role, a wrong password, no
  privilege, a schema newer than this warroom: checked on every (re)connect) nothing is
  queued: the write raises StoreError saying why. A running console keeps retrying slowly
  and stops writing meanwhile; what it had queued stays queued, with the reason recorded
  beside the queue (`<key>.refused`) so every command and the header show it.
- `load` reads the incident in storage order; offline, it returns what this process
  already had plus the queued events, with a problem line saying so.
- The DSN's password is registered with `warroom.redact` and every error is described
  through `describe_error`, which redacts: no asyncpg exception escapes as is.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

import asyncpg

from warroom.model.events import Event
from warroom.model.ids import ID_PATTERN
from warroom.redact import redact_text, register_dsn_secrets
from warroom.store.base import ConnectionState, LoadProblem, LoadResult, StoreError, UnknownIncident
from warroom.store.pg_identity import server_identity
from warroom.store.pg_import import ImportOutcome, import_events
from warroom.store.pg_known import KnownIncidents
from warroom.store.pg_listen import ChangeHub, ChangeStream
from warroom.store.pg_pending import QueueView
from warroom.store.pg_rows import (
    INCIDENT_EXISTS,
    INSERT_EVENT,
    INSERT_INCIDENT,
    NEXT_NUMBER,
    SELECT_INCIDENT_EVENTS,
    SELECT_INCIDENT_IDS,
    describe_error,
    event_from_row,
    event_params,
    is_refusal,
    is_unreachable,
    safe_target,
)
from warroom.store.pg_schema import Migration, SchemaTooNew, current_version, migrate
from warroom.store.pg_send import connection_trouble, send_queue
from warroom.store.queue import OfflineQueue, queue_key

log = logging.getLogger(__name__)
T = TypeVar("T")


class _Offline(Exception):
    """Internal: the database cannot be reached; take the offline path."""


def refusal_reason(error: BaseException) -> str | None:
    """Why the server refuses us for good (see `pg_rows.is_refusal`), or None."""
    if isinstance(error, SchemaTooNew):
        return str(error)
    if is_refusal(error):
        return describe_error(error)
    return None


class PostgresStore:
    """Incidents in a PostgreSQL database shared by several consoles."""

    reconnect_delays: tuple[float, ...] = (0.05, 0.1, 0.25, 0.5, 1.0, 2.0)
    refused_retry = 5.0  # seconds between attempts while the server refuses us
    connect_timeout = 5.0
    command_timeout = 15.0
    heartbeat_interval = 10.0

    def __init__(self, dsn: str, queue_dir: Path) -> None:
        self._dsn = dsn
        register_dsn_secrets(dsn)  # as written and percent-decoded; $PGPASSWORD too
        self.target = safe_target(dsn)
        self.description = f"PostgreSQL {self.target}"
        folder = Path(queue_dir)
        self.identity = server_identity(dsn, folder)
        self.queue = OfflineQueue(folder, self.identity.key, redact_text(self.identity.label))
        self.seen_incidents = KnownIncidents(folder / f"{self.identity.key}.known")
        self.queue.absorb(OfflineQueue(folder, queue_key(self.target)))  # an older name
        self._conn: asyncpg.Connection | None = None
        self._lock = asyncio.Lock()  # one statement at a time on the query connection
        self._connecting = asyncio.Lock()
        self._online = False
        self._detail = "not connected yet"
        self._refused = ""  # why the server refuses us, while it does
        self._closed = False
        self._reconnect_task: asyncio.Task[None] | None = None
        self._health_task: asyncio.Task[None] | None = None
        self._known: dict[str, dict[str, Event]] = {}
        self.view = QueueView(self.queue)  # what this console queued; what cannot go
        self.hub = ChangeHub(
            self._connect,
            self._from_database,
            self._suspect,
            self.reconnect_delays,
            self.heartbeat_interval,
        )

    # Connections -----------------------------------------------------------------------

    async def _connect(self) -> asyncpg.Connection:
        return await asyncpg.connect(
            self._dsn,
            timeout=self.connect_timeout,
            command_timeout=self.command_timeout,
            statement_cache_size=0,
            server_settings={"application_name": "warroom"},
        )

    async def lease_connection(self, settings: dict[str, str]) -> asyncpg.Connection:
        """A connection of its own for a lease (`warroom.store.pg_lease`)."""
        return await asyncpg.connect(
            self._dsn,
            timeout=self.connect_timeout,
            command_timeout=self.command_timeout,
            statement_cache_size=0,
            server_settings={"application_name": "warroom lease", **settings},
        )

    def _drop(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None and not conn.is_closed():
            conn.terminate()

    def _on_terminated(self, conn: object) -> None:
        if conn is self._conn:
            self._go_offline(
                asyncpg.exceptions.ConnectionDoesNotExistError("connection to the database lost")
            )

    async def _open(self) -> None:
        """Connect, check (and bring up) the schema version, send the queue, go online.
        Caller holds `_connecting`. The version is checked on every (re)connect: a console
        that was open when a newer warroom migrated the database stops writing."""
        async with self._lock:
            self._drop()
            conn = await self._connect()
            try:
                await migrate(conn)
                self._conn = conn
                conn.add_termination_listener(self._on_terminated)
                await self._send_queued(conn)
            except BaseException:
                self._conn = None
                conn.terminate()
                raise
            # No await between finding the queue empty and going online: a queued append
            # of this process cannot slip in behind the queue.
            self._online = True
            self._detail = ""
            self._refused = ""

    def _refuse(self, reason: str) -> None:
        """The server answers and refuses us: stop writing, say why, retry slowly."""
        if reason != self._refused:
            log.info("%s refuses warroom: %s", self.description, reason)
        self._refused = reason
        self._online = False
        self._detail = f"refuses warroom: {reason}"
        self._drop()
        if self.queue.count():
            self.queue.set_refused(reason)
        self._start_reconnect()

    def _refused_error(self) -> StoreError:
        return StoreError(f"{self.description} refuses warroom: {self._refused}")

    def _go_offline(self, error: BaseException) -> None:
        was_online = self._online
        self._online = False
        self._detail = f"unreachable: {describe_error(error)}"
        self._drop()
        if was_online:
            log.info("%s %s; queueing events locally", self.description, self._detail)
        self._start_reconnect()

    def _start_reconnect(self) -> None:
        if self._closed or (self._reconnect_task and not self._reconnect_task.done()):
            return
        self._reconnect_task = asyncio.get_running_loop().create_task(
            self._reconnect(), name="warroom-pg-reconnect"
        )

    async def _reconnect(self) -> None:
        attempt = 0
        while not self._closed:
            delay = self.reconnect_delays[min(attempt, len(self.reconnect_delays) - 1)]
            await asyncio.sleep(self.refused_retry if self._refused else delay)
            attempt += 1
            try:
                async with self._connecting:
                    if self._online:
                        return
                    await self._open()
                return
            except asyncio.CancelledError:
                raise
            except Exception as error:
                reason = refusal_reason(error)
                if reason is not None:
                    self._refuse(reason)
                elif not self._refused:  # refused stays refused until a connection works
                    self._detail = f"unreachable: {describe_error(error)}"

    def _reconnecting(self) -> bool:
        return self._reconnect_task is not None and not self._reconnect_task.done()

    async def _ensure_online(self) -> bool:
        if self._closed:
            raise StoreError("the PostgreSQL store is closed")
        if self._online:
            return True
        if self._refused:
            raise self._refused_error()
        if self._reconnecting():
            return False
        async with self._connecting:
            if self._online:
                return True
            if self._refused:
                raise self._refused_error()
            if self._reconnecting():
                return False
            try:
                await self._open()
            except Exception as error:
                reason = refusal_reason(error)
                if reason is not None:
                    self._refuse(reason)
                    raise self._refused_error() from None
                if isinstance(error, StoreError):
                    raise
                if not is_unreachable(error):
                    raise StoreError(f"{self.description}: {describe_error(error)}") from None
                self._go_offline(error)
                return False
        return True

    def _suspect(self, error: BaseException) -> None:
        """The listen connection failed: check the query connection too, soon."""
        if self._online and (self._health_task is None or self._health_task.done()):
            self._health_task = asyncio.get_running_loop().create_task(self._check_health())

    async def _check_health(self) -> None:
        with contextlib.suppress(_Offline, StoreError):
            await self._run(lambda conn: conn.fetchval("SELECT 1", timeout=self.connect_timeout))

    async def _run(self, work: Callable[[asyncpg.Connection], Awaitable[T]]) -> T:
        """Run `work` on the query connection; `_Offline` when the database is away."""
        if not await self._ensure_online():
            raise _Offline
        async with self._lock:
            conn = self._conn
            if not self._online or conn is None:
                raise _Offline
            try:
                return await work(conn)
            except StoreError:
                raise
            except Exception as error:
                if connection_trouble(conn, error):
                    self._go_offline(error)
                    raise _Offline from None
                reason = refusal_reason(error)
                if reason is not None:
                    self._refuse(reason)
                    raise self._refused_error() from None
                raise StoreError(f"{self.description}: {describe_error(error)}") from None

    # The offline queue -----------------------------------------------------------------

    async def _send_queued(self, conn: asyncpg.Connection) -> None:
        """Send queued events in order (caller holds `_lock`); unreachable errors raise."""
        outcome = await send_queue(conn, self.queue, self.target, self.view.recheck)
        if outcome.busy:
            return  # another process on this machine is sending them
        self.view.gone([*outcome.sent, *outcome.rejected])
        self.seen_incidents.add(event.incident_id for event in outcome.sent)
        self.queue.clear_refused()

    def _enqueue(self, event: Event) -> None:
        self.queue.add(event)
        self.view.queued(event)
        self._remember([event])
        self.hub.publish([event])
        if not self._online:
            self._start_reconnect()

    def _may_queue(self, incident_id: str) -> bool:
        return incident_id in self._known or incident_id in self.seen_incidents

    # Keeping what this process knows ---------------------------------------------------

    def _from_database(self, events: list[Event]) -> None:
        """Events read from the database (the LISTEN hub): stored, so no longer queued."""
        self.view.gone(events)
        self._remember(events)

    def _remember(self, events: list[Event]) -> None:
        for event in events:
            known = self._known.get(event.incident_id)
            if known is not None:
                known.setdefault(event.id, event)

    def _stored(self, events: list[Event]) -> None:
        self._remember(events)
        self.hub.publish(events)

    # The IncidentStore interface -------------------------------------------------------

    async def declare(self, make_declared: Callable[[str], Event]) -> Event:
        async def work(conn: asyncpg.Connection) -> Event:
            now = datetime.now(UTC)
            day = now.strftime("%Y%m%d")
            async with conn.transaction():
                while True:
                    number = await conn.fetchval(NEXT_NUMBER, day)
                    incident_id = f"INC-{day}-{number}"
                    assert ID_PATTERN.match(incident_id)
                    event = make_declared(incident_id)
                    if event.incident_id != incident_id:
                        raise StoreError("the declared event must use the id it was given")
                    title = str(event.payload.get("title", ""))
                    args = (incident_id, day, number, title, event.at)
                    if await conn.fetchval(INSERT_INCIDENT, *args):
                        break
                await conn.execute(INSERT_EVENT, *event_params(event))
            return event

        try:
            event = await self._run(work)
        except _Offline:
            raise StoreError(
                f"cannot declare: {self.description} is {self._detail} (the database hands out "
                "incident ids). Declare it locally without --store, then upload it with "
                "`warroom db import ID` when the database is back."
            ) from None
        self._known[event.incident_id] = {event.id: event}
        self.seen_incidents.add([event.incident_id])
        self._stored([event])
        return event

    async def append(self, event: Event) -> None:
        await self._insert(event, publish_duplicate=True)

    async def append_many(self, events: list[Event]) -> None:
        for event in events:  # each durable and published (or queued) as `append` does
            await self._insert(event, publish_duplicate=True)

    async def append_once(self, event: Event) -> bool:
        """Insert the event; False when the database already held its id (another console
        stored it first: its copy reaches us through LISTEN, ours is not published).
        Offline, the event is queued and True is returned: a duplicate id sent later is
        dropped by the database."""
        return await self._insert(event, publish_duplicate=False)

    async def _insert(self, event: Event, publish_duplicate: bool) -> bool:
        async def work(conn: asyncpg.Connection) -> bool:
            if self.queue.has_pending():
                await self._send_queued(conn)
            try:
                status = await conn.execute(INSERT_EVENT, *event_params(event))
            except asyncpg.exceptions.ForeignKeyViolationError:
                raise UnknownIncident(event.incident_id) from None
            return not str(status).endswith(" 0")

        try:
            inserted = await self._run(work)
        except _Offline:
            if not self._may_queue(event.incident_id):
                raise StoreError(
                    f"not saved: {self.description} is {self._detail}, and this machine has "
                    f"never seen incident {event.incident_id} there, so the write cannot be "
                    "queued (check the id: `warroom incidents` once the database is back)"
                ) from None
            self._enqueue(event)
            return True
        except StoreError as error:
            if self._refused:
                raise StoreError(f"not saved: {error}") from None
            raise
        self.seen_incidents.add([event.incident_id])
        if inserted or publish_duplicate:
            self._stored([event])
        return inserted

    async def load(self, incident_id: str) -> LoadResult:
        async def work(conn: asyncpg.Connection) -> list[asyncpg.Record]:
            rows = await conn.fetch(SELECT_INCIDENT_EVENTS, incident_id)
            if not rows and not await conn.fetchval(INCIDENT_EXISTS, incident_id):
                raise UnknownIncident(incident_id)
            return list(rows)

        try:
            rows = await self._run(work)
        except _Offline:
            return self._load_offline(incident_id)
        result = LoadResult()
        for row in rows:
            try:
                result.events.append(event_from_row(row))
            except ValueError as error:
                source = f"{self.target} warroom_events seq"
                result.problems.append(LoadProblem(source, row["seq"], describe_error(error)))
        self._known[incident_id] = {event.id: event for event in result.events}
        self.seen_incidents.add([incident_id])
        return result

    def _load_offline(self, incident_id: str) -> LoadResult:
        known = self._known.get(incident_id)
        if known is None:
            raise StoreError(f"cannot load {incident_id}: {self.description} is {self._detail}")
        events = dict(known)
        for event in self.queue.events():
            if event.incident_id == incident_id:
                events.setdefault(event.id, event)
        problem = LoadProblem(
            self.target,
            0,
            f"database {self._detail}; showing the events this process had and the queued ones",
        )
        return LoadResult(events=list(events.values()), problems=[problem])

    async def incident_ids(self) -> list[str]:
        async def work(conn: asyncpg.Connection) -> list[str]:
            return [row["id"] for row in await conn.fetch(SELECT_INCIDENT_IDS)]

        try:
            ids = await self._run(work)
        except _Offline:
            if self._known:
                return sorted(self._known)
            message = f"cannot list incidents: {self.description} is {self._detail}"
            raise StoreError(message) from None
        self.seen_incidents.add(ids)
        return ids

    def changes(self, incident_id: str) -> ChangeStream:
        if self._closed:
            raise StoreError("the PostgreSQL store is closed")
        return self.hub.subscribe(incident_id, self._known.get(incident_id, {}))

    def connection_state(self) -> ConnectionState:
        if self._online and (self._conn is None or self._conn.is_closed()):
            with contextlib.suppress(RuntimeError):  # no running loop: report only
                self._go_offline(ConnectionError("connection to the database lost"))
        detail = self.description if self._online else f"{self.description} {self._detail}"
        try:
            unsent, noun = self.view.unsent()
        except OSError:
            unsent, noun = 0, "events"
        return ConnectionState(
            online=self._online,
            queued=self.view.own_count(),
            detail=detail,
            unsent=unsent,
            unsent_noun=noun,
            refused=self._refused,
        )

    async def close(self) -> None:
        self._closed = True
        for task in (self._reconnect_task, self._health_task):
            if task is not None and not task.done():
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
        await self.hub.close()
        conn, self._conn = self._conn, None
        self._online = False
        self._detail = "closed"
        if conn is not None and not conn.is_closed():
            try:
                await asyncio.wait_for(conn.close(), 2.0)
            except Exception:
                conn.terminate()

    # Beyond the protocol: `warroom db` ---------------------------------------------------

    async def migrate(self) -> tuple[int, list[Migration]]:
        """Apply pending migrations now; (schema version, migrations applied)."""
        try:
            conn = await self._connect()
        except Exception as error:
            raise StoreError(f"{self.description}: {describe_error(error)}") from None
        try:
            applied = await migrate(conn)
            return await current_version(conn), applied
        except StoreError:
            raise
        except Exception as error:
            raise StoreError(f"{self.description}: {describe_error(error)}") from None
        finally:
            conn.terminate()

    async def send_queue_now(self) -> bool:
        """Connect if need be, which sends the queue (`warroom db queue retry`); False
        when the database is unreachable, StoreError when it refuses."""
        return await self._ensure_online()

    async def import_incident(self, events: list[Event]) -> ImportOutcome:
        """Upload a local incident's events (see `pg_import.import_events`)."""
        try:
            outcome = await self._run(lambda conn: import_events(conn, events))
        except _Offline:
            raise StoreError(f"cannot import: {self.description} is {self._detail}") from None
        return outcome
