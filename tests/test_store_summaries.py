"""`warroom incidents` through the summary cache: used while the file is unchanged, never
trusted over the events (any append, any unreadable or foreign cache file: refold)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from warroom.model.severity import PRESETS
from warroom.model.summary import IncidentSummary
from warroom.services.incidents import IncidentService
from warroom.store.local import LocalStore


def service_on(folder: Path) -> IncidentService:
    return IncidentService(LocalStore(folder), "alice", PRESETS["sev1-sev3"])


async def declare_two(folder: Path) -> tuple[IncidentService, str, str]:
    service = service_on(folder)
    first = (await service.declare("Checkout 502s", "SEV-1")).incident_id
    second = (await service.declare("Queue lag", "SEV-3", drill=True)).incident_id
    await service.note(first, "rolled back")
    return service, first, second


def folds(service: IncidentService, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The ids the service reads and folds from now on."""
    loaded: list[str] = []
    real = service.load

    async def counting(incident_id: str) -> Any:
        loaded.append(incident_id)
        return await real(incident_id)

    monkeypatch.setattr(service, "load", counting)
    return loaded


async def test_a_second_listing_reads_summaries_not_events(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    service, first, second = await declare_two(tmp_path)
    before = await service.list_incidents()
    assert [s.id for s in before] == [second, first]
    cached = tmp_path / "incidents" / f"{first}.summary.json"
    assert cached.is_file() and cached.stat().st_mode & 0o777 == 0o600  # titles are private
    loaded = folds(service, monkeypatch)
    after = await service.list_incidents()
    assert after == before and loaded == []
    assert after[0].drill and after[1].title == "Checkout 502s" and after[1].is_open


async def test_a_change_by_another_writer_is_listed_at_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    service, first, _ = await declare_two(tmp_path)
    await service.list_incidents()
    other = service_on(tmp_path)  # another process: a CLI command, a second console
    state = await other.state(first)
    await other.set_status(state, "resolved")
    await other.set_severity(await other.state(first), "SEV-2")
    loaded = folds(service, monkeypatch)
    listed = {s.id: s for s in await service.list_incidents()}
    assert loaded == [first]  # only the incident that changed is read again
    assert not listed[first].is_open and listed[first].severity == "SEV-2"
    assert listed[first].resolved_at is not None


async def test_damaged_lines_are_reported_from_the_cache_too(tmp_path: Path) -> None:
    service, first, _ = await declare_two(tmp_path)
    with open(tmp_path / "incidents" / f"{first}.jsonl", "ab") as log:
        log.write(b"{not json\n")
    _, fresh = await service.list_incidents_with_problems()
    _, cached = await service.list_incidents_with_problems()
    assert [p.line for p in fresh] == [p.line for p in cached] == [3]
    assert cached == fresh


def bad_caches(path: Path, good: dict[str, Any]) -> list[bytes]:
    summary = good["summary"]

    def with_summary(**change: Any) -> bytes:
        return json.dumps({**good, "summary": {**summary, **change}}).encode()

    def dropped(name: str) -> bytes:
        return json.dumps({**good, "summary": {k: v for k, v in summary.items() if k != name}})

    return [
        b"",
        b"\x00\xff not json",
        b"[1, 2]",
        json.dumps({**good, "size": good["size"] - 1}).encode(),  # made from another file
        json.dumps({**good, "mtime_ns": 1}).encode(),
        json.dumps({k: v for k, v in good.items() if k != "size"}).encode(),
        with_summary(format=99),
        with_summary(id="INC-20000101-9"),  # about another incident
        with_summary(status="on fire"),
        with_summary(drill="yes"),
        with_summary(title=["x"]),
        with_summary(declared_at="yesterday"),
        with_summary(declared_at="2026-01-01T09:00:00"),  # no time zone
        with_summary(resolved_at=5),
        dropped("severity").encode(),
        dropped("declared_at").encode(),
        json.dumps({**good, "problems": [["x", "3", "bad"]]}).encode(),  # line not a number
        json.dumps({**good, "problems": [["x", 3]]}).encode(),
        json.dumps({k: v for k, v in good.items() if k != "problems"}).encode(),
    ]


async def test_an_unreadable_or_foreign_cache_file_is_refolded_and_rewritten(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    service, first, _ = await declare_two(tmp_path)
    truth = {s.id: s for s in await service.list_incidents()}[first]
    path = tmp_path / "incidents" / f"{first}.summary.json"
    good = json.loads(path.read_bytes())
    loaded = folds(service, monkeypatch)
    cases = bad_caches(path, good)
    for number, content in enumerate(cases):
        path.write_bytes(content)
        listed = {s.id: s for s in await service.list_incidents()}
        assert listed[first] == truth, (number, content)
        assert json.loads(path.read_bytes()) == good, number  # written again, correctly
    assert loaded == [first] * len(cases)


async def test_a_cache_that_cannot_be_written_only_costs_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    service, first, second = await declare_two(tmp_path)

    def refuse(*_args: object) -> None:
        raise PermissionError("read-only data folder")

    monkeypatch.setattr(os, "replace", refuse)
    listed = await service.list_incidents()
    assert [s.id for s in listed] == [second, first]
    assert not list((tmp_path / "incidents").glob("*.summary.json"))
    assert not list((tmp_path / "incidents").glob(".*.tmp"))


def test_summary_round_trip_and_elapsed() -> None:
    from datetime import UTC, datetime, timedelta

    from warroom.model.incident import Status

    declared = datetime(2026, 1, 1, 9, tzinfo=UTC)
    summary = IncidentSummary(
        "INC-20260101-1", "t", "sev1-sev3", "SEV-1", Status.RESOLVED, False, declared,
        declared + timedelta(minutes=42),
    )  # fmt: skip
    assert IncidentSummary.from_dict(summary.to_dict()) == summary
    assert summary.elapsed(declared + timedelta(days=3)) == timedelta(minutes=42)
    assert not summary.is_open
