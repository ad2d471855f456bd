"""The local JSONL store: durable appends, concurrent writers, crash and corruption."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from warroom.model.events import Event, EventKind, new_event
from warroom.store.base import UnknownIncident
from warroom.store.local import LocalStore

REPO = Path(__file__).resolve().parents[1]


def declare(store: LocalStore) -> str:
    event = store.declare_sync(
        lambda incident_id: new_event(
            incident_id, EventKind.DECLARED, "t", {"title": "x", "severity": "SEV-1"}
        )
    )
    return event.incident_id


def note(incident_id: str, text: str) -> Event:
    return new_event(incident_id, EventKind.NOTE, "t", {"text": text})


def test_declare_allocates_sequential_ids(tmp_path: Path) -> None:
    store = LocalStore(tmp_path)
    first, second = declare(store), declare(store)
    assert first.endswith("-1") and second.endswith("-2")
    assert store.incident_ids_sync() == [first, second]


def test_corrupt_and_torn_lines_are_reported_and_skipped(tmp_path: Path) -> None:
    store = LocalStore(tmp_path)
    incident = declare(store)
    store.append_sync(note(incident, "one"))
    path = store.log(incident).path
    with open(path, "ab") as handle:
        handle.write(b"{not json}\n")
        handle.write(b'{"id": "x", "kind": "note"}\n')
    store.append_sync(note(incident, "two"))
    with open(path, "ab") as handle:
        handle.write(b'{"id": "torn", "incid')
    result = store.load_sync(incident)
    texts = [e.payload.get("text") for e in result.events if e.kind is EventKind.NOTE]
    assert texts == ["one", "two"]
    assert [(p.line, p.message.split(" (")[0]) for p in result.problems] == [
        (3, "unreadable line"),
        (4, "unreadable line"),
        (6, "truncated last line"),
    ]
    assert all(p.source == str(path) for p in result.problems)
    # An append after a torn line does not glue itself onto the fragment.
    store.append_sync(note(incident, "three"))
    result = store.load_sync(incident)
    texts = [e.payload.get("text") for e in result.events if e.kind is EventKind.NOTE]
    assert texts == ["one", "two", "three"]
    assert "truncated" not in result.problems[-1].message


def test_unknown_incident(tmp_path: Path) -> None:
    store = LocalStore(tmp_path)
    with pytest.raises(UnknownIncident):
        store.load_sync("INC-20990101-1")
    with pytest.raises(UnknownIncident):
        store.append_sync(note("INC-20990101-1", "x"))


WRITER = textwrap.dedent(
    """
    import sys
    from warroom.model.events import Event, EventKind, new_event
    from warroom.store.local import LocalStore
    store = LocalStore(sys.argv[1])
    incident, tag, count = sys.argv[2], sys.argv[3], int(sys.argv[4])
    for n in range(count):
        store.append_sync(new_event(incident, EventKind.NOTE, tag, {"text": f"{tag}-{n}"}))
        print(f"{tag}-{n}", flush=True)
    """
)


def writer(tmp_path: Path, incident: str, tag: str, count: int) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", WRITER, str(tmp_path), incident, tag, str(count)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=REPO,
    )


def test_sigkill_loses_nothing_reported_saved(tmp_path: Path) -> None:
    store = LocalStore(tmp_path)
    incident = declare(store)
    proc = writer(tmp_path, incident, "crash", 1_000_000)
    assert proc.stdout is not None
    saved = [proc.stdout.readline().strip() for _ in range(300)]
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    result = store.load_sync(incident)
    found = {e.payload.get("text") for e in result.events}
    assert set(saved) <= found
    assert len(result.problems) <= 1
    assert all("truncated last line" in p.message for p in result.problems)


def test_two_processes_append_without_interleaving(tmp_path: Path) -> None:
    store = LocalStore(tmp_path)
    incident = declare(store)
    procs = [writer(tmp_path, incident, tag, 400) for tag in ("a", "b")]
    for proc in procs:
        assert proc.wait(timeout=120) == 0
    raw = store.log(incident).path.read_bytes().splitlines()
    assert all(json.loads(line) for line in raw)  # every line whole
    result = store.load_sync(incident)
    assert result.problems == []
    for tag in ("a", "b"):
        texts = [e.payload["text"] for e in result.events if e.author == tag]
        assert texts == [f"{tag}-{n}" for n in range(400)]


async def test_changes_yields_lines_from_other_writers(tmp_path: Path) -> None:
    import asyncio

    store = LocalStore(tmp_path)
    store.poll_interval = 0.01
    incident = declare(store)
    stream = store.changes(incident)
    first = asyncio.ensure_future(anext(stream))
    other = LocalStore(tmp_path)
    other.append_sync(note(incident, "from elsewhere"))
    batch = await asyncio.wait_for(first, timeout=10)
    assert [e.payload["text"] for e in batch] == ["from elsewhere"]
    await stream.aclose()


def test_unwritable_data_folder(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    store = LocalStore(blocker / "sub")
    from warroom.store.base import StoreError

    with pytest.raises(StoreError, match="not writable"):
        declare(store)


def test_append_once_finds_the_id_only_as_an_event_anywhere_in_the_log(tmp_path: Path) -> None:
    store = LocalStore(tmp_path)
    incident = declare(store)
    fired = note(incident, "timer")
    # Notes quoting the id (first and last line) are not the event.
    store.append_sync(note(incident, f"see {fired.id}"))
    for n in range(50):
        store.append_sync(note(incident, f"filler {n}"))
    store.append_sync(note(incident, f"again {fired.id}"))
    assert store.append_once_sync(fired) is True
    assert store.append_once_sync(fired) is False  # now it is the last line
    store.append_sync(note(incident, "after"))
    assert store.append_once_sync(fired) is False  # and in the middle
    ids = [event.id for event in store.load_sync(incident).events]
    assert ids.count(fired.id) == 1
    # A torn last line (a writer killed mid-line) holding the id does not count as stored.
    other = note(incident, "other")
    with open(store.log(incident).path, "ab") as handle:
        handle.write(f'{{"id": "{other.id}", "incid'.encode())
    assert store.append_once_sync(other) is True
