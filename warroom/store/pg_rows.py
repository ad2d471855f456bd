"""Events to rows and back, the SQL the shared store runs, and how its errors read.

An event is stored with its fields in columns (the payload as jsonb) for SQL, and whole as
JSON text in `event_json`, which is what is read back: jsonb reorders object keys and
cannot hold the NUL character (untrusted text such as an HTTP body in a probe reason may
contain one), and what goes in must come out as from the local store, key order included.

Errors: `is_unreachable` says whether an error means "the database cannot be reached
right now" (queue and retry); `is_refusal` that the server answered and said no for good
(no such database or role, a wrong password, no privilege): tell the user, queue nothing.
`describe_error` is the one place an asyncpg error becomes text, and it always goes
through `redact_text`, because connection errors can quote the DSN.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import unquote, urlsplit

import asyncpg

from warroom.model.events import Event
from warroom.redact import redact_text

EVENT_COLUMNS = "id, event_json, seq"

INSERT_EVENT = """
INSERT INTO warroom_events
    (id, incident_id, kind, at, recorded_at, author, payload, event_json)
VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8)
ON CONFLICT (id) DO NOTHING
"""
SELECT_INCIDENT_EVENTS = (
    f"SELECT {EVENT_COLUMNS} FROM warroom_events WHERE incident_id = $1 ORDER BY seq"
)
SELECT_EVENTS_BY_ID = (
    f"SELECT {EVENT_COLUMNS} FROM warroom_events WHERE id = ANY($1::text[]) ORDER BY seq"
)
SELECT_EVENT_IDS = "SELECT id FROM warroom_events WHERE incident_id = $1"
INCIDENT_EXISTS = "SELECT EXISTS (SELECT 1 FROM warroom_incidents WHERE id = $1)"
SELECT_INCIDENT_IDS = "SELECT id FROM warroom_incidents ORDER BY id"
NEXT_NUMBER = """
INSERT INTO warroom_id_counters AS c (day, last_number) VALUES ($1, 1)
ON CONFLICT (day) DO UPDATE SET last_number = c.last_number + 1
RETURNING last_number
"""
RAISE_COUNTER = """
INSERT INTO warroom_id_counters AS c (day, last_number) VALUES ($1, $2)
ON CONFLICT (day) DO UPDATE SET last_number = greatest(c.last_number, EXCLUDED.last_number)
"""
INSERT_INCIDENT = """
INSERT INTO warroom_incidents (id, day, number, title, declared_at)
VALUES ($1, $2, $3, $4, $5)
ON CONFLICT (id) DO NOTHING
RETURNING id
"""
INCIDENT_OF_EVENT = "SELECT incident_id FROM warroom_events WHERE id = $1"

_NUL_ESCAPE = "\\u0000"


def event_params(event: Event) -> tuple[Any, ...]:
    """The parameters of INSERT_EVENT for this event."""
    payload = json.dumps(dict(event.payload), ensure_ascii=False, separators=(",", ":"))
    exact = json.dumps(event.to_dict(), ensure_ascii=False, separators=(",", ":"))
    return (
        event.id,
        event.incident_id,
        str(event.kind),
        event.at,
        event.recorded,
        event.author.replace("\x00", "\ufffd"),
        payload.replace(_NUL_ESCAPE, "\\ufffd"),
        exact,
    )


def event_from_row(row: Mapping[str, Any]) -> Event:
    """The event a row holds; raises EventError (a ValueError) for one we cannot read."""
    return Event.from_dict(json.loads(row["event_json"]))


# Connection trouble that passes: queue the event and retry later.
_UNREACHABLE = (
    OSError,  # connection refused, no route, reset
    TimeoutError,
    asyncpg.exceptions.PostgresConnectionError,  # class 08, and "connection lost"
    asyncpg.exceptions.AdminShutdownError,  # 57P01: the server is shutting down
    asyncpg.exceptions.CrashShutdownError,  # 57P02: a backend crashed, all restart
    asyncpg.exceptions.CannotConnectNowError,  # 57P03: starting up, shutting down
    asyncpg.exceptions.QueryCanceledError,  # 57014: statement timeout under load
    asyncpg.exceptions.InsufficientResourcesError,  # class 53: too many clients (53300)
)

# The server answers, and says no: waiting will not help, a person must act. Nothing is
# queued; the command fails with one line (and a running console stops writing).
_REFUSED = (
    asyncpg.exceptions.InvalidCatalogNameError,  # 3D000: no such database
    asyncpg.exceptions.InvalidAuthorizationSpecificationError,  # 28000: role, pg_hba
    asyncpg.exceptions.InvalidPasswordError,  # 28P01: wrong password (a subclass of 28000)
    asyncpg.exceptions.InsufficientPrivilegeError,  # 42501: no right to the tables
    asyncpg.exceptions.DatabaseDroppedError,  # 57P04: the database was dropped
    asyncpg.exceptions.UndefinedTableError,  # 42P01: the tables are gone
)


def is_unreachable(error: BaseException) -> bool:
    """True when the error means we cannot talk to the database right now."""
    return isinstance(error, _UNREACHABLE) and not is_refusal(error)


def is_refusal(error: BaseException) -> bool:
    """True when the database answers that it will not take our writes (see _REFUSED);
    `pg_schema.SchemaTooNew` (a StoreError) is one too, checked where it is raised."""
    return isinstance(error, _REFUSED)


def describe_error(error: BaseException) -> str:
    """One line saying what went wrong, with every secret masked."""
    if isinstance(error, asyncpg.exceptions.PostgresError):
        text = str(error) or type(error).__name__
    elif isinstance(error, OSError) and error.strerror:
        text = error.strerror
    elif isinstance(error, TimeoutError):
        text = "timed out"
    else:
        text = str(error) or type(error).__name__
    text = " ".join(text.split())
    if len(text) > 200:
        text = text[:199] + "…"
    return redact_text(text)


def safe_target(dsn: str) -> str:
    """`user@host:port/db`: where the store points, without the password."""
    try:
        parts = urlsplit(dsn)
    except ValueError:
        return "(unreadable DSN)"
    try:
        where = f"{parts.hostname or 'localhost'}:{parts.port or 5432}"
    except ValueError:  # a port that is not a number: show it as written
        where = parts.netloc.rsplit("@", 1)[-1]
    user = unquote(parts.username) if parts.username else ""
    database = parts.path.lstrip("/") or user or "postgres"
    who = f"{user}@" if user else ""
    return redact_text(f"{who}{where}/{unquote(database)}")
