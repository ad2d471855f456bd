"""The database goes away mid-incident and comes back: nothing lost, nothing doubled."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.support.pgstore import OwnDatabase, Watcher, make_store, wait_until
from warroom.model.events import EventKind, new_event
from warroom.model.incident import fold
from warroom.model.severity import PRESETS
from warroom.services.incidents import IncidentService
from warroom.store.base import StoreError
from warroom.store.postgres import PostgresStore
from warroom.store.queue_report import queue_reports, to_markdown

pytestmark = pytest.mark.postgres
LADDER = PRESETS["sev1-sev3"]


def note_texts(events: list) -> list[str]:  # type: ignore[type-arg]
    return [e.payload["text"] for e in events if e.kind is EventKind.NOTE]


async def test_database_stopped_mid_incident_loses_nothing_and_doubles_nothing(
    fresh_postgres: OwnDatabase, tmp_path: Path
) -> None:
    dsn = fresh_postgres.dsn()
    ic_store, ops_store = make_store(dsn, tmp_path / "ic"), make_store(dsn, tmp_path / "ops")
    ic = IncidentService(ic_store, "Ivy", LADDER)
    ops = IncidentService(ops_store, "Oz", LADDER)
    declared = await ic.declare("Primary database unreachable", "SEV-1")
    incident_id = declared.incident_id
    watchers = [Watcher(store, incident_id) for store in (ic_store, ops_store)]
    for store in (ic_store, ops_store):
        await store.load(incident_id)
    before = await ic.note(incident_id, "before the outage")
    for watcher in watchers:
        await watcher.wait_for_ids([before.id])

    await asyncio.to_thread(fresh_postgres.stop)
    # Both consoles notice without writing anything (their connections were closed).
    await wait_until(lambda: not ic_store.connection_state().online)
    await wait_until(lambda: not ops_store.connection_state().online)

    during = []
    for i in range(3):
        during.append(await ic.note(incident_id, f"ic while down {i}"))
        during.append(await ops.note(incident_id, f"ops while down {i}"))
    assert ic_store.connection_state().queued == 3
    assert ops_store.connection_state().queued == 3
    assert "unreachable" in ic_store.connection_state().detail
    # Each console already shows its own queued notes, and can still load the incident.
    await watchers[0].wait_for_ids([e.id for e in during if e.author == "Ivy"])
    offline = await ic_store.load(incident_id)
    assert offline.problems and "unreachable" in offline.problems[0].message
    assert {e.id for e in during if e.author == "Ivy"} <= {e.id for e in offline.events}

    await asyncio.to_thread(fresh_postgres.start)
    after = None
    await wait_until(lambda: ic_store.connection_state().online)
    after = await ic.note(incident_id, "after the outage")

    expected = [before, *sorted(during, key=lambda e: e.sort_key), after]
    for watcher in watchers:
        await watcher.wait_for_ids([e.id for e in expected])
        notes = [e for e in watcher.events if e.kind is EventKind.NOTE]
        assert sorted(e.id for e in notes) == sorted(e.id for e in expected)  # once each
        for author in ("Ivy", "Oz"):  # each console's notes arrive in the order written
            arrived = [e.id for e in notes if e.author == author]
            assert arrived == [e.id for e in expected if e.author == author]
        # and the timeline they make is in time order, whatever the order of arrival
        assert note_texts(fold(watcher.events).events) == note_texts(expected)
    for store in (ic_store, ops_store):
        loaded = await store.load(incident_id)
        assert loaded.problems == []
        assert note_texts(fold(loaded.events).events) == note_texts(expected)
        assert store.connection_state().queued == 0
        assert store.connection_state().online
    count = fresh_postgres.psql("SELECT count(*) FROM warroom_events WHERE kind = 'note'")
    assert count == str(len(expected))
    for watcher in watchers:
        await watcher.close()
    await ic_store.close()
    await ops_store.close()


async def test_queued_events_survive_the_console_and_go_with_the_next_command(
    fresh_postgres: OwnDatabase, tmp_path: Path
) -> None:
    dsn = fresh_postgres.dsn()
    first = make_store(dsn, tmp_path)
    declared = await first.declare(lambda i: new_event(i, EventKind.DECLARED, "ic", {}))
    await asyncio.to_thread(fresh_postgres.stop)
    queued = [
        new_event(declared.incident_id, EventKind.NOTE, "ic", {"text": f"q{i}"}) for i in range(4)
    ]
    for event in queued:
        await first.append(event)
    await first.close()  # the console quits (or crashes) with the database still down
    assert first.queue.count() == 4

    await asyncio.to_thread(fresh_postgres.start)
    later = make_store(dsn, tmp_path)  # same data folder, so the same queue
    loaded = await later.load(declared.incident_id)  # first use sends the queue first
    assert [e.id for e in loaded.events] == [declared.id, *(e.id for e in queued)]
    assert later.queue.count() == 0
    assert later.queue.path.stat().st_size == 0
    await later.close()


async def test_a_write_that_finds_the_database_gone_is_queued(
    fresh_postgres: OwnDatabase, tmp_path: Path
) -> None:
    store = make_store(fresh_postgres.dsn(), tmp_path)
    declared = await store.declare(lambda i: new_event(i, EventKind.DECLARED, "ic", {}))
    # Stop the server without letting the loop run: the store still thinks it is online.
    fresh_postgres.stop()
    note = new_event(declared.incident_id, EventKind.NOTE, "ic", {"text": "in flight"})
    await store.append(note)
    assert store.connection_state().queued == 1
    fresh_postgres.start()
    await wait_until(lambda: store.connection_state().online)
    loaded = await store.load(declared.incident_id)
    assert [e.id for e in loaded.events] == [declared.id, note.id]
    await store.close()


async def test_declaring_needs_the_database_and_says_what_to_do(
    fresh_postgres: OwnDatabase, tmp_path: Path
) -> None:
    await asyncio.to_thread(fresh_postgres.stop)
    store = make_store(fresh_postgres.dsn(), tmp_path)
    with pytest.raises(StoreError, match="warroom db import"):
        await store.declare(lambda i: new_event(i, EventKind.DECLARED, "ic", {}))
    with pytest.raises(StoreError, match="unreachable"):
        await store.load("INC-20261123-1")
    assert not store.connection_state().online
    await store.close()


async def test_the_password_never_shows(
    fresh_postgres: OwnDatabase,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    secret = "pw_Zq9x_secret"
    # The database is named like the password, so that server errors quote it.
    wrong = PostgresStore(fresh_postgres.dsn(password=secret, db=secret), tmp_path / "q1")
    right = PostgresStore(fresh_postgres.dsn(password=secret), tmp_path / "q2")
    seen: list[str] = [wrong.description, right.description]
    declared = await right.declare(lambda i: new_event(i, EventKind.DECLARED, "ic", {}))
    seen.append(repr(right.connection_state()))
    note = new_event(declared.incident_id, EventKind.NOTE, "ic", {"text": "x"})
    with pytest.raises(StoreError) as refused:  # 'database does not exist': refused
        await wrong.append(note)
    seen.append(str(refused.value))
    assert 'database "***" does not exist' in str(refused.value)
    seen.append(repr(wrong.connection_state()))
    assert wrong.connection_state().queued == 0 and wrong.queue.count() == 0
    for attempt in (wrong.load(declared.incident_id), wrong.declare(lambda i: note)):
        with pytest.raises(StoreError) as caught:
            await attempt
        seen.append(str(caught.value))
    await asyncio.to_thread(fresh_postgres.stop)
    await wait_until(lambda: not right.connection_state().online)
    await right.append(note)
    seen.append(repr(right.connection_state()))
    seen.append(repr((await right.load(declared.incident_id)).problems))
    await right.close()
    await wrong.close()
    seen.extend(record.getMessage() for record in caplog.records)
    assert not (tmp_path / "q1").exists()  # refused: nothing queued, nothing written
    for path in (tmp_path / "q2").iterdir():
        seen.extend([path.name, path.read_text()])
    seen.append(to_markdown(queue_reports(tmp_path / "q2"), datetime.now(UTC)))
    assert right.queue.count() == 1 and "x" in seen[-1]  # the queued note is in the export
    assert all(secret not in text for text in seen), [t for t in seen if secret in t]
