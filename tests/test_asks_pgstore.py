"""Asks and the handoff on two consoles sharing one incident in a throwaway PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.command import CommandList

from tests.support.pgstore import make_store
from tests.test_asks_console import Clock, console, main_screen, moved, until
from tests.ui_support import NOW
from warroom.model.events import EventKind
from warroom.model.incident import fold
from warroom.model.severity import PRESETS
from warroom.services.incidents import IncidentService
from warroom.ui.screens.handoff import HandoffScreen
from warroom.ui.screens.picker import TextPromptScreen

pytestmark = pytest.mark.postgres
LADDER = PRESETS["sev1-sev3"]


async def declare(dsn: str, tmp_path: Path, clock: Clock) -> str:
    setup = make_store(dsn, tmp_path / "setup")
    declared = await IncidentService(setup, "dana", LADDER, clock=clock).declare(
        "Checkout fails", "SEV-2", roles={"IC": "Dana"}
    )
    await setup.close()
    return declared.incident_id


def shared_console(dsn: str, tmp_path: Path, author: str, incident: str, clock: Clock):  # type: ignore[no-untyped-def]
    folder = tmp_path / author
    service = IncidentService(make_store(dsn, folder), author, LADDER, clock=clock)
    return console(service, folder, tmp_path, clock, incident)


async def test_an_ask_expires_once_for_two_consoles_and_its_answer_shows_on_both(
    dsn: str, tmp_path: Path
) -> None:
    clock = Clock(NOW)
    incident = await declare(dsn, tmp_path, clock)
    (dana_app, dana_bell), (marco_app, marco_bell) = (
        shared_console(dsn, tmp_path, name, incident, clock) for name in ("dana", "marco")
    )
    async with (
        dana_app.run_test(size=(120, 40)) as dana,
        marco_app.run_test(size=(120, 40)) as marco,
    ):
        mine, theirs = await main_screen(dana), await main_screen(marco)
        await dana.press("a")
        await dana.pause()
        dana_app.screen.query_one("#ask-line").value = "@priya check pgbouncer 2m #db"
        await dana.press("enter")
        await until(marco, lambda: bool(theirs.session.state.asks))
        (ask_id,) = theirs.session.state.asks

        moved(dana_app, clock, minutes=2, seconds=1)
        marco_app.runtime.wake()  # type: ignore[union-attr]
        await until(dana, lambda: dana_bell.rings == 1)
        await until(marco, lambda: marco_bell.rings == 1)
        for app in (dana_app, marco_app):  # the rules looked at again: nothing more fires
            app.runtime.wake()  # type: ignore[union-attr]
        await dana.pause(0.5)
        assert (dana_bell.rings, marco_bell.rings) == (1, 1)  # once per console, never again
        for screen in (mine, theirs):
            state = screen.session.state
            assert list(state.fired_timers) == [state.asks[ask_id].deadline_key]
            fired = [e for e in state.entries if e.kind is EventKind.TIMER_FIRED]
            assert len(fired) == 1  # one line in every console's timeline

        await marco.press("A")
        await marco.pause()
        await marco.press("enter")
        await until(marco, lambda: isinstance(marco_app.screen, TextPromptScreen))
        await marco.press(*"pool at 60%", "enter")
        await until(dana, lambda: not mine.session.state.asks[ask_id].is_open)
        answered = mine.session.state.asks[ask_id]
        assert (answered.answer, answered.closed_by) == ("pool at 60%", "marco")

    store = make_store(dsn, tmp_path / "check")
    events = (await store.load(incident)).events
    await store.close()
    state = fold(events)
    assert not state.asks[ask_id].is_open and len(state.fired_timers) == 1
    # one timer_fired event in the database, whichever console wrote it
    assert sum(1 for e in events if e.kind is EventKind.TIMER_FIRED) == 1


def palette_offers(app, words: str) -> bool:  # type: ignore[no-untyped-def]
    """The command palette has found its commands and highlights one saying `words`."""
    found = app.screen.query(CommandList)
    option = found.first().highlighted_option if found else None
    prompt = getattr(option, "prompt", "")
    return words in str(getattr(prompt, "plain", prompt)).lower()


async def test_a_handoff_accepted_on_one_console_shows_on_both(dsn: str, tmp_path: Path) -> None:
    clock = Clock(NOW)
    incident = await declare(dsn, tmp_path, clock)
    (dana_app, _), (marco_app, _) = (
        shared_console(dsn, tmp_path, name, incident, clock) for name in ("dana", "Marco")
    )
    async with (
        dana_app.run_test(size=(120, 40)) as dana,
        marco_app.run_test(size=(80, 24)) as marco,
    ):
        mine, theirs = await main_screen(dana), await main_screen(marco)
        await dana.press("H")  # the outgoing IC shows the brief
        await until(dana, lambda: isinstance(dana_app.screen, HandoffScreen))
        assert "- IC: Dana" in dana_app.clipboard

        await marco.press("ctrl+p")  # the new IC takes command from the palette
        await marco.pause()
        await marco.press(*"Take command")
        await until(marco, lambda: palette_offers(marco_app, "take command"))
        await marco.press("enter")
        await until(marco, lambda: isinstance(marco_app.screen, TextPromptScreen))
        await marco.press("enter")  # as Marco, the console's author
        await until(marco, lambda: theirs.session.state.roles.get("IC") == "Marco")

        await until(dana, lambda: mine.session.state.roles.get("IC") == "Marco")
        await until(dana, lambda: "- IC: Marco" in dana_app.screen.brief)  # the open modal
        header = str(mine.query_one("#header").render())
        assert "IC: Marco" in header
        assert mine.session.state.entries[-1].text == "IC: Dana -> Marco"
        assert mine.session.state.role_since["IC"] == NOW
        assert "IC: Marco" in str(theirs.query_one("#header").render())
