"""Live updates between consoles through LISTEN/NOTIFY, within bounded waits."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.support.pgstore import WAIT, Watcher, make_store
from warroom.cli import main as cli_main
from warroom.model.events import Event, EventKind, NoteKind, new_event
from warroom.model.incident import IncidentState, fold
from warroom.model.severity import PRESETS
from warroom.services.incidents import IncidentService
from warroom.services.session import IncidentSession
from warroom.store.postgres import PostgresStore

pytestmark = pytest.mark.postgres
LADDER = PRESETS["sev1-sev3"]


class Console:
    """What a console does with the store: a session following one incident."""

    def __init__(self, store: PostgresStore, author: str) -> None:
        self.store = store
        self.service = IncidentService(store, author, LADDER)
        self.session: IncidentSession | None = None
        self._changed = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def open(self, incident_id: str) -> Console:
        self.session = await IncidentSession(self.service, incident_id).open()
        self._task = asyncio.get_running_loop().create_task(
            self.session.follow(lambda _fresh: self._changed.set())
        )
        return self

    @property
    def state(self) -> IncidentState:
        assert self.session is not None
        return self.session.state

    async def wait_until(self, check: Callable[[IncidentState], bool]) -> IncidentState:
        async def until() -> IncidentState:
            while not check(self.state):
                self._changed.clear()
                await self._changed.wait()
            return self.state

        return await asyncio.wait_for(until(), WAIT)

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
        if self.session is not None:
            await self.session.close()
        await self.store.close()


async def test_a_note_a_tick_and_a_severity_change_reach_the_other_console(
    dsn: str, tmp_path: Path
) -> None:
    scribe = Console(make_store(dsn, tmp_path / "scribe"), "Sam")
    declared = await scribe.service.declare("Checkout errors", "SEV-2", scenario="db-down")
    incident_id = declared.incident_id
    await scribe.open(incident_id)
    ic = await Console(make_store(dsn, tmp_path / "ic"), "Ivy").open(incident_id)

    note = await scribe.service.note(incident_id, "5xx at 40% on checkout", NoteKind.FINDING)
    tick = await scribe.service.set_step(incident_id, "db-down", "replicas", "Check replicas", True)
    change = await scribe.service.set_severity(scribe.state, "SEV-1")
    assert change is not None

    state = await ic.wait_until(lambda s: {note.id, tick.id, change.id} <= {e.id for e in s.events})
    assert state.severity == "SEV-1"
    assert tick.id in {event.id for event in state.checked_steps.values()}
    assert [e.text for e in state.notes()] == ["5xx at 40% on checkout"]
    # The writer's own console shows the same, and both agree event for event.
    mine = await scribe.wait_until(lambda s: change.id in {e.id for e in s.events})
    assert [e.id for e in mine.events] == [e.id for e in state.events]
    await ic.close()
    await scribe.close()


async def test_three_consoles_writing_at_once_end_up_identical(dsn: str, tmp_path: Path) -> None:
    consoles = [Console(make_store(dsn, tmp_path / n), n) for n in ("ic", "ops", "comms")]
    declared = await consoles[0].service.declare("Search down", "SEV-1")
    for console in consoles:
        await console.open(declared.incident_id)

    async def write(console: Console) -> list[Event]:
        return [
            await console.service.note(declared.incident_id, f"{console.service.author} {i}")
            for i in range(10)
        ]

    written = await asyncio.gather(*(write(console) for console in consoles))
    expected = {declared.id} | {event.id for batch in written for event in batch}
    states = [
        await console.wait_until(lambda s: {e.id for e in s.events} == expected)
        for console in consoles
    ]
    orders = [[e.id for e in state.events] for state in states]
    assert orders[0] == orders[1] == orders[2]
    assert orders[0] == [e.id for e in fold(states[0].events).events]
    for console in consoles:
        await console.close()


async def test_a_cli_command_shows_up_in_a_console(dsn: str, tmp_path: Path) -> None:
    ic = Console(make_store(dsn, tmp_path / "ic"), "Ivy")
    declared = await ic.service.declare("Queue backlog", "SEV-2")
    await ic.open(declared.incident_id)
    argv = ["--store", dsn, "--author", "cli", "note", declared.incident_id, "from a shell"]
    assert await asyncio.to_thread(cli_main, argv) == 0
    state = await ic.wait_until(lambda s: len(s.notes()) == 1)
    assert state.notes()[0].text == "from a shell"
    assert state.notes()[0].event.author == "cli"
    await ic.close()


async def test_streams_see_their_incident_only_and_end_when_closed(
    dsn: str, tmp_path: Path
) -> None:
    writer, reader = make_store(dsn, tmp_path / "w"), make_store(dsn, tmp_path / "r")
    make = lambda i: new_event(i, EventKind.DECLARED, "w", {"title": "t"})  # noqa: E731
    first, second = await writer.declare(make), await writer.declare(make)
    watch_first = Watcher(reader, first.incident_id)
    await watch_first.wait_for_ids([first.id])  # the catch-up of a stream opened cold
    assert reader.hub.listening
    # A stream opened while listening gets what follows (no catch-up needed).
    watch_second = Watcher(reader, second.incident_id)
    note = new_event(second.incident_id, EventKind.NOTE, "w", {"text": "second only"})
    await writer.append(note)
    await watch_second.wait_for_ids([note.id])
    assert note.id not in watch_first.ids()

    await watch_second.close()
    assert watch_second.stream.incident_id not in reader.hub.streams
    await reader.close()
    await asyncio.wait_for(watch_first._task, WAIT)  # store.close() ends every stream
    await writer.close()


async def test_a_burst_arrives_whole_and_once(dsn: str, tmp_path: Path) -> None:
    writer, reader = make_store(dsn, tmp_path / "w"), make_store(dsn, tmp_path / "r")
    declared = await writer.declare(lambda i: new_event(i, EventKind.DECLARED, "w", {}))
    await reader.load(declared.incident_id)
    watcher = Watcher(reader, declared.incident_id)
    notes = [
        new_event(declared.incident_id, EventKind.NOTE, "w", {"text": str(i)}) for i in range(200)
    ]
    await asyncio.gather(*(writer.append(note) for note in notes))
    events = await watcher.wait_for_ids([note.id for note in notes])
    ids = [e.id for e in events]
    assert len(ids) == len(set(ids))
    await watcher.close()
    await reader.close()
    await writer.close()
