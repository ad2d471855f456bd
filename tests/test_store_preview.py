"""The loading frame's preview, read from the two ends of a local incident's file: the
title, the last entries as the timeline shows them, and which incident the console is
about to open (the newest, unless its file says it is a drill or resolved)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from warroom.model.events import Event, EventKind, new_event
from warroom.store.local import IncidentLog, LocalStore
from warroom.store.preview import TAIL_BYTES, preview

T0 = datetime(2026, 11, 30, 9, tzinfo=UTC)


def write(folder: Path, incident: str, events: list[Event]) -> None:
    IncidentLog(folder / f"{incident}.jsonl").append_many(events)


def declared(incident: str, title: str, drill: bool = False) -> Event:
    payload = {"title": title, "severity": "SEV-2", "ladder": "sev1-sev3", "drill": drill}
    return new_event(incident, EventKind.DECLARED, "alice", payload, at=T0, now=T0)


def note(incident: str, minute: float, text: str) -> Event:
    at = T0 + timedelta(minutes=minute)
    return new_event(incident, EventKind.NOTE, "bob", {"text": text}, at=at, now=at)


def store(tmp_path: Path) -> Path:
    local = LocalStore(tmp_path)
    local.ensure_folder()
    return local.folder


def test_the_newest_open_incident_its_title_and_the_end_of_its_timeline(tmp_path: Path) -> None:
    folder = store(tmp_path)
    write(folder, "INC-20261129-7", [declared("INC-20261129-7", "older")])
    newest = "INC-20261130-2"
    notes = [note(newest, n, f"note {n} " + "x" * 200) for n in range(1, 2000)]
    edited = notes[-3]
    edit = new_event(
        newest,
        EventKind.ENTRY_EDITED,
        "bob",
        {"target": edited.id, "text": "note fixed"},
        at=T0 + timedelta(minutes=3000),
    )
    old_edit = new_event(  # an edit of an entry far above the window
        newest, EventKind.ENTRY_EDITED, "bob", {"target": notes[0].id, "text": "early fix"}
    )
    write(folder, newest, [declared(newest, "Checkout errors"), *notes, old_edit, edit])
    found = preview(folder, None)
    assert found is not None
    assert (found.incident_id, found.title) == (newest, "Checkout errors")
    texts = [entry.text for entry in found.entries]
    assert texts[-1].startswith("note 1999") and "note fixed" in texts  # edits in the window
    assert not any("early fix" in text for text in texts)  # an orphan edit is left out
    assert sum(len(t) for t in texts) < TAIL_BYTES  # only the end was read
    assert len(texts) > 100


def test_no_preview_of_a_newest_incident_the_console_will_not_open(tmp_path: Path) -> None:
    folder = store(tmp_path)
    assert preview(folder, None) is None  # nothing yet
    resolved = "INC-20261130-1"
    status = {"status": "resolved", "previous": "monitoring"}
    write(
        folder,
        resolved,
        [
            declared(resolved, "done"),
            note(resolved, 1, "fixed"),
            new_event(resolved, EventKind.STATUS_CHANGED, "alice", status),
        ],
    )
    assert preview(folder, None) is None  # resolved: open_latest looks further
    assert preview(folder, resolved) is not None  # asked for by name: shown
    drill = "DRILL-20261130-9"
    write(folder, drill, [declared(drill, "drill", drill=True), note(drill, 1, "x")])
    assert preview(folder, None) is None  # a drill is never the newest incident
    (folder / "INC-20261130-3.jsonl").write_bytes(b"{torn")
    assert preview(folder, None) is None  # unreadable: the real read says why
    assert preview(folder, "INC-20261130-4") is None  # no such file


def test_which_incident_is_newest_and_open_as_its_file_says(tmp_path: Path) -> None:
    folder = store(tmp_path)
    nine, ten = "INC-20261130-9", "INC-20261130-10"
    write(folder, nine, [declared(nine, "ninth"), note(nine, 1, "n")])
    write(folder, ten, [declared(ten, "tenth"), note(ten, 1, "t")])
    found = preview(folder, None)
    assert found is not None and found.incident_id == ten  # 10 after 9, not by text
    # A small file is read whole: its declaration is on the timeline too.
    assert [entry.kind for entry in found.entries] == [EventKind.DECLARED, EventKind.NOTE]

    # Resolved after other changes: not the one; reopened after: the one again.
    def status(incident: str, word: str, minute: int) -> Event:
        at = T0 + timedelta(minutes=minute)
        payload = {"status": word, "previous": ""}
        return new_event(incident, EventKind.STATUS_CHANGED, "alice", payload, at=at, now=at)

    write(folder, ten, [status(ten, "mitigating", 2), status(ten, "resolved", 3)])
    assert preview(folder, None) is None
    write(folder, ten, [note(ten, 3.5, "post-mortem on Monday")])  # not the last line now
    assert preview(folder, None) is None
    write(folder, ten, [status(ten, "investigating", 4)])
    assert preview(folder, None) is not None
    # An incident declared as a drill under an INC id is not the newest open one either.
    eleven = "INC-20261130-11"
    write(folder, eleven, [declared(eleven, "practice", drill=True)])
    assert preview(folder, None) is None
