"""The PostgreSQL schema: built from an empty database, re-run harmlessly, never downgraded."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from tests.support.pgstore import make_store
from tests.support.postgres import PostgresCluster
from warroom.model.events import EventKind, new_event
from warroom.store.base import StoreError
from warroom.store.pg_schema import LATEST_VERSION, MIGRATIONS, SchemaTooNew

pytestmark = pytest.mark.postgres


def tables(cluster: PostgresCluster, db: str) -> list[str]:
    out = cluster.psql(
        "SELECT table_name FROM information_schema.tables "
        "WHERE table_name LIKE 'warroom%' ORDER BY table_name",
        db=db,
    )
    return out.splitlines()


async def test_migrate_builds_an_empty_database_then_does_nothing(
    database: tuple[PostgresCluster, str], tmp_path: Path
) -> None:
    cluster, db = database
    assert tables(cluster, db) == []
    store = make_store(cluster.dsn(db=db), tmp_path)
    version, applied = await store.migrate()
    assert version == LATEST_VERSION
    assert [m.version for m in applied] == [m.version for m in MIGRATIONS]
    assert tables(cluster, db) == [
        "warroom_events",
        "warroom_id_counters",
        "warroom_incident_list",
        "warroom_incidents",
        "warroom_schema_version",
    ]
    assert cluster.psql("SELECT version FROM warroom_schema_version", db=db) == "1"

    version, applied = await store.migrate()
    assert (version, applied) == (LATEST_VERSION, [])
    assert cluster.psql("SELECT count(*) FROM warroom_schema_version", db=db) == "1"
    await store.close()


async def test_first_use_migrates_once_even_when_two_consoles_start_together(
    database: tuple[PostgresCluster, str], tmp_path: Path
) -> None:
    cluster, db = database
    stores = [make_store(cluster.dsn(db=db), tmp_path / name) for name in "abc"]
    results = await asyncio.gather(*(store.incident_ids() for store in stores))
    assert results == [[], [], []]
    assert cluster.psql("SELECT count(*) FROM warroom_schema_version", db=db) == "1"
    for store in stores:
        await store.close()


async def test_a_newer_schema_is_refused_not_written(
    database: tuple[PostgresCluster, str], tmp_path: Path
) -> None:
    cluster, db = database
    store = make_store(cluster.dsn(db=db), tmp_path)
    await store.migrate()
    cluster.psql("INSERT INTO warroom_schema_version (version, name) VALUES (99, 'x')", db=db)
    with pytest.raises(SchemaTooNew, match="version 99"):
        await store.migrate()

    newcomer = make_store(cluster.dsn(db=db), tmp_path / "other")
    event = new_event("INC-20261123-1", EventKind.NOTE, "me", {"text": "hello"})
    with pytest.raises(StoreError, match="upgrade warroom"):
        await newcomer.append(event)
    assert newcomer.connection_state().queued == 0  # refused loudly, not queued
    await newcomer.close()
    await store.close()


async def test_the_notify_trigger_and_listing_view_exist(
    database: tuple[PostgresCluster, str], tmp_path: Path
) -> None:
    cluster, db = database
    store = make_store(cluster.dsn(db=db), tmp_path)
    declared = await store.declare(
        lambda incident_id: new_event(incident_id, EventKind.DECLARED, "me", {"title": "Disk"})
    )
    await store.append(new_event(declared.incident_id, EventKind.NOTE, "me", {"text": "x"}))
    row = cluster.psql("SELECT id, title, events FROM warroom_incident_list", db=db)
    assert row == f"{declared.incident_id}|Disk|2"
    assert (
        cluster.psql(
            "SELECT count(*) FROM pg_trigger WHERE tgname = 'warroom_events_notify'", db=db
        )
        == "1"
    )
    await store.close()
