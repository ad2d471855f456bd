"""A shared incident on a real throwaway PostgreSQL, two consoles (two Textual apps driven
with Pilot) on one controllable clock: the DBA escalation falls due at 15 minutes, not
before, is stored once, and each console rings its bell once."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.support.pgstore import WAIT, make_store
from warroom.config import Config
from warroom.model.events import EventKind
from warroom.model.severity import PRESETS
from warroom.scenarios import load_scenarios
from warroom.services.incidents import IncidentService
from warroom.ui.app import WarroomApp
from warroom.ui.feed import FixedProbeFeed
from warroom.ui.screens.main import MainScreen

pytestmark = pytest.mark.postgres
LADDER = PRESETS["sev1-sev3"]
T0 = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
DBA_KEY = "escalation:database-connections/dba-team"
CATALOGUE = load_scenarios(include_user=False)


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


def console(dsn: str, tmp_path: Path, author: str, incident_id: str, clock: Clock) -> WarroomApp:
    folder = tmp_path / author
    service = IncidentService(make_store(dsn, folder), author, LADDER, clock=clock)
    return WarroomApp(
        service,
        Config(),
        folder,
        incident_id=incident_id,
        feed=FixedProbeFeed([]),
        clock=clock,
        zone=UTC,
        zone_name="UTC",
        catalogue=CATALOGUE,
    )


async def until(pilot, check: Callable[[], bool], what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + WAIT
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"never happened: {what}")
        await pilot.pause(0.02)


async def test_the_dba_escalation_fires_once_across_two_consoles(dsn: str, tmp_path: Path) -> None:
    clock = Clock()
    setup = make_store(dsn, tmp_path / "setup")
    declared = await IncidentService(setup, "alice", LADDER, clock=clock).declare(
        "Checkout fails: pool exhausted",
        "SEV-2",
        scenario="database-connections",
        roles={"IC": "Ivy"},
    )
    await setup.close()
    incident = declared.incident_id
    clock.now = T0 + timedelta(minutes=12)
    apps = [console(dsn, tmp_path, name, incident, clock) for name in ("sam", "ivy")]
    bells: dict[str, list[int]] = {"sam": [], "ivy": []}
    for app, name in zip(apps, bells, strict=True):
        app.bell = lambda name=name: bells[name].append(1)  # type: ignore[method-assign]
    async with apps[0].run_test(size=(120, 40)) as one, apps[1].run_test(size=(120, 40)) as two:
        for pilot in (one, two):
            await until(pilot, lambda p=pilot: isinstance(p.app.screen, MainScreen), "main")
            await pilot.pause()
        runtimes = [app.runtime for app in apps]
        assert all(runtimes)

        async def fire_all() -> list[list[str]]:
            fired = await asyncio.gather(*(r.fire_due() for r in runtimes))  # type: ignore[union-attr]
            return [[d.key for d in each] for each in fired]

        clock.now = T0 + timedelta(minutes=14, seconds=59)
        assert await fire_all() == [[], []]
        clock.now = T0 + timedelta(minutes=15)
        # Each console's own scheduler looks again (in its own worker: a Textual app knows
        # itself from the task it runs in, so firing from the test's task would ring the
        # wrong app's bell); both try, the database keeps one.
        for runtime in runtimes:
            runtime.wake()  # type: ignore[union-attr]
        for pilot, app in ((one, apps[0]), (two, apps[1])):
            await until(
                pilot,
                lambda app=app: DBA_KEY in app.runtime.state.fired_timers,  # type: ignore[union-attr]
                "both consoles see the fired deadline",
            )
        assert await fire_all() == [[], []]
        await until(one, lambda: bells["sam"] == [1] and bells["ivy"] == [1], "one bell each")
        await one.pause(0.2)
        assert bells == {"sam": [1], "ivy": [1]}
        for app in apps:
            header = str(app.screen.query_one("#header").render())
            assert "⚠ ESCALATE: DBA team (E)" in header
    check = make_store(dsn, tmp_path / "check")
    events = (await check.load(incident)).events
    await check.close()
    timers = [e for e in events if e.kind is EventKind.TIMER_FIRED]
    assert [e.payload["key"] for e in timers] == [DBA_KEY]
