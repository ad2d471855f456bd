"""Hostile text in every field reaches every widget the console mounts, and stays text.

Each field of the incident, the scenario, the services and the templates holds its own
markup-looking token (`[b]F1[/b]`, `[/var]`, `[@click=app.quit]`...). The test walks the
main screen, every picker and prompt, the help, both detail modals, the scenario picker
and the declare form, and asserts that nothing raised and that each token is on screen
literally: a token parsed as markup would lose its brackets (or raise MarkupError).
"""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from rich.console import Console
from textual.widgets import Select

from tests.ui_support import NOW, T0, catalogue, still
from warroom.config import Config
from warroom.model.comms import CommsTemplate
from warroom.model.events import Event, EventKind, new_event
from warroom.model.severity import PRESETS
from warroom.scenarios.loader import load_paths
from warroom.services.incidents import IncidentService
from warroom.store.local import IncidentLog, LocalStore
from warroom.ui.app import WarroomApp
from warroom.ui.feed import FixedProbeFeed
from warroom.ui.panes.checklist import ChecklistView
from warroom.ui.panes.status import ServiceRow, StatusTable
from warroom.ui.panes.timeline import TimelineView
from warroom.ui.screens.declare import DeclareScreen
from warroom.ui.screens.details import DetailScreen
from warroom.ui.screens.help import HelpScreen
from warroom.ui.screens.main import MainScreen
from warroom.ui.screens.picker import PickerScreen, TextPromptScreen

INCIDENT = "INC-20261123-1"
RTL = "\u202e"


def token(field: str) -> str:
    """What a field holds: markup that would vanish (or crash) if parsed."""
    return f"[b]{field}[/b]"


SCENARIO_TITLE = "Disk full on [/var] [bold red]R[/] [@click=app.quit]Q[/]"
HOSTILE_SCENARIO = f"""
id = "disk-full"
title = '{SCENARIO_TITLE}'
summary = '{token("SUM")}'

[[phase]]
id = "assess"
title = '{token("PH")}'

[[phase.step]]
text = '{token("ST")} [/x]'
commands = ['{token("CMD")} [link=https://evil]x[/link]']

[[cause]]
cause = '{token("CAU")}'
fix = '{token("FIX")}'
"""

ROWS = [
    ServiceRow(
        name=token("SV"),
        kind="http",
        state="down",
        reason=token("RS") + " \x1b]0;pwned\x07 [/y]",
        latency_ms=None,
        history_ms=(None,),
        age_s=1,
    )
]


def hostile_catalogue(tmp_path: Path):  # type: ignore[no-untyped-def]
    catalogue(tmp_path)  # writes the usual fixture scenarios beside ours
    folder = tmp_path / "scenarios-under-test"
    (folder / "disk-full.toml").write_text(HOSTILE_SCENARIO)
    result = load_paths([folder])
    assert not result.errors, result.errors
    return result


def write_hostile_incident(data_dir: Path, scenario: object = "disk-full") -> None:
    store = LocalStore(data_dir)
    store.ensure_folder()
    log = IncidentLog(store.folder / f"{INCIDENT}.jsonl")
    author = token("AU")

    def event(kind: EventKind, minutes: float, number: int, **payload: object) -> Event:
        at = T0 + timedelta(minutes=minutes)
        made = new_event(INCIDENT, kind, author, payload, at=at, now=at)
        return replace(made, id=f"00000000-0000-0000-0000-{number:012d}")

    log.append_many(
        [
            event(
                EventKind.DECLARED,
                0,
                1,
                title=token("TI") + RTL + "gnp.exe",
                severity="SEV-2",
                ladder="sev1-sev3",
                scenario=scenario,
                roles={"IC": token("IC"), token("RO"): token("RN")},
                impact=token("IM"),
            ),
            event(EventKind.NOTE, 1, 2, text=token("NO") + " \x1b[2J [/z]", note_kind="finding"),
            event(
                EventKind.PROBE_STATE_CHANGED,
                2,
                3,
                service=token("PS"),
                probe_kind="http",
                state="down",
                previous="up",
                reason=token("PR"),
            ),
        ]
    )


def hostile_app(tmp_path: Path, *, incident: str | None = INCIDENT, scenario: object = "disk-full"):  # type: ignore[no-untyped-def]
    data_dir = tmp_path / "data"
    if incident:
        write_hostile_incident(data_dir, scenario)
    service = IncidentService(
        LocalStore(data_dir), token("ME"), PRESETS["sev1-sev3"], clock=lambda: NOW
    )
    templates = [
        CommsTemplate(
            id="update", title=token("TP"), audience="internal", body="x", filename="update.md"
        )
    ]
    return WarroomApp(
        service,
        Config(),
        data_dir,
        incident_id=incident,
        feed=FixedProbeFeed(ROWS),
        clock=lambda: NOW,
        zone=None,
        zone_name=None,
        catalogue=hostile_catalogue(tmp_path),
        templates=templates,
    )


def screen_text(app: WarroomApp) -> str:
    """What the terminal shows now, as plain text (the screen and the ones below it)."""
    width, height = app.size
    console = Console(
        width=width, height=height, file=io.StringIO(), force_terminal=True, record=True
    )
    update = app.screen._compositor.render_update(
        full=True, screen_stack=app._background_screens, simplify=True
    )
    console.print(update)
    return console.export_text()


def assert_literal(app: WarroomApp, *expected: str) -> str:
    text = screen_text(app)
    for item in expected:
        assert item in text, f"{item!r} not shown literally in:\n{text}"
    assert "\x1b" not in text and RTL not in text
    return text


async def wait_for(pilot, kind: type) -> None:  # type: ignore[no-untyped-def]
    for _ in range(300):
        if isinstance(pilot.app.screen, kind):
            await pilot.pause()
            return
        await pilot.pause(0.01)
    raise AssertionError(f"{kind.__name__} never came up: {pilot.app.screen}")


async def test_every_widget_shows_hostile_text_literally(tmp_path: Path) -> None:
    app = hostile_app(tmp_path)
    async with app.run_test(size=(200, 50), notifications=True) as pilot:
        await wait_for(pilot, MainScreen)
        still(app)
        main = app.screen
        assert isinstance(main, MainScreen)
        text = assert_literal(
            app,
            "[/var]",
            "[bold red]R[/]",
            "[@click=app.quit]Q[/]",  # in the checklist's border title
            token("TI") + "<U+202E>gnp.exe",  # header: the override is shown, not applied
            token("IC"),
            token("SV"),
            token("RS"),
            token("PH"),
            token("ST"),
            token("NO"),
            "\\x1b[2J",
            token("PS"),
            token("PR"),
            token("AU")[:6],
            token("TP"),
        )
        assert "pwned" in text and "\\x1b]0;pwned" in text
        # The checklist's details: scenario title, step, command, cause and fix.
        main.query_one(ChecklistView).focus()
        await pilot.press("enter")
        await wait_for(pilot, DetailScreen)
        assert_literal(app, "[/var]", token("ST"), token("CMD"), token("CAU"), token("FIX"))
        await pilot.press("escape")
        await wait_for(pilot, MainScreen)
        # The service's details.
        main.query_one(StatusTable).focus()
        await pilot.press("enter")
        await wait_for(pilot, DetailScreen)
        assert_literal(app, token("SV"), token("RS"), "[/y]")
        await pilot.press("escape")
        await wait_for(pilot, MainScreen)
        # Roles: the picker lists custom roles and holders, then the name prompt.
        await pilot.press("o")
        await wait_for(pilot, PickerScreen)
        assert_literal(app, token("RO"), token("RN"), token("IC"))
        await pilot.press("enter")
        await wait_for(pilot, TextPromptScreen)
        assert_literal(app, "Who is IC?")
        await pilot.press("escape")
        await wait_for(pilot, MainScreen)
        # The scenario picker: titles and summaries.
        await pilot.press("c")
        await wait_for(pilot, PickerScreen)
        assert_literal(app, "[/var]", token("SUM"))
        await pilot.press("escape")
        await wait_for(pilot, MainScreen)
        # Severity and status pickers, help.
        for key in ("s", "u"):
            await pilot.press(key)
            await wait_for(pilot, PickerScreen)
            await pilot.press("escape")
            await wait_for(pilot, MainScreen)
        await pilot.press("question_mark")
        await wait_for(pilot, HelpScreen)
        await pilot.press("escape")
        await wait_for(pilot, MainScreen)
        # The timeline's edit prompt holds the note as typed.
        timeline = main.query_one(TimelineView)
        timeline.focus()
        note = next(i for i, e in enumerate(main.state.entries) if e.kind is EventKind.NOTE)
        timeline.cursor = note
        await pilot.press("enter")
        await wait_for(pilot, TextPromptScreen)
        await pilot.press("escape")
        await wait_for(pilot, MainScreen)
        # Notifications quote what people typed and what servers said.
        app.notify(token("NT") + " [/n] \x1b[31m", title=token("NTT"))
        for _ in range(100):
            if app.screen.query("Toast"):
                break
            await pilot.pause(0.01)
        await pilot.pause()
        assert_literal(app, token("NT"), "[/n]", "\\x1b[31m")
        assert app.screen is main and app.is_running


async def test_declare_form_lists_hostile_scenarios_literally(tmp_path: Path) -> None:
    app = hostile_app(tmp_path, incident=None)
    async with app.run_test(size=(200, 50)) as pilot:
        await wait_for(pilot, DeclareScreen)
        select = app.screen.query_one("#scenario", Select)
        select.focus()
        await pilot.press("enter")  # opens the list
        await pilot.pause()
        assert_literal(app, "[/var]", "[@click=app.quit]Q[/]")
        await pilot.press("escape")
        assert app.is_running


async def test_a_broken_scenario_pick_still_opens(tmp_path: Path) -> None:
    """A stored pick that is no id (a damaged or foreign record) opens as no scenario."""
    for scenario in ({"id": "x"}, ["a"], "[/nope]", 42):
        folder = tmp_path / str(abs(hash(str(scenario))))
        app = hostile_app(folder, scenario=scenario)
        async with app.run_test(size=(120, 40)) as pilot:
            await wait_for(pilot, MainScreen)
            assert_literal(app, token("TI"))


async def test_an_event_in_year_one_survives_local_time(tmp_path: Path) -> None:
    """Written before `--at` was bounded: year 1 in a zone west of UTC is out of range."""
    from zoneinfo import ZoneInfo

    from tests.ui_support import make_app

    app = make_app(tmp_path)
    app.zone = ZoneInfo("America/New_York")
    log = IncidentLog(tmp_path / "data" / "incidents" / f"{INCIDENT}.jsonl")
    at = datetime(1, 1, 1, tzinfo=UTC)
    log.append(new_event(INCIDENT, EventKind.NOTE, "bob", {"text": "year one"}, at=at, now=NOW))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, MainScreen)
        app.screen.query_one(TimelineView).focus()
        await pilot.press("home", "t")
        await pilot.pause()
        assert app.screen.query_one(TimelineView).local_time
        assert_literal(app, "year one")
        assert app.is_running


async def test_the_note_input_names_or_refuses_a_backdate_before_the_declaration(
    tmp_path: Path,
) -> None:
    from tests.ui_support import make_app

    app = make_app(tmp_path)  # declared at 14:00 UTC, now 14:12:34
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        main = await _main(pilot)
        await pilot.press("n", *"-30m the alert fired", "enter")
        await pilot.pause()
        messages = [n.message for n in app._notifications]
        assert any("before the incident was declared" in m for m in messages), messages
        await pilot.press(*"-25h typo", "enter")
        await pilot.pause()
        messages = [n.message for n in app._notifications]
        assert any("more than 24 h before" in m for m in messages), messages
        texts = [e.text for e in main.state.entries]
        assert "the alert fired" in texts and "typo" not in texts


async def _main(pilot) -> MainScreen:  # type: ignore[no-untyped-def]
    await wait_for(pilot, MainScreen)
    assert isinstance(pilot.app.screen, MainScreen)
    return pilot.app.screen
