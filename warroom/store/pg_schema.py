"""The PostgreSQL schema of the shared store and the migrations that build it.

Every table is prefixed `warroom_` so the store can live in a database a team already runs.
`warroom_schema_version` records which migrations were applied. Migrations run in one
transaction under an advisory lock, so two consoles starting at once against an empty
database do not trip over each other, and a failed migration leaves nothing half-built.
A database whose schema is newer than this warroom is refused rather than written to.

Tables (version 1):
- `warroom_incidents`: one row per incident id (the listing; the declare lock).
- `warroom_id_counters`: the last incident number handed out per UTC day.
- `warroom_events`: one row per event, keyed by the event id (inserts are idempotent);
  `seq` (a bigserial) orders them per incident in the order they were stored. `at`,
  `recorded_at`, `author`, `kind` and `payload` (jsonb) are there to query; `event_json`
  is the event exactly as written, which is what warroom reads back (jsonb reorders keys
  and cannot hold NUL, and an export must match the local files byte for byte). An
  insert notifies channel `warroom_events` with `{"incident": ..., "id": ...}`.
- `warroom_incident_list` (a view): id, title, declared_at, events, last_event_at.
"""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg

from warroom.store.base import StoreError

VERSION_TABLE = "warroom_schema_version"
NOTIFY_CHANNEL = "warroom_events"
# pg_advisory_xact_lock key: the bytes "warroom" as a number.
MIGRATION_LOCK = 0x77617272_6F6F6D


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str


MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        1,
        "events, incidents, id counters, notify trigger, incident list view",
        f"""
CREATE TABLE warroom_incidents (
    id          text PRIMARY KEY,
    day         text NOT NULL,
    number      integer NOT NULL,
    title       text NOT NULL DEFAULT '',
    declared_at timestamptz,
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE warroom_id_counters (
    day         text PRIMARY KEY,
    last_number integer NOT NULL
);

CREATE TABLE warroom_events (
    id          text PRIMARY KEY,
    seq         bigserial NOT NULL UNIQUE,
    incident_id text NOT NULL REFERENCES warroom_incidents (id),
    kind        text NOT NULL,
    at          timestamptz NOT NULL,
    recorded_at timestamptz NOT NULL,
    author      text NOT NULL DEFAULT '',
    payload     jsonb NOT NULL DEFAULT '{{}}'::jsonb,
    event_json  text NOT NULL,
    stored_at   timestamptz NOT NULL DEFAULT now()
);
COMMENT ON COLUMN warroom_events.event_json IS
    'The event exactly as warroom wrote it (key order, NUL characters): what warroom reads.'
    ' The other columns are a copy for ordering and queries.';

CREATE INDEX warroom_events_incident_seq ON warroom_events (incident_id, seq);

CREATE FUNCTION warroom_notify_event() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify(
        '{NOTIFY_CHANNEL}',
        json_build_object('incident', NEW.incident_id, 'id', NEW.id)::text
    );
    RETURN NULL;
END
$$;

CREATE TRIGGER warroom_events_notify
    AFTER INSERT ON warroom_events
    FOR EACH ROW EXECUTE FUNCTION warroom_notify_event();

CREATE VIEW warroom_incident_list AS
    SELECT i.id, i.title, i.declared_at,
           count(e.id) AS events, max(e.at) AS last_event_at
    FROM warroom_incidents i
    LEFT JOIN warroom_events e ON e.incident_id = i.id
    GROUP BY i.id, i.title, i.declared_at;
""",
    ),
)

LATEST_VERSION = MIGRATIONS[-1].version


class SchemaTooNew(StoreError):
    def __init__(self, found: int) -> None:
        super().__init__(
            f"the database schema is at version {found}, newer than this warroom knows "
            f"({LATEST_VERSION}): upgrade warroom before using this database"
        )
        self.found = found


async def current_version(conn: asyncpg.Connection) -> int:
    """The schema version of the database; 0 when warroom never ran there."""
    exists = await conn.fetchval("SELECT to_regclass($1) IS NOT NULL", VERSION_TABLE)
    if not exists:
        return 0
    return int(await conn.fetchval(f"SELECT coalesce(max(version), 0) FROM {VERSION_TABLE}"))


async def migrate(conn: asyncpg.Connection) -> list[Migration]:
    """Bring the schema up to date; returns the migrations applied (none when current)."""
    found = await current_version(conn)
    if found == LATEST_VERSION:
        return []
    if found > LATEST_VERSION:
        raise SchemaTooNew(found)
    applied: list[Migration] = []
    async with conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock($1)", MIGRATION_LOCK)
        await conn.execute(
            f"""CREATE TABLE IF NOT EXISTS {VERSION_TABLE} (
                    version    integer PRIMARY KEY,
                    name       text NOT NULL,
                    applied_at timestamptz NOT NULL DEFAULT now()
                )"""
        )
        # Re-read under the lock: another console may have migrated meanwhile.
        found = int(await conn.fetchval(f"SELECT coalesce(max(version), 0) FROM {VERSION_TABLE}"))
        if found > LATEST_VERSION:
            raise SchemaTooNew(found)
        for migration in MIGRATIONS:
            if migration.version <= found:
                continue
            await conn.execute(migration.sql)
            await conn.execute(
                f"INSERT INTO {VERSION_TABLE} (version, name) VALUES ($1, $2)",
                migration.version,
                migration.name,
            )
            applied.append(migration)
    return applied
