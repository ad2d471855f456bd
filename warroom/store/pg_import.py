"""`warroom db import`: upload an incident kept in local files into the shared database.

The incident is recognised by its declared event's id, so importing twice adds only what
is missing. It keeps its id unless the database already has a different incident under
that id (local files and the database number incidents independently): then it gets the
next free number of the same day, and the outcome says so. Events keep their ids and are
inserted in their local order, in one transaction.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import asyncpg

from warroom.model.events import Event, EventKind
from warroom.model.ids import ID_PATTERN
from warroom.model.incident import ordered
from warroom.store.base import StoreError
from warroom.store.pg_rows import (
    INCIDENT_OF_EVENT,
    INSERT_EVENT,
    INSERT_INCIDENT,
    NEXT_NUMBER,
    RAISE_COUNTER,
    event_params,
)


@dataclass(frozen=True)
class ImportOutcome:
    source_id: str
    incident_id: str
    inserted: int
    already_there: int

    @property
    def renumbered(self) -> bool:
        return self.source_id != self.incident_id


async def _target_id(conn: asyncpg.Connection, declared: Event) -> str:
    existing = await conn.fetchval(INCIDENT_OF_EVENT, declared.id)
    if existing:
        return str(existing)
    source_id = declared.incident_id
    title = str(declared.payload.get("title", ""))
    match = ID_PATTERN.match(source_id)
    if match:
        day, number = match[1], int(match[2])
        await conn.execute(RAISE_COUNTER, day, number)
        if await conn.fetchval(INSERT_INCIDENT, source_id, day, number, title, declared.at):
            return source_id
    else:
        day = declared.at.strftime("%Y%m%d")
    while True:
        number = await conn.fetchval(NEXT_NUMBER, day)
        incident_id = f"INC-{day}-{number}"
        if await conn.fetchval(INSERT_INCIDENT, incident_id, day, number, title, declared.at):
            return incident_id


async def import_events(conn: asyncpg.Connection, events: list[Event]) -> ImportOutcome:
    declared = [event for event in ordered(events) if event.kind is EventKind.DECLARED]
    if not declared:
        raise StoreError("the incident has no declared event: nothing to import")
    source_id = declared[0].incident_id
    async with conn.transaction():
        target = await _target_id(conn, declared[0])
        ids = [event.id for event in events]
        present = {
            row["id"]
            for row in await conn.fetch(
                "SELECT id FROM warroom_events WHERE id = ANY($1::text[])", ids
            )
        }
        fresh: list[Event] = []
        for event in events:
            if event.id in present:
                continue
            present.add(event.id)
            fresh.append(dataclasses.replace(event, incident_id=target))
        if fresh:
            await conn.executemany(INSERT_EVENT, [event_params(event) for event in fresh])
    return ImportOutcome(source_id, target, len(fresh), len(events) - len(fresh))
