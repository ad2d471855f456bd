"""Helpers for the PostgreSQL store tests: a database per test (`OwnDatabase` when the test
stops and starts the server under it), stores, change watchers."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from tests.support.postgres import PostgresCluster
from warroom.model.events import Event
from warroom.store.postgres import PostgresStore

WAIT = 20.0  # seconds: a bound on every wait, never a sleep


def create_database(cluster: PostgresCluster) -> str:
    name = f"w_{uuid.uuid4().hex[:12]}"
    cluster.psql(f"CREATE DATABASE {name}")
    return name


def drop_database(cluster: PostgresCluster, name: str) -> None:
    with contextlib.suppress(Exception):
        cluster.psql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@dataclass
class OwnDatabase:
    """A test's own database in a cluster it may stop and start (`stop`, `start`): `dsn`
    and `psql` name that database unless told another."""

    cluster: PostgresCluster
    name: str

    @property
    def port(self) -> int:
        return self.cluster.port

    @property
    def user(self) -> str:
        return self.cluster.user

    def dsn(self, user: str | None = None, password: str | None = None, db: str = "") -> str:
        return self.cluster.dsn(user, password, db or self.name)

    def psql(self, sql: str, db: str = "") -> str:
        return self.cluster.psql(sql, db or self.name)

    def stop(self) -> None:
        self.cluster.stop()

    def start(self) -> None:
        self.cluster.start()


def make_store(dsn: str, folder: Path) -> PostgresStore:
    """A store as a console would open it (its own queue folder)."""
    store = PostgresStore(dsn, queue_dir=folder / "queue")
    store.heartbeat_interval = 2.0
    store.hub.heartbeat = 2.0
    return store


class Watcher:
    """Reads `store.changes(incident_id)` in a task and keeps every batch it yields."""

    def __init__(self, store: PostgresStore, incident_id: str) -> None:
        self.stream = store.changes(incident_id)
        self.batches: list[list[Event]] = []
        self._changed = asyncio.Condition()
        self._task = asyncio.get_running_loop().create_task(self._pump())

    async def _pump(self) -> None:
        async for batch in self.stream:
            async with self._changed:
                self.batches.append(batch)
                self._changed.notify_all()

    @property
    def events(self) -> list[Event]:
        return [event for batch in self.batches for event in batch]

    def ids(self) -> list[str]:
        return [event.id for event in self.events]

    async def wait_for(
        self, predicate: Callable[[list[Event]], bool], timeout: float = WAIT
    ) -> list[Event]:
        async def until() -> list[Event]:
            async with self._changed:
                await self._changed.wait_for(lambda: predicate(self.events))
                return self.events

        return await asyncio.wait_for(until(), timeout)

    async def wait_for_ids(self, ids: list[str], timeout: float = WAIT) -> list[Event]:
        wanted = set(ids)
        return await self.wait_for(lambda events: wanted <= {e.id for e in events}, timeout)

    async def close(self) -> None:
        await self.stream.aclose()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait_for(self._task, WAIT)


async def wait_until(predicate: Callable[[], bool], timeout: float = WAIT) -> None:
    """Check a condition until it holds, for at most `timeout` seconds."""

    async def poll() -> None:
        while not predicate():
            await asyncio.sleep(0.01)

    await asyncio.wait_for(poll(), timeout)
