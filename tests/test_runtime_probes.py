"""Probe change -> timeline: the one rule, and one writer per shared incident (a file
lock beside local files, an advisory lock on PostgreSQL) with a bounded takeover."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.support.pgstore import WAIT, make_store
from warroom.config import Config
from warroom.model.events import EventKind, new_event
from warroom.model.incident import fold
from warroom.probes.result import ProbeState
from warroom.probes.scheduler import StateChange
from warroom.runtime import IncidentRuntime, open_context
from warroom.runtime.probe_changes import (
    LEASE_RETRY_SECONDS,
    worth_recording,
    worth_recording_all,
)
from warroom.services.incidents import IncidentService
from warroom.store.local import LocalStore

SECRET_REASON = "connect to postgresql://app:hunter2@db:5432/app failed"


def change(
    service: str, state: str, previous: str | None, reason: str = "status 503"
) -> StateChange:
    return StateChange(
        service,
        "http",
        ProbeState(state),
        ProbeState(previous) if previous else None,
        reason,
        12.0,
        datetime.now(UTC),
    )


def probe_events(events) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    return [
        (e.payload["service"], e.payload["state"])
        for e in events
        if e.kind is EventKind.PROBE_STATE_CHANGED
    ]


def test_the_rule_skips_what_the_incident_shows_and_a_first_up() -> None:
    declared = new_event("INC-1", EventKind.DECLARED, "a", {"title": "t", "severity": "SEV-2"})
    state = fold([declared])
    assert not worth_recording(change("api", "up", None), state)  # first up: says nothing
    assert worth_recording(change("api", "down", None), state)  # first down
    assert worth_recording(change("api", "up", "down"), state)  # a recovery
    seen = new_event(
        "INC-1",
        EventKind.PROBE_STATE_CHANGED,
        "a",
        {"service": "api", "state": "down", "previous": None},
    )
    state = fold([declared, seen])
    assert not worth_recording(change("api", "down", None), state)  # a restart: shown
    assert worth_recording(change("api", "up", None), state)  # up after a shown down
    assert worth_recording(change("api", "degraded", "down"), state)


def test_the_rule_over_a_burst_judges_each_change_after_the_ones_before() -> None:
    declared = new_event("INC-1", EventKind.DECLARED, "a", {"title": "t", "severity": "SEV-2"})
    state = fold([declared])
    burst = [
        change("api", "up", None),  # a first up: says nothing
        change("api", "down", "up"),  # written
        change("api", "down", "down"),  # the same again: already said
        change("api", "up", "down"),  # the recovery, in the same burst: written
        change("web", "down", None),
    ]
    kept = worth_recording_all(burst, state)
    assert [(c.service, str(c.state)) for c in kept] == [
        ("api", "down"),
        ("api", "up"),
        ("web", "down"),
    ]


async def test_a_burst_of_changes_is_one_append_in_order_and_one_state_change(
    tmp_path: Path,
) -> None:
    store, incident = await declared(tmp_path)
    runtime = await local_runtime(tmp_path, incident, "console")
    told: list[object] = []
    runtime.subscribe(told.append)
    appends: list[int] = []
    real_append_many = store.log(incident).__class__.append_many

    def counting(log, events):  # type: ignore[no-untyped-def]
        appends.append(len(events))
        real_append_many(log, events)

    burst = [change(f"svc-{n}", "down", "up", SECRET_REASON) for n in range(20)]
    burst.append(change("svc-0", "up", "down"))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(store.log(incident).__class__, "append_many", counting)
        written = await runtime.probe_changes(burst)
    assert appends == [21]  # one write and one fsync for the burst
    assert len(told) == 1  # one StateChanged for the burst
    stored = (await store.load(incident)).events
    assert probe_events(stored)[-21:] == [(f"svc-{n}", "down") for n in range(20)] + [
        ("svc-0", "up")
    ]
    assert [e.id for e in written] == [e.id for e in stored[-21:]]
    assert all("hunter2" not in str(e.payload) for e in stored)
    assert runtime.state.probe_states["svc-0"]["state"] == "up"
    await runtime.close()


async def declared(folder: Path) -> tuple[LocalStore, str]:
    """A local store in `folder` holding one declared incident."""
    store = LocalStore(folder)
    store.ensure_folder()
    event = await IncidentService(store, "a", Config().ladder).declare("x", "SEV-2")
    return store, event.incident_id


async def local_runtime(folder: Path, incident: str, author: str) -> IncidentRuntime:
    context = open_context(Config(), LocalStore(folder), folder, author)
    return await context.open_runtime(incident)


async def test_two_runtimes_on_one_folder_write_a_change_once_and_masked(tmp_path: Path) -> None:
    store, incident = await declared(tmp_path)
    first = await local_runtime(tmp_path, incident, "first")
    second = await local_runtime(tmp_path, incident, "second")
    down = change("api", "down", "up", SECRET_REASON)
    written = [await first.probe_changed(down), await second.probe_changed(down)]
    assert written[0] is not None and written[1] is None  # the second holds no lease
    assert first.probes.holding and not second.probes.holding
    events = store.load_sync(incident).events
    assert probe_events(events) == [("api", "down")]
    stored = next(e for e in events if e.kind is EventKind.PROBE_STATE_CHANGED)
    assert dict(stored.payload) == {
        "service": "api",
        "probe_kind": "http",
        "state": "down",
        "previous": "up",
        "reason": "connect to postgresql://app:***@db:5432/app failed",
        "latency_ms": 12.0,
    }
    assert stored.at == down.observed_at
    assert await second.probe_changed(change("web", "down", None)) is None  # not holding
    assert await first.probe_changed(change("db", "up", None)) is None  # a first up: nothing
    await first.close()  # quits: the lease is free
    up = change("api", "up", "down", "status 200")
    assert await second.probe_changed(up) is not None
    # Taking the lease, the second also wrote what it had seen meanwhile ("web" down).
    assert probe_events(store.load_sync(incident).events) == [
        ("api", "down"),
        ("api", "up"),
        ("web", "down"),
    ]
    await second.close()


@pytest.mark.postgres
async def test_three_runtimes_on_postgres_one_writes_and_another_takes_over(
    dsn: str, tmp_path: Path
) -> None:
    setup = make_store(dsn, tmp_path / "setup")
    incident = (
        await IncidentService(setup, "a", Config().ladder).declare("x", "SEV-2")
    ).incident_id
    runtimes = []
    for name in ("a", "b", "c"):
        context = open_context(Config(), make_store(dsn, tmp_path / name), tmp_path / name, name)
        runtimes.append(await context.open_runtime(incident))
    tasks = {id(r): asyncio.create_task(r.run()) for r in runtimes}
    holder, *others = runtimes
    try:
        down = change("api", "down", "up")
        assert await holder.probe_changed(down) is not None
        for runtime in others:
            assert await runtime.probe_changed(down) is None
        assert probe_events((await setup.load(incident)).events) == [("api", "down")]

        # Both others see the recovery; the holder dies before writing it.
        up = change("api", "up", "down", "status 200")
        for runtime in others:
            assert await runtime.probe_changed(up) is None
        tasks[id(holder)].cancel()
        lease = holder.probes.lease
        lease._conn.terminate()  # type: ignore[attr-defined]  # what a killed process leaves
        await holder.service.store.close()
        died = time.monotonic()
        while ("api", "up") not in probe_events((await setup.load(incident)).events):
            assert time.monotonic() - died < WAIT, "nobody took the lease over"
            await asyncio.sleep(0.05)
        takeover = time.monotonic() - died
        print(f"probe lease takeover after the holder died: {takeover:.2f} s")
        assert takeover <= LEASE_RETRY_SECONDS + 2
        assert sum(r.probes.holding for r in others) == 1
        assert probe_events((await setup.load(incident)).events) == [
            ("api", "down"),
            ("api", "up"),
        ]
    finally:
        for task in tasks.values():
            task.cancel()
        await asyncio.gather(*tasks.values(), return_exceptions=True)
        for runtime in runtimes:
            await runtime.close()
            await runtime.service.store.close()
        await setup.close()


async def test_an_unreachable_database_holds_no_lease_and_does_not_stall(tmp_path: Path) -> None:
    from warroom.store.pg_lease import AdvisoryLease

    store = make_store("postgresql://warroom@127.0.0.1:1/warroom", tmp_path / "queue")
    lease = AdvisoryLease(store, "warroom:probe-writer:INC-20261130-1")
    assert await lease.acquire() is False  # connection refused
    started = time.monotonic()
    assert await lease.acquire() is False  # not tried again at once
    assert await lease.check() is False
    assert time.monotonic() - started < 0.5
    await lease.release()
    await store.close()


async def test_a_read_only_runtime_writes_no_probe_change(tmp_path: Path) -> None:
    store, incident = await declared(tmp_path)
    context = open_context(Config(), LocalStore(tmp_path), tmp_path, "viewer", read_only=True)
    runtime = await context.open_runtime(incident)
    before = (await store.load(incident)).events
    assert await runtime.probe_changes([change("api", "down", "up")]) == []
    assert (await store.load(incident)).events == before
    assert runtime.probes.latest["api"].state is ProbeState.DOWN  # still known, for later
    await runtime.close()
