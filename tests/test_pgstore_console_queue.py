"""The console (driven with Pilot) and the store's queue: set-aside events in the header, a
newer schema that stops a running console's writes, and a queued count of its own."""

from __future__ import annotations

import asyncio
from datetime import UTC
from pathlib import Path

import pytest

from tests.support.pgstore import OwnDatabase, make_store, wait_until
from tests.support.postgres import PostgresCluster
from tests.test_pgstore_console import console, main_screen, until
from warroom.model.events import EventKind, new_event
from warroom.model.severity import PRESETS
from warroom.services.incidents import IncidentService
from warroom.ui.panes.header import IncidentHeader
from warroom.ui.panes.note_input import NoteInput

pytestmark = pytest.mark.postgres
LADDER = PRESETS["sev1-sev3"]
assert UTC  # the consoles run in UTC (tests.test_pgstore_console.console)


def header_text(pilot) -> str:  # type: ignore[no-untyped-def]
    header = pilot.app.screen.query_one(IncidentHeader)
    return str(getattr(header.content, "plain", header.content))


async def declare(dsn: str, folder: Path) -> str:
    store = make_store(dsn, folder)
    event = await IncidentService(store, "alice", LADDER).declare("Checkout fails", "SEV-2")
    await store.close()
    return event.incident_id


async def test_set_aside_events_show_in_the_header(dsn: str, tmp_path: Path) -> None:
    incident_id = await declare(dsn, tmp_path / "ivy")
    # Left by an earlier run on this machine: notes for an incident the database lacks.
    leftover = make_store(dsn, tmp_path / "ivy")
    for i in range(3):
        leftover.queue.add(new_event("INC-20000101-9", EventKind.NOTE, "ivy", {"text": f"{i}"}))
    await leftover.close()
    app = console(dsn, tmp_path, "ivy", incident_id)
    async with app.run_test(size=(120, 40)) as pilot:
        await main_screen(pilot)
        await until(pilot, lambda: "could not be sent" in header_text(pilot))
        assert "⚠ 3 notes could not be sent: see `warroom db queue`" in header_text(pilot)
        assert "OFFLINE" not in header_text(pilot)
        assert pilot.app.screen.query_one(IncidentHeader).size.height == 3


async def test_a_newer_schema_stops_a_running_console_after_its_next_reconnect(
    dsn: str, database: tuple[PostgresCluster, str], tmp_path: Path
) -> None:
    cluster, name = database
    incident_id = await declare(dsn, tmp_path / "ivy")
    app = console(dsn, tmp_path, "ivy", incident_id)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await main_screen(pilot)
        store = screen.session.service.store
        await pilot.press("n", *"before the upgrade", "enter", "escape")
        await until(pilot, lambda: len(screen.session.state.notes()) == 1)

        cluster.psql("INSERT INTO warroom_schema_version (version, name) VALUES (99, 'x')", db=name)
        cluster.psql(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            f"WHERE application_name = 'warroom' AND datname = '{name}'"
        )
        await until(pilot, lambda: bool(store.connection_state().refused))
        assert "version 99" in store.connection_state().refused
        await until(pilot, lambda: "DATABASE REFUSES WRITES" in header_text(pilot))
        assert "NOT SAVING" in header_text(pilot)

        await pilot.press("n", *"after the upgrade", "enter")
        await pilot.pause()
        note_input = pilot.app.screen.query_one("#note-input", NoteInput)
        assert note_input.value == "after the upgrade"  # not saved: kept for the IC
        messages = [str(n.message) for n in pilot.app._notifications]
        assert any("not saved" in m and "version 99" in m for m in messages), messages
        assert [n.text for n in screen.session.state.notes()] == ["before the upgrade"]
    count = cluster.psql("SELECT count(*) FROM warroom_events WHERE kind = 'note'", db=name)
    assert count == "1"
    assert store.queue.count() == 0


async def test_the_queued_count_is_each_consoles_own_and_current(
    fresh_postgres: OwnDatabase, tmp_path: Path
) -> None:
    dsn = fresh_postgres.dsn()
    first, second = make_store(dsn, tmp_path), make_store(dsn, tmp_path)  # one data folder
    second.reconnect_delays = (3600.0,)  # it never sends by itself: the first one does
    declared = await first.declare(lambda i: new_event(i, EventKind.DECLARED, "ic", {}))
    await second.load(declared.incident_id)
    await asyncio.to_thread(fresh_postgres.stop)
    for store, count in ((first, 2), (second, 3)):
        for i in range(count):
            await store.append(new_event(declared.incident_id, EventKind.NOTE, "x", {"text": i}))
    assert (first.connection_state().queued, second.connection_state().queued) == (2, 3)
    assert first.queue.count() == 5  # the file is shared; the count shown is not
    await asyncio.to_thread(fresh_postgres.start)
    await wait_until(lambda: first.connection_state().online)
    assert first.connection_state().queued == 0
    await wait_until(lambda: second.connection_state().queued == 0)  # sent by the first
    assert not second.connection_state().online
    assert fresh_postgres.psql("SELECT count(*) FROM warroom_events WHERE kind = 'note'") == "5"
    await first.close()
    await second.close()
