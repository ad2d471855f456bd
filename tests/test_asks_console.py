"""Asks and the handoff in the console, driven with Pilot on a clock the test moves."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests.ui_support import NOW, ROWS, catalogue, write_incident
from warroom.config import Config
from warroom.model.events import EventKind
from warroom.model.severity import PRESETS
from warroom.services.incidents import IncidentService
from warroom.store.local import LocalStore
from warroom.ui.app import WarroomApp
from warroom.ui.feed import FixedProbeFeed
from warroom.ui.screens.asks import AskFormScreen, AsksBoardScreen
from warroom.ui.screens.handoff import HandoffScreen
from warroom.ui.screens.main import MainScreen
from warroom.ui.screens.picker import TextPromptScreen

WAIT = 20.0


class Clock:
    """A clock the test moves forward."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **span: float) -> None:
        self.now += timedelta(**span)


def moved(app: WarroomApp, clock: Clock, **span: float) -> None:
    """Move the clock and tell the runtime (its scheduler sleeps until the next deadline
    by the wall clock, which a test clock does not follow)."""
    clock.advance(**span)
    assert app.runtime is not None
    app.runtime.wake()


class Bell:
    def __init__(self) -> None:
        self.rings = 0

    def __call__(self) -> None:
        self.rings += 1


def console(
    service: IncidentService,
    data_dir: Path,
    tmp_path: Path,
    clock: Clock,
    incident: str,
    config: Config | None = None,
) -> tuple[WarroomApp, Bell]:
    app = WarroomApp(
        service,
        config or Config(),
        data_dir,
        incident_id=incident,
        feed=FixedProbeFeed(ROWS),
        clock=clock,
        zone=UTC,
        zone_name="UTC",
        catalogue=catalogue(tmp_path),
    )
    bell = Bell()
    app.bell = bell  # type: ignore[method-assign]  # the terminal's bell: the edge we count at
    return app, bell


def local_console(
    tmp_path: Path, clock: Clock, author: str = "alice", config: Config | None = None
) -> tuple[WarroomApp, Bell]:
    data_dir = tmp_path / "data"
    incident = write_incident(data_dir)
    service = IncidentService(LocalStore(data_dir), author, PRESETS["sev1-sev3"], clock=clock)
    return console(service, data_dir, tmp_path, clock, incident, config)


async def until(pilot, check: Callable[[], bool]) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + WAIT
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError("the console did not get there in time")
        await pilot.pause(0.05)


async def main_screen(pilot) -> MainScreen:  # type: ignore[no-untyped-def]
    await until(pilot, lambda: isinstance(pilot.app.screen, MainScreen))
    await pilot.pause()
    return pilot.app.screen


def board_text(pilot) -> str:  # type: ignore[no-untyped-def]
    screen = pilot.app.screen
    assert isinstance(screen, AsksBoardScreen)
    options = screen.query_one("#asks-list")
    lines = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
    return "\n".join([str(screen.query_one("#asks-title").render()), *lines])


async def test_an_ask_expires_rings_once_is_extended_and_answered(tmp_path: Path) -> None:
    clock = Clock(NOW)
    app, bell = local_console(tmp_path, clock)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await main_screen(pilot)
        state = lambda: screen.session.state  # noqa: E731

        await pilot.press("a")
        await until(pilot, lambda: isinstance(app.screen, AskFormScreen))
        await pilot.press(*"check replica lag 2m", "enter")  # no owner: refused, kept
        assert isinstance(app.screen, AskFormScreen)
        assert "start with who you ask" in str(app.screen.query_one("#ask-error").render())
        app.screen.query_one("#ask-line").value = "@dana check replica lag 2m #db"
        await pilot.press("enter")
        await until(pilot, lambda: bool(state().asks))
        (ask,) = state().asks.values()
        assert (ask.owner, ask.question, ask.stream, ask.due) == (
            "dana",
            "check replica lag",
            "db",
            NOW + timedelta(minutes=2),
        )

        await pilot.press("A")
        await until(pilot, lambda: isinstance(app.screen, AsksBoardScreen))
        assert "Asks: 1 open" in board_text(pilot) and "2:00 left" in board_text(pilot)

        moved(app, clock, minutes=2)
        await until(pilot, lambda: bool(state().fired_timers))
        await until(pilot, lambda: bell.rings == 1)
        await until(pilot, lambda: "OVERDUE" in board_text(pilot))
        assert "Asks: 1 open, 1 OVERDUE" in board_text(pilot)
        moved(app, clock, seconds=30)
        app.runtime.wake()  # type: ignore[union-attr]  # the rules looked at again
        await pilot.pause(0.3)
        assert bell.rings == 1
        fired = [e for e in state().events if e.kind is EventKind.TIMER_FIRED]
        assert len(fired) == 1 and fired[0].payload["payload"] == {"ask": ask.id, "owner": "dana"}

        await pilot.press("plus")  # extend: the default box, from now as it is overdue
        await until(pilot, lambda: isinstance(app.screen, TextPromptScreen))
        assert app.screen.query_one("#prompt-input").value == "5m"
        await pilot.press("enter")
        extended_to = clock.now + timedelta(minutes=5)
        await until(
            pilot, lambda: ask.id in state().asks and state().asks[ask.id].due == extended_to
        )
        await until(pilot, lambda: "OVERDUE" not in board_text(pilot))
        assert "5:00 left" in board_text(pilot)

        moved(app, clock, minutes=5)
        await until(pilot, lambda: bell.rings == 2)  # the new deadline rings once more

        await pilot.press("enter")  # answer
        await until(pilot, lambda: isinstance(app.screen, TextPromptScreen))
        await pilot.press(*"lag 30s and falling", "enter")
        await until(pilot, lambda: not state().asks[ask.id].is_open)
        assert state().asks[ask.id].answer == "lag 30s and falling"
        await until(pilot, lambda: "No open asks" in board_text(pilot))
        texts = [e.text for e in state().entries if e.kind is EventKind.ASK]
        assert texts[-1] == "Answer from @dana (check replica lag): lag 30s and falling"
        assert len(texts) == 3  # opened, extended, answered: every change an event
    assert bell.rings == 2


async def test_reask_and_drop_from_the_board(tmp_path: Path) -> None:
    clock = Clock(NOW)
    app, _bell = local_console(tmp_path, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await main_screen(pilot)
        state = lambda: screen.session.state  # noqa: E731
        for line in ("@dana check replica lag 3m", "@lee vendor status 9m #vendor"):
            await pilot.press("a")
            await until(pilot, lambda: isinstance(app.screen, AskFormScreen))
            app.screen.query_one("#ask-line").value = line
            count = len(state().asks)
            await pilot.press("enter")
            await until(pilot, lambda count=count: len(state().asks) == count + 1)
        await pilot.press("A")
        await until(pilot, lambda: isinstance(app.screen, AsksBoardScreen))
        text = board_text(pilot)
        assert text.index("dana") < text.index("vendor") < text.index("lee")  # soonest first

        await pilot.press("r")  # the first (soonest) ask: re-ask to marco
        await until(pilot, lambda: isinstance(app.screen, TextPromptScreen))
        app.screen.query_one("#prompt-input").value = "@marco 4m"
        await pilot.press("enter")
        await until(pilot, lambda: any(a.owner == "marco" for a in state().asks.values()))
        dana = next(a for a in state().asks.values() if a.owners[0] == "dana")
        assert dana.due == NOW + timedelta(minutes=4) and dana.owners == ["dana", "marco"]

        await pilot.press("down", "d")  # lee's ask
        await until(pilot, lambda: isinstance(app.screen, TextPromptScreen))
        await pilot.press(*"not needed", "enter")
        lee = next(a for a in state().asks.values() if a.owner == "lee")
        await until(pilot, lambda: lee.status == "dropped")
        assert dana.is_open
        await until(pilot, lambda: "Asks: 1 open" in board_text(pilot))


async def test_the_handoff_modal_copies_the_brief_and_takes_command(tmp_path: Path) -> None:
    clock = Clock(NOW)
    app, _bell = local_console(tmp_path, clock, author="Marco")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await main_screen(pilot)
        await pilot.press("H")
        await until(pilot, lambda: isinstance(app.screen, HandoffScreen))
        await until(pilot, lambda: app.clipboard.startswith("HANDOFF BRIEF INC-20261123-1"))
        assert "- IC: Alice" in app.clipboard and "- Dev: NOBODY (unheld)" in app.clipboard
        flags = str(app.screen.query_one("#handoff-flags").render())
        assert "Nobody holds Ops" in flags
        await pilot.press("t")
        await until(pilot, lambda: isinstance(app.screen, TextPromptScreen))
        assert app.screen.query_one("#prompt-input").value == "Marco"
        await pilot.press("enter")
        await until(pilot, lambda: screen.session.state.roles.get("IC") == "Marco")
        assert isinstance(app.screen, HandoffScreen)
        await until(pilot, lambda: "- IC: Marco" in app.screen.brief)
        entries = [e.text for e in screen.session.state.entries]
        assert entries[-1] == "IC: Alice -> Marco"
        await pilot.press("y")
        await until(pilot, lambda: "- IC: Marco" in app.clipboard)


async def test_the_ic_stint_warning_fires_once_as_a_timed_rule(tmp_path: Path) -> None:
    clock = Clock(NOW)
    config = Config(raw={"handoff": {"ic_stint": "30m"}})
    app, bell = local_console(tmp_path, clock, config=config)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await main_screen(pilot)
        state = lambda: screen.session.state  # noqa: E731
        moved(app, clock, minutes=30)  # declared at 14:00 with IC Alice; now 14:42
        await until(pilot, lambda: bool(state().fired_timers))
        (key,) = state().fired_timers
        assert key.startswith("ic-stint:")
        messages = [e.text for e in state().entries if e.kind is EventKind.TIMER_FIRED]
        assert messages == ["IC Alice on for 30m 00s: consider a handoff"]
        moved(app, clock, minutes=1)
        await pilot.pause(0.3)
        assert len([e for e in state().events if e.kind is EventKind.TIMER_FIRED]) == 1
        assert bell.rings == 0  # a suggestion, not an alarm


async def test_a_read_only_console_shows_asks_but_changes_nothing(tmp_path: Path) -> None:
    from tests.ui_support import make_app

    app = make_app(tmp_path, read_only=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await main_screen(pilot)
        await pilot.press("a")
        await pilot.pause()
        assert not isinstance(app.screen, AskFormScreen)
        notices = [n.message for n in app._notifications]
        assert any("read-only console" in message for message in notices)
        await pilot.press("H")
        await until(pilot, lambda: isinstance(app.screen, HandoffScreen))
        await pilot.press("t")
        await pilot.pause()
        assert isinstance(app.screen, HandoffScreen)  # no name prompt: refused
        await pilot.press("escape", "A")
        await until(pilot, lambda: isinstance(app.screen, AsksBoardScreen))
        assert "No open asks" in board_text(pilot)
    events = LocalStore(tmp_path / "data").load_sync("INC-20261123-1").events
    assert not any(e.kind in (EventKind.ASK, EventKind.ROLE_ASSIGNED) for e in events)
