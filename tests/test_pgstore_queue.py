"""The offline queue on its own: durable, ordered, resent at worst, never skipped."""

from __future__ import annotations

import multiprocessing
from pathlib import Path
from typing import Any

import pytest

from warroom.model.events import Event, EventKind, new_event
from warroom.store.base import StoreError
from warroom.store.queue import OfflineQueue, queue_key


def notes(count: int, start: int = 0) -> list[Event]:
    return [
        new_event("INC-20261123-1", EventKind.NOTE, "me", {"text": f"n{i}"})
        for i in range(start, start + count)
    ]


def texts(events: list[Event]) -> list[str]:
    return [str(e.payload["text"]) for e in events]


def test_queued_events_come_back_in_order_until_marked_sent(tmp_path: Path) -> None:
    queue = OfflineQueue(tmp_path / "queue", queue_key("me@db:5432/x"))
    assert queue.count() == 0 and not queue.has_pending() and not queue.pending()
    for event in notes(3):
        queue.add(event)
    assert queue.count() == 3
    batch = queue.pending()
    assert texts(batch.events) == ["n0", "n1", "n2"]
    queue.add(notes(1, 3)[0])  # queued while the first three are being sent
    queue.mark_sent(batch.end)
    assert queue.count() == 1
    queue.compact()  # not everything is sent: nothing is dropped
    assert texts(queue.pending().events) == ["n3"]
    queue.mark_sent(queue.pending().end)
    queue.compact()
    assert queue.path.stat().st_size == 0
    assert queue.count() == 0 and not queue.has_pending()
    queue.add(notes(1, 4)[0])
    assert texts(queue.pending().events) == ["n4"]


def test_a_crash_while_emptying_resends_rather_than_skips(tmp_path: Path) -> None:
    queue = OfflineQueue(tmp_path, "k")
    for event in notes(2):
        queue.add(event)
    queue.mark_sent(queue.pending().end)
    # compact() resets the offset before truncating; a crash in between looks like this:
    queue.mark_sent(0)
    assert texts(queue.pending().events) == ["n0", "n1"]  # sent again: inserts are idempotent
    # and a file emptied by hand behind a stale offset is read from its start.
    queue.mark_sent(10_000)
    assert texts(queue.pending().events) == ["n0", "n1"]


def test_a_torn_last_line_waits_and_a_damaged_line_is_skipped(tmp_path: Path) -> None:
    queue = OfflineQueue(tmp_path, "k")
    queue.add(notes(1)[0])
    with open(queue.path, "ab") as handle:
        handle.write(b'{"id": "half')  # a crash in the middle of a write
    batch = queue.pending()
    assert texts(batch.events) == ["n0"] and batch.problems == []
    assert queue.count() == 1
    queue.add(notes(1, 1)[0])  # IncidentLog ends the torn line first
    batch = queue.pending()
    assert texts(batch.events) == ["n0", "n1"]
    assert len(batch.problems) == 1


def _hold_sender(folder: str, ready: Any, done: Any) -> None:
    queue = OfflineQueue(Path(folder), "k")
    with queue.sender() as mine:
        assert mine
        ready.set()
        done.wait(30)


def test_one_sender_at_a_time_across_processes(tmp_path: Path) -> None:
    context = multiprocessing.get_context("spawn")
    ready, done = context.Event(), context.Event()
    other = context.Process(target=_hold_sender, args=(str(tmp_path), ready, done))
    other.start()
    try:
        assert ready.wait(30)
        with OfflineQueue(tmp_path, "k").sender() as mine:
            assert not mine
    finally:
        done.set()
        other.join(30)
    with OfflineQueue(tmp_path, "k").sender() as mine:
        assert mine


def test_an_unwritable_queue_is_a_loud_error(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    queue = OfflineQueue(blocker, "k")
    with pytest.raises(StoreError, match="cannot be written"):
        queue.add(notes(1)[0])


def test_each_database_has_its_own_queue_file() -> None:
    assert queue_key("a@h:5432/one") != queue_key("a@h:5432/two")
    assert queue_key("a@h:5432/one") == queue_key("a@h:5432/one")
