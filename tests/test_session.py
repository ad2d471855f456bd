"""The console's live session: absorbing events gives exactly fold(all events)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from warroom.model.events import EventKind, new_event
from warroom.model.incident import fold
from warroom.model.severity import PRESETS
from warroom.services.incidents import IncidentService
from warroom.services.session import IncidentSession
from warroom.store.local import LocalStore

T0 = datetime(2026, 11, 23, 9, tzinfo=UTC)


def snapshot(state) -> tuple:  # type: ignore[no-untyped-def,type-arg]
    return (
        [e.id for e in state.events],
        [(entry.id, entry.text, entry.struck, entry.pinned) for entry in state.entries],
        state.severity,
        state.status,
        dict(state.checked_steps),
    )


async def test_absorb_in_any_order_equals_fold(tmp_path: Path) -> None:
    clock = iter(T0 + timedelta(minutes=m) for m in range(100))
    service = IncidentService(
        LocalStore(tmp_path), "alice", PRESETS["sev1-sev3"], clock=lambda: next(clock)
    )
    declared = await service.declare("x", "SEV-2")
    incident = declared.incident_id
    for n in range(5):
        await service.note(incident, f"note {n}")
    session = await IncidentSession(service, incident).open()
    await session.close()

    def ev(kind: EventKind, minutes: float, **payload: object):  # type: ignore[no-untyped-def]
        at = T0 + timedelta(minutes=minutes)
        return new_event(incident, kind, "bob", payload, at=at, now=at)

    late = [
        ev(EventKind.NOTE, 2.5, text="backdated"),
        ev(EventKind.NOTE, 99, text="latest"),
        ev(EventKind.NOTE, 0.5, text="very early"),
        ev(EventKind.SEVERITY_CHANGED, 3.5, severity="SEV-1"),  # forces a refold
        ev(EventKind.STEP_CHECKED, 4.5, scenario="general", step="a-1", text="t"),
    ]
    everything = list(session.state.events)
    for event in late:
        assert session.absorb([event]) == [event]
        everything.append(event)
        assert snapshot(session.state) == snapshot(fold(everything))
    assert session.absorb(late) == []  # duplicates ignored
    assert session.state.severity == "SEV-1"


async def test_latest_open_reads_newest_first(tmp_path: Path) -> None:
    service = IncidentService(LocalStore(tmp_path), "alice", PRESETS["sev1-sev3"])
    ids = [(await service.declare(f"incident {n}", "SEV-2")).incident_id for n in range(11)]
    newest = await service.state(ids[10])
    await service.set_status(newest, "resolved")
    latest = await IncidentSession.open_latest(service)
    assert latest is not None and latest.incident_id == ids[9]  # "-10" is newer, but closed
    assert len(latest.state.events) == 1
    await latest.close()
