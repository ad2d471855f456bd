"""An incident run from the console over an hour of simulated time, as an IC would: a
backdated alert, the situation record, findings, a decision, a todo, a probe outage and
recovery, two rounds of updates, resolution. Each audience's update is read as pasted."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

from textual.command import CommandPalette
from textual.widgets import Input, TextArea

from tests.ui_support import catalogue, make_app, probe_change, still
from warroom.config import Config
from warroom.model.events import EventKind, NoteKind
from warroom.model.postmortem import to_markdown
from warroom.model.severity import PRESETS
from warroom.runtime import default_rules, open_context
from warroom.services.incidents import IncidentService
from warroom.store.local import LocalStore
from warroom.ui.app import WarroomApp
from warroom.ui.feed import FixedProbeFeed
from warroom.ui.panes.comms import CommsComposer
from warroom.ui.screens.main import MainScreen
from warroom.ui.screens.picker import PickerScreen, TextPromptScreen
from warroom.ui.screens.record import RecordScreen

T0 = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)
PLACEHOLDER = re.compile(r"\{[A-Za-z_]+\}|\[[a-z][^\]]*\]")
INTERNAL = ("target", "remaining", " left)", "INC-")


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now

    def at(self, minutes: float) -> None:
        self.now = T0 + timedelta(minutes=minutes)


def console(tmp_path: Path, clock: Clock, config: Config | None = None) -> WarroomApp:
    store = LocalStore(tmp_path / "data")
    service = IncidentService(store, "alice", PRESETS["sev1-sev3"], clock=clock)
    config = config or Config()
    # The update reminder alone: a SEV-1's resolve-target escalation falls due at the
    # same hour (tests/test_ui_escalations.py covers escalations).
    context = open_context(config, store, tmp_path / "data", "alice", clock=clock, service=service)
    context.rules_factory = lambda made: [
        rule for rule in default_rules(made) if rule.name != "escalation"
    ]
    return WarroomApp(
        service,
        config,
        tmp_path / "data",
        feed=FixedProbeFeed([]),
        clock=clock,
        zone=UTC,
        zone_name="UTC",
        catalogue=catalogue(tmp_path),
        context=context,
    )


async def wait_for(pilot, condition, what: str) -> None:  # type: ignore[no-untyped-def]
    for _ in range(300):
        if condition():
            return
        await pilot.pause(0.01)
    raise AssertionError(f"never happened: {what}")


async def declare(pilot, app: WarroomApp) -> MainScreen:  # type: ignore[no-untyped-def]
    await wait_for(pilot, lambda: app.screen.query("#title"), "the declare form")
    await pilot.press(*"Checkout fails", "ctrl+s")
    await wait_for(pilot, lambda: isinstance(app.screen, MainScreen), "the main screen")
    await pilot.pause()
    return app.screen  # type: ignore[return-value]


async def note(pilot, line: str) -> None:  # type: ignore[no-untyped-def]
    await pilot.press("n")
    pilot.app.focused.value = line
    await pilot.press("enter")
    await pilot.pause()
    assert pilot.app.focused.value == ""  # saved
    await pilot.press("escape")  # back to the timeline


async def fill_record(pilot, app: WarroomApp, values: dict[str, str]) -> None:  # type: ignore[no-untyped-def]
    await pilot.press("R")
    await wait_for(pilot, lambda: isinstance(app.screen, RecordScreen), "the record form")
    for name, value in values.items():
        app.screen.query_one(f"#record-{name}", Input).value = value
    await pilot.press("ctrl+s")
    await wait_for(pilot, lambda: not isinstance(app.screen, RecordScreen), "the form closed")
    await pilot.pause(0.05)


async def copy(pilot, screen: MainScreen, audience: str) -> str:  # type: ignore[no-untyped-def]
    """Pick the audience's tab in the comms pane, refill, copy; the text as copied."""
    composer = screen.query_one(CommsComposer)
    await pilot.press("4")
    for _ in range(len(composer.templates)):
        if composer.template is not None and composer.template.id == audience:
            break
        await pilot.press("right")
        await pilot.pause()
    await pilot.press("ctrl+r")
    await pilot.pause(0.05)
    count = len(screen.session.state.comms)
    await pilot.press("y")
    await wait_for(pilot, lambda: len(screen.session.state.comms) > count, "the copy")
    copied = screen.session.state.comms[-1]
    assert copied.payload["audience"] == audience
    assert copied.payload["text"] == pilot.app.clipboard
    return str(copied.payload["text"])


def clean(text: str, audience: str) -> None:
    assert not PLACEHOLDER.search(text), (audience, PLACEHOLDER.search(text))
    if audience != "responders":
        for internal in INTERNAL:
            if audience == "executives" and internal == "INC-":
                continue
            assert internal not in text, (audience, internal)


async def test_an_hour_of_incident_gives_updates_nobody_has_to_rewrite(tmp_path: Path) -> None:
    clock = Clock()
    app = console(tmp_path, clock)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await declare(pilot, app)
        state = lambda: screen.session.state  # noqa: E731
        clock.at(1)
        await note(pilot, "-9m alert: checkout 5xx above 20%")  # backdated alert
        await fill_record(
            pilot,
            app,
            {
                "impact": "Customers cannot complete checkout",
                "affected": "All customers on web and app, about 40% of orders",
                "workaround": "Pay by invoice from the basket page",
                "customer_summary": "Some customers cannot complete checkout.",
                "impact_started": "-12m",
            },
        )
        assert state().record.milestones["impact_started"] == T0 - timedelta(minutes=11)
        clock.at(3)
        await note(pilot, "f: connection pool exhausted on db-1")
        await note(pilot, "d: roll back release 412")
        await note(pilot, "t: check replica lag @bob")
        clock.at(5)
        await screen.record_change(probe_change("api", "http", "down", "up", "status 503", clock()))
        await screen.record_change(probe_change("web", "http", "down", "up", "timeout", clock()))

        clock.at(10)
        first = {a: await copy(pilot, screen, a) for a in ("responders", "executives", "customers")}
        for audience, text in first.items():
            clean(text, audience)
            assert "Next update by 15:10 UTC" in text, audience
        assert "Impact since 2026-11-23 13:49 UTC, 21m 00s so far." in first["responders"]
        assert "Impact: Customers cannot complete checkout" in first["responders"]
        assert "- api: down since 14:05 UTC (status 503)" in first["responders"]
        assert "- roll back release 412 (14:03 UTC)" in first["responders"]
        assert "- check replica lag (owner: bob)" in first["executives"]
        assert "Impact since 2026-11-23 13:49 UTC, 21m 00s so far." in first["executives"]
        assert "Business impact: Customers cannot complete checkout" in first["executives"]
        assert first["customers"].startswith("Some customers cannot complete checkout.\n")
        assert "Workaround: Pay by invoice from the basket page" in first["customers"]
        for internal in ("api", "db-1", "bob", "412", "SEV"):
            assert internal not in first["customers"], internal
        # The header counts down to what the updates promised.
        due = screen.query_one("#header").render()
        assert "next update in 1h 00m" in str(due)

        clock.at(25)
        await screen.record_change(probe_change("web", "http", "up", "down", "", clock()))
        await note(pilot, "a: drained db-1 connections")
        await pilot.press("u")
        await wait_for(pilot, lambda: isinstance(app.screen, PickerScreen), "status picker")
        await pilot.press("down", "enter")  # identified
        await wait_for(pilot, lambda: state().status.value == "identified", "identified")

        clock.at(40)
        second = {
            a: await copy(pilot, screen, a) for a in ("responders", "executives", "customers")
        }
        for audience, text in second.items():
            clean(text, audience)
            assert "Next update by 15:40 UTC" in text, audience
        for audience in ("responders", "executives"):
            text = second[audience]
            assert "Customers cannot complete checkout" in text  # the impact, again
            assert "web: recovered at 14:25 UTC after being down from 14:05 UTC" in text
            assert "api: down since 14:05 UTC" in text
            assert "roll back release 412 (14:03 UTC)" in text  # the decision, again
            assert "check replica lag (owner: bob)" in text  # open until done
            assert "status is now identified" in text
        assert "- 14:25 UTC: done: drained db-1 connections" in second["responders"]
        assert "We have found the cause and are working on a fix." in second["customers"]

        # The todo is done; resolution asks for the summary and the mitigation time.
        clock.at(50)
        await pilot.press("ctrl+p")
        await wait_for(pilot, lambda: isinstance(app.screen, CommandPalette), "the palette")
        await pilot.press(*"todo done", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, PickerScreen), "todo picker")
        await pilot.press("enter")
        await wait_for(pilot, lambda: all(e.done for e in state().notes(NoteKind.TODO)), "done")
        clock.at(60)
        await pilot.press("u")
        await wait_for(pilot, lambda: isinstance(app.screen, PickerScreen), "status picker")
        await pilot.press(*"resolved", "enter")  # the status picker filters as you type
        await wait_for(pilot, lambda: isinstance(app.screen, TextPromptScreen), "summary")
        app.screen.query_one(Input).value = "Rolled back release 412; the pool recovered"
        await pilot.press("enter")
        await wait_for(pilot, lambda: "mitigated" in str(app.screen.title_text), "mitigation")
        app.screen.query_one(Input).value = "-15m"
        await pilot.press("enter")
        await wait_for(pilot, lambda: not state().is_open, "resolved")
        assert state().mitigated_at == T0 + timedelta(minutes=45)

        clock.at(62)
        final = {a: await copy(pilot, screen, a) for a in ("responders", "executives", "customers")}
        for audience, text in final.items():
            clean(text, audience)
            assert "This is the final update for this incident." in text
            assert "owner: bob" not in text  # done: no longer a next step
        assert final["responders"].startswith("[RESOLVED] ")
        assert "Resolution: Rolled back release 412; the pool recovered" in final["executives"]
        assert "Resolved at 2026-11-23 15:00 UTC." in final["executives"]
        assert "Mitigated at 2026-11-23 14:45 UTC." in final["executives"]
        # Counted from the impact's start, not the declaration.
        assert "Impact lasted 1h 11m, from 13:49 UTC to 15:00 UTC." in final["executives"]
        assert "Workaround" not in final["customers"]  # no longer needed
        flags = screen.query_one(CommsComposer).last_draft.flags()  # type: ignore[union-attr]
        assert "Set before the resolution, check it: customer summary (press R)" in flags
        assert "Resolved in 1h 11m, over the 1h 00m target." in final["responders"]
        assert "- 14:50 UTC: done: check replica lag" in final["responders"]
        assert "The problem is resolved" in final["customers"]
        assert "Resolved: 2026-11-23 15:00 UTC" in final["customers"]
        postmortem = to_markdown(state(), screen.session.ladder, clock(), UTC, "UTC")
    assert "Rolled back release 412; the pool recovered" in postmortem.split("## Resolution")[1]
    assert "- **Impact started:** 2026-11-23 13:49:00 UTC" in postmortem
    assert "- **Duration:** 1h 11m" in postmortem
    kinds = [e.kind for e in LocalStore(tmp_path / "data").load_sync(state().id).events]
    assert kinds.count(EventKind.COMMS_COPIED) == 9


async def test_enter_edits_the_draft_and_escape_leaves_it_zoomed_or_not(tmp_path: Path) -> None:
    clock = Clock()
    app = console(tmp_path, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await declare(pilot, app)
        area = screen.query_one("#comms-draft", TextArea)
        for zoomed in (False, True):
            await pilot.press("4")
            if zoomed:
                await pilot.press("z")
                assert screen.maximized is not None
            await pilot.press("enter")
            assert app.focused is area
            await pilot.press("s")  # typed into the draft, not the severity picker
            assert not isinstance(app.screen, PickerScreen)
            await pilot.press("escape")
            await pilot.pause()
            assert app.focused is not area
            assert (screen.maximized is not None) == zoomed  # still zoomed: escape left the editor
            await pilot.press("i")
            assert app.focused is area
            await pilot.press("escape", "s")
            await wait_for(pilot, lambda: isinstance(app.screen, PickerScreen), "severity picker")
            await pilot.press("escape")
            if zoomed:
                await pilot.press("escape")
                await pilot.pause()
                assert screen.maximized is None
        titles = [command.title for command in app.get_system_commands(screen)]
        for title in ("Comms: copy the draft", "Comms: refill the draft", "Comms: next template"):
            assert title in titles
        assert "Comms: previous template" in titles and "Situation record" in titles
        comms_keys = dict(app.key_help())["Comms pane"]
        assert ("enter", "edit the draft") in comms_keys
        assert ("escape", "leave the editor") in comms_keys


async def test_an_overdue_update_rings_once_and_says_so(tmp_path: Path) -> None:
    clock = Clock()
    app = console(tmp_path, clock)
    bells: list[int] = []
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await declare(pilot, app)
        app.bell = lambda: bells.append(1)  # type: ignore[method-assign]
        clock.at(30)
        assert await screen.runtime.fire_due() == []
        assert bells == []
        clock.at(61)
        assert len(await screen.runtime.fire_due()) == 1
        assert await screen.runtime.fire_due() == []
        assert bells == [1]
        await pilot.pause()
        assert any("overdue" in n.message for n in app._notifications)
        fired = [e for e in screen.state.entries if e.kind is EventKind.TIMER_FIRED]
        assert [e.text for e in fired] == [
            "Status update overdue: the next was promised by 15:00 UTC"
        ]
        clock.at(62)
        await copy(pilot, screen, "responders")
        clock.at(123)
        await screen.runtime.fire_due()
        assert bells == [1, 1]  # a new promise, broken again


async def test_the_bell_and_notice_can_be_turned_off(tmp_path: Path) -> None:
    clock = Clock()
    config = Config(overdue_bell=False, overdue_notify=False)
    app = console(tmp_path, clock, config)
    bells: list[int] = []
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await declare(pilot, app)
        app.bell = lambda: bells.append(1)  # type: ignore[method-assign]
        clock.at(70)
        assert len(await screen.runtime.fire_due()) == 1  # still in the timeline
        assert bells == []
        await pilot.pause()
        assert not any("overdue" in n.message for n in app._notifications)


async def test_a_bad_time_in_the_record_form_keeps_everything_typed(tmp_path: Path) -> None:
    clock = Clock()
    app = console(tmp_path, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await declare(pilot, app)
        await pilot.press("R")
        await wait_for(pilot, lambda: isinstance(app.screen, RecordScreen), "the record form")
        form = app.screen
        form.query_one("#record-impact", Input).value = "Checkout down"
        form.query_one("#record-mitigated", Input).value = "half past"
        form.query_one("#record-next_update_at", Input).value = "+20m"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is form
        error = str(form.query_one("#record-error").render())
        assert error.startswith("Mitigated: cannot read time 'half past'")
        assert form.query_one("#record-impact", Input).value == "Checkout down"
        form.query_one("#record-mitigated", Input).value = ""
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: screen.session.state.record.fact("impact") != "", "saved")
        await pilot.pause(0.05)
        assert screen.session.state.record.next_update_at == T0 + timedelta(minutes=20)


def test_composer_snapshot(snap_compare, tmp_path: Path) -> None:
    """The executives' draft zoomed at 80x24: audience, promise, the facts left out."""

    async def run_before(pilot) -> None:  # type: ignore[no-untyped-def]
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, MainScreen), "main screen")
        await pilot.press("4", "right", "z")
        await pilot.pause(0.1)
        still(pilot.app)
        await pilot.pause()

    assert snap_compare(make_app(tmp_path), terminal_size=(80, 24), run_before=run_before)
