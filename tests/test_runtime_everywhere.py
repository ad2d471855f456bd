"""The issue's "Done when": a timed rule registered in one place (the runtime's registry)
fires in the console (Pilot), in `warroom watch` and in the headless drill, and fires
once when three consoles share an incident on PostgreSQL."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.support.pgstore import WAIT, make_store
from tests.support.probe_servers import LoopbackServer
from tests.ui_support import catalogue
from warroom.cli.probe_commands import watch
from warroom.config import Config, load_config
from warroom.drill.headless import run_headless
from warroom.drill.library import load_drills
from warroom.drill.session import Drill, DrillSettings
from warroom.model.events import EventKind
from warroom.model.incident import IncidentState
from warroom.model.severity import PRESETS
from warroom.model.timed import Deadline
from warroom.probes.config import parse_services
from warroom.runtime import RuleContext, open_context, registered
from warroom.services.incidents import IncidentService
from warroom.store.local import LocalStore
from warroom.ui.app import WarroomApp
from warroom.ui.feed import FixedProbeFeed
from warroom.ui.screens.main import MainScreen

LADDER = PRESETS["sev1-sev3"]
MESSAGE = "Bridge check: is everyone on the call?"


@dataclass(frozen=True)
class BridgeCheck:
    """The test's rule: one reminder `after` the declaration."""

    after: timedelta
    name: str = "bridge-check"

    def deadlines(self, state: IncidentState, now: datetime) -> Iterable[Deadline]:
        if state.declared_at is None or not state.is_open:
            return ()
        at = state.declared_at + self.after
        return (Deadline(f"bridge-check:{state.id}", self.name, at, MESSAGE, {"after": 1}),)


def rule_after(after: timedelta) -> Callable[[RuleContext], BridgeCheck]:
    return lambda context: BridgeCheck(after)


class Clock:
    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now


def fired_events(events) -> list:  # type: ignore[no-untyped-def,type-arg]
    return [e for e in events if e.kind is EventKind.TIMER_FIRED]


async def until(check: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WAIT
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"never happened: {what}")
        await asyncio.sleep(0.02)


def console(service: IncidentService, folder: Path, incident: str, clock: Clock) -> WarroomApp:
    folder.mkdir(parents=True, exist_ok=True)
    return WarroomApp(
        service,
        Config(),
        folder,
        incident_id=incident,
        feed=FixedProbeFeed([]),
        clock=clock,
        zone=UTC,
        zone_name="UTC",
        catalogue=catalogue(folder),
    )


def notices(app: WarroomApp) -> list[str]:
    return [n.message for n in app._notifications if MESSAGE in n.message]


async def test_the_rule_fires_in_the_console(tmp_path: Path) -> None:
    start = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
    clock = Clock(start)
    store = LocalStore(tmp_path)
    store.ensure_folder()
    service = IncidentService(store, "ana", LADDER, clock=clock)
    incident = (await service.declare("Checkout fails", "SEV-2")).incident_id
    with registered(rule_after(timedelta(minutes=5))):
        app = console(service, tmp_path, incident, clock)
        async with app.run_test(size=(120, 40)) as pilot:
            await until(lambda: isinstance(app.screen, MainScreen), "the main screen")
            screen: MainScreen = app.screen  # type: ignore[assignment]
            upcoming = screen.runtime.next_deadline()
            assert upcoming is not None and upcoming.rule == "bridge-check"
            clock.now = start + timedelta(minutes=5)
            screen.runtime.wake()  # the scheduler sleeps until the deadline; the clock jumped
            await until(lambda: bool(notices(app)), "the console said it")
            await pilot.pause()
            shown = [e.text for e in screen.state.entries if e.kind is EventKind.TIMER_FIRED]
            assert shown == [MESSAGE]
            screen.runtime.wake()
            await screen.runtime.fire_due()
            await pilot.pause()
            assert len(notices(app)) == 1
    assert len(fired_events(store.load_sync(incident).events)) == 1


async def test_the_rule_fires_in_watch_one_line_on_stdout(
    tmp_path: Path, server: LoopbackServer, capsys: pytest.CaptureFixture[str]
) -> None:
    server.route("/health", body="fine")
    config_path = tmp_path / "warroom.toml"
    config_path.write_text(
        f'[[service]]\nname = "api"\nkind = "http"\nurl = "{server.url("/health")}"\n'
        "interval = 5\ntimeout = 2\n"
    )
    config = load_config(config_path)
    store = LocalStore(tmp_path)
    store.ensure_folder()
    service = IncidentService(store, "ana", config.ladder)
    incident = (await service.declare("Checkout fails", "SEV-2")).incident_id
    printed: list[str] = []
    with registered(rule_after(timedelta(seconds=0.5))):  # the scheduler sleeps until then
        context = open_context(config, LocalStore(tmp_path), tmp_path, "watch")
        task = asyncio.create_task(watch(context, incident, parse_services(config)))

        def said() -> bool:
            printed.extend(capsys.readouterr().out.splitlines())
            return any(MESSAGE in line for line in printed)

        try:
            await until(said, "watch printed the reminder")
        finally:
            task.cancel()
            assert await task == 0
    [line] = [line for line in printed if MESSAGE in line]
    assert line.endswith(f"bridge-check: {MESSAGE}")
    assert len(fired_events(store.load_sync(incident).events)) == 1


async def test_the_rule_fires_in_the_headless_drill(tmp_path: Path) -> None:
    settings = DrillSettings(
        script=load_drills().scripts["bad-deploy"],
        folder=tmp_path / "drills",
        speed=20.0,
        seed=5,
        author="ana",
        use_postgres=False,
    )
    lines: list[str] = []
    with registered(rule_after(timedelta(seconds=1))):
        drill = Drill(settings).start()
        try:
            await run_headless(drill, 3.0, "ana", lines.append)
        finally:
            drill.stop(write_report=False)
    assert len([line for line in lines if f"bridge-check: {MESSAGE}" in line]) == 1
    events = LocalStore(tmp_path / "drills").load_sync(drill.incident_id).events
    assert [e.payload["key"] for e in fired_events(events)] == [f"bridge-check:{drill.incident_id}"]


@pytest.mark.postgres
async def test_three_consoles_on_postgres_fire_it_once_and_all_say_it(
    dsn: str, tmp_path: Path
) -> None:
    start = datetime.now(UTC).replace(microsecond=0)
    clock = Clock(start)
    setup = make_store(dsn, tmp_path / "setup")
    declared = await IncidentService(setup, "ana", LADDER, clock=clock).declare("x", "SEV-2")
    incident = declared.incident_id
    with registered(rule_after(timedelta(minutes=5))):
        apps = [
            console(
                IncidentService(make_store(dsn, tmp_path / name), name, LADDER, clock=clock),
                tmp_path / name,
                incident,
                clock,
            )
            for name in ("ana", "bo", "cy")
        ]
        async with (
            apps[0].run_test(size=(120, 40)),
            apps[1].run_test(size=(120, 40)),
            apps[2].run_test(size=(120, 40)),
        ):
            await until(lambda: all(isinstance(a.screen, MainScreen) for a in apps), "consoles")
            screens: list[MainScreen] = [a.screen for a in apps]  # type: ignore[misc]
            clock.now = start + timedelta(minutes=5, seconds=1)
            for screen in screens:  # each console's own scheduler, in its own worker, races
                screen.runtime.wake()
            await until(lambda: all(notices(a) for a in apps), "every console said it")
            await asyncio.sleep(0.3)
            assert [len(notices(a)) for a in apps] == [1, 1, 1]
            firsts = {s.state.fired_timers[f"bridge-check:{incident}"].id for s in screens}
            assert len(firsts) == 1
    events = (await setup.load(incident)).events
    await setup.close()
    assert len(fired_events(events)) == 1
