"""The PostgreSQL store as a store: ids, idempotent appends, loading exactly what went in."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.support.pgstore import make_store, wait_until
from tests.support.postgres import PostgresCluster
from warroom.model.events import Event, EventKind, NoteKind, new_event
from warroom.model.incident import fold
from warroom.model.postmortem import to_json, to_markdown
from warroom.model.severity import PRESETS
from warroom.services.incidents import IncidentService
from warroom.store.base import IncidentStore, LoadResult, UnknownIncident
from warroom.store.local import LocalStore
from warroom.store.postgres import PostgresStore

pytestmark = pytest.mark.postgres
LADDER = PRESETS["sev1-sev3"]


@pytest.fixture
async def store(dsn: str, tmp_path: Path) -> PostgresStore:
    store = make_store(dsn, tmp_path / "a")
    yield store
    await store.close()


def declared_by(author: str, title: str = "Checkout errors"):  # type: ignore[no-untyped-def]
    return lambda incident_id: new_event(
        incident_id,
        EventKind.DECLARED,
        author,
        {"title": title, "severity": "SEV-2", "ladder": LADDER.id},
    )


def count_rows(dsn_cluster: PostgresCluster, db: str, where: str = "true") -> int:
    return int(dsn_cluster.psql(f"SELECT count(*) FROM warroom_events WHERE {where}", db=db))


async def test_it_is_an_incident_store(store: PostgresStore) -> None:
    assert isinstance(store, IncidentStore)


async def test_two_consoles_declaring_at_once_get_different_ids(dsn: str, tmp_path: Path) -> None:
    first, second = make_store(dsn, tmp_path / "a"), make_store(dsn, tmp_path / "b")
    declares = [s.declare(declared_by(f"r{i}")) for i in range(6) for s in (first, second)]
    events = await asyncio.gather(*declares)
    ids = [event.incident_id for event in events]
    day = datetime.now(UTC).strftime("%Y%m%d")
    assert sorted(ids, key=lambda i: int(i.rsplit("-", 1)[1])) == [
        f"INC-{day}-{n}" for n in range(1, 13)
    ]
    assert await first.incident_ids() == sorted(ids)
    for incident_id in ids:
        loaded = await second.load(incident_id)
        assert [e.kind for e in loaded.events] == [EventKind.DECLARED]
    await first.close()
    await second.close()


async def test_the_same_event_sent_twice_is_stored_once(
    dsn: str, tmp_path: Path, postgres_cluster: PostgresCluster
) -> None:
    first, second = make_store(dsn, tmp_path / "a"), make_store(dsn, tmp_path / "b")
    declared = await first.declare(declared_by("ic"))
    note = new_event(declared.incident_id, EventKind.NOTE, "ic", {"text": "once"})
    await first.append(note)
    await first.append(note)
    await second.append(note)
    db = dsn.rsplit("/", 1)[1]
    assert count_rows(postgres_cluster, db, f"id = '{note.id}'") == 1
    loaded = await second.load(declared.incident_id)
    assert [e.id for e in loaded.events] == [declared.id, note.id]
    await first.close()
    await second.close()


async def test_load_gives_back_exactly_what_went_in(store: PostgresStore) -> None:
    declared = await store.declare(declared_by("ic"))
    incident_id = declared.incident_id
    at = datetime(2026, 11, 23, 9, 15, 0, 123456, tzinfo=UTC)
    odd = [
        new_event(incident_id, EventKind.NOTE, "Zoë", {"text": "naïve — 漢字 🚒"}),
        new_event(incident_id, EventKind.NOTE, "ic", {"text": "nul\x00 inside", "n": [1, 2.5]}),
        new_event(incident_id, EventKind.NOTE, "ic", {"text": "[bold]not markup[/]"}, at=at),
        Event(incident_id, EventKind.NOTE, at, "ic\x00x", {"text": "no recorded_at"}),
        new_event(incident_id, EventKind.PROBE_STATE_CHANGED, "warroom", {"reason": None}),
    ]
    for event in odd:
        await store.append(event)
    loaded = await store.load(incident_id)
    assert loaded.problems == []
    # recorded_at is always written out (as `at` when missing), as in the local store.
    expected = [Event.from_dict(e.to_dict()) for e in [declared, *odd]]
    assert loaded.events == expected


async def test_database_and_local_files_give_the_same_post_mortem(
    store: PostgresStore, tmp_path: Path
) -> None:
    start = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
    times = iter(start + timedelta(minutes=i) for i in range(99))
    now = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
    events: list[Event] = []
    writer = IncidentService(_Recorder(events), "Alice", LADDER, clock=lambda: next(times))
    await writer.declare("Payments down", "SEV-1", roles={"IC": "Alice"}, impact="EU cards")
    incident_id = events[0].incident_id
    await writer.note(incident_id, "Error rate 40%", NoteKind.FINDING)
    await writer.set_severity(fold(events), "SEV-2")
    await writer.note(incident_id, "Roll back", NoteKind.DECISION, at=start - timedelta(hours=1))
    await writer.set_step(incident_id, "db-down", "check-replicas", "Check replicas", True)
    await writer.set_status(fold(events), "resolved")

    local = LocalStore(tmp_path / "local")
    local.declare_sync(lambda _id: events[0])
    outcome = await store.import_incident(events[:1])
    assert outcome.incident_id == incident_id
    for target in (store, local):
        for event in events[1:]:
            await target.append(event)
    from_db, from_files = await store.load(incident_id), await local.load(incident_id)
    assert from_db.events == from_files.events
    db_state, file_state = fold(from_db.events), fold(from_files.events)
    assert to_markdown(db_state, LADDER, now) == to_markdown(file_state, LADDER, now)
    assert to_json(db_state, LADDER, now) == to_json(file_state, LADDER, now)


class _Recorder:
    """A store stand-in that only records events (to write the same ones twice)."""

    def __init__(self, events: list[Event]) -> None:
        self.events = events

    async def declare(self, make_declared):  # type: ignore[no-untyped-def]
        event = make_declared("INC-20261123-1")
        self.events.append(event)
        return event

    async def append(self, event: Event) -> None:
        self.events.append(event)

    async def load(self, incident_id: str) -> LoadResult:  # a backdated note asks for it
        return LoadResult(events=list(self.events))


async def test_unknown_incidents_are_reported_as_such(store: PostgresStore) -> None:
    with pytest.raises(UnknownIncident):
        await store.load("INC-20000101-1")
    with pytest.raises(UnknownIncident):
        await store.append(new_event("INC-20000101-1", EventKind.NOTE, "me", {"text": "x"}))
    assert store.connection_state().queued == 0


async def test_a_row_of_an_unknown_kind_is_a_problem_not_a_crash(
    store: PostgresStore, dsn: str, postgres_cluster: PostgresCluster
) -> None:
    declared = await store.declare(declared_by("ic"))
    db = dsn.rsplit("/", 1)[1]
    future = new_event(declared.incident_id, EventKind.NOTE, "x", {}).to_dict()
    future.update(id="future-1", kind="hologram")
    postgres_cluster.psql(
        "INSERT INTO warroom_events (id, incident_id, kind, at, recorded_at, event_json) "
        f"VALUES ('future-1', '{declared.incident_id}', 'hologram', now(), now(), "
        f"'{json.dumps(future)}')",
        db=db,
    )
    loaded = await store.load(declared.incident_id)
    assert [e.id for e in loaded.events] == [declared.id]
    assert len(loaded.problems) == 1
    assert "hologram" in loaded.problems[0].message


async def test_concurrent_severity_changes_are_both_kept_and_agreed_on(
    dsn: str, tmp_path: Path
) -> None:
    first, second = make_store(dsn, tmp_path / "a"), make_store(dsn, tmp_path / "b")
    moment = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
    alice = IncidentService(first, "Alice", LADDER, clock=lambda: moment)
    bob = IncidentService(second, "Bob", LADDER, clock=lambda: moment)
    declared = await alice.declare("API slow", "SEV-3")
    state_a, state_b = (
        await alice.state(declared.incident_id),
        await bob.state(declared.incident_id),
    )
    await asyncio.gather(alice.set_severity(state_a, "SEV-1"), bob.set_severity(state_b, "SEV-2"))
    after_a = await alice.state(declared.incident_id)
    after_b = await bob.state(declared.incident_id)
    changes = [e for e in after_a.events if e.kind is EventKind.SEVERITY_CHANGED]
    assert sorted(e.author for e in changes) == ["Alice", "Bob"]
    assert after_a.severity == after_b.severity
    assert after_a.severity_history == after_b.severity_history
    await first.close()
    await second.close()


async def test_connections_say_who_they_are(
    store: PostgresStore, dsn: str, postgres_cluster: PostgresCluster
) -> None:
    declared = await store.declare(declared_by("ic"))
    stream = store.changes(declared.incident_id)
    await wait_until(lambda: store.hub.listening)
    db = dsn.rsplit("/", 1)[1]
    names = postgres_cluster.psql(
        f"SELECT application_name FROM pg_stat_activity WHERE datname = '{db}'"
    ).splitlines()
    assert names.count("warroom") == 2  # one for queries, one for LISTEN
    await stream.aclose()


async def test_a_queued_event_the_database_refuses_is_set_aside_not_retried_forever(
    dsn: str, tmp_path: Path
) -> None:
    first = make_store(dsn, tmp_path)
    declared = await first.declare(declared_by("ic"))
    await first.close()
    # Left in the queue by an earlier run: one for an incident this database never had.
    later = make_store(dsn, tmp_path)
    stray = new_event("INC-20000101-7", EventKind.NOTE, "ic", {"text": "elsewhere"})
    good = new_event(declared.incident_id, EventKind.NOTE, "ic", {"text": "kept"})
    later.queue.add(stray)
    later.queue.add(good)
    loaded = await later.load(declared.incident_id)
    assert [e.id for e in loaded.events] == [declared.id, good.id]
    assert later.queue.count() == 0
    rejected = later.queue.rejected()
    assert [r.event.id for r in rejected] == [stray.id]
    assert "INC-20000101-7 is not in" in rejected[0].reason
    assert later.connection_state().unsent == 1
    await later.close()
