"""The footer, read off the rendered screen: how to quit and how to get help at every
width, whole keys only (never a lone half-key at the edge), the focused pane's keys
before the rest, the config's rebinding, modals with a footer of their own, clicks."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.screen import Screen

from tests.ui_support import make_app, make_realistic_app
from warroom.config import Config
from warroom.ui.footer import FooterKey, KeysFooter, fit
from warroom.ui.screens.declare import DeclareScreen
from warroom.ui.screens.main import MainScreen

WIDTHS = (80, 100, 120, 160, 200)


async def wait_main(pilot: Pilot[int]) -> MainScreen:
    for _ in range(300):
        screen = pilot.app.screen
        if isinstance(screen, MainScreen) and screen.query("#timeline"):
            await pilot.pause()
            return screen
        await pilot.pause(0.01)
    raise AssertionError(f"main screen never came up: {pilot.app.screen}")


async def until(pilot: Pilot[int], holds: Any, what: str) -> None:
    for _ in range(300):
        if holds():
            return
        await pilot.pause(0.01)
    raise AssertionError(f"never happened: {what}")


def bottom_line(app: Any) -> str:
    """The last row of the screen as a person sees it (the composited frame)."""
    update = app.screen._compositor.render_update(full=True)
    strips = update.strips
    last = strips[-1]
    return "".join(segment.text for segment in last)


def labels(screen: Screen[Any]) -> list[str]:
    """'key description' for every binding from the focused widget up to the app, written
    as Textual writes keys (what a footer may show; what it shows, in what order, is the
    test)."""
    app = screen.app
    found = []
    for _node, bindings in screen._binding_chain:  # focused widget ... app, keymap applied
        for _key, binding in bindings:
            shown = app.get_key_display(binding)
            found += [f"{shown} {binding.description}".strip(), shown]
            if binding.id == "main.help":
                found.append(f"{shown} Help")  # the footer's short word for it
    found.append("^p palette")
    return sorted(set(found), key=len, reverse=True)


def parse_keys(line: str, known: list[str]) -> list[str]:
    """Split a footer line into the keys it shows; fail on anything that is not a whole
    key (a key cut in half at the edge: 'O' for 'O Outbox', 'Hypoth')."""
    found = []
    rest = line.replace("▏", " ")
    while rest.strip():
        rest = rest.lstrip(" ")
        match = next(
            (label for label in known if rest.startswith(label + " ") or rest == label), None
        )
        assert match is not None and " " in match, f"not a whole key at {rest[:20]!r} in {line!r}"
        found.append(match)
        rest = rest[len(match) :]
    return found


@pytest.mark.parametrize("width", WIDTHS)
async def test_quit_and_help_show_at_every_width_and_no_key_is_cut(
    tmp_path: Path, width: int
) -> None:
    app = make_realistic_app(tmp_path)
    height = 24 if width == 80 else 40
    async with app.run_test(size=(width, height)) as pilot:
        screen = await wait_main(pilot)
        for pane in ("3", "2", "1", "4"):
            await pilot.press(pane)
            await pilot.pause()
            line = bottom_line(app)
            shown = parse_keys(line, labels(screen))
            assert shown[:2] == ["^q Quit", "? Help"], (pane, line)
            assert len(line) <= width
        await pilot.press("3", "n")  # the note line: its own keys, and the way back
        await pilot.pause()
        line = bottom_line(app)
        shown = parse_keys(line, labels(screen))
        assert shown[:2] == ["^q Quit", "esc Back to the timeline"], line
        assert "⏎ Save note" in shown, line


async def test_the_focused_panes_keys_come_before_the_screens(tmp_path: Path) -> None:
    app = make_realistic_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await wait_main(pilot)
        await pilot.press("3")
        await pilot.pause()
        shown = parse_keys(bottom_line(app), labels(screen))
        assert shown[2:5] == ["⏎ Edit", "x Strike", "p Pin"], shown
        await pilot.press("4")
        await pilot.pause()
        shown = parse_keys(bottom_line(app), labels(screen))
        assert "y Copy" in " ".join(shown[2:4]), shown


async def test_rebound_quit_and_help_keys_show_as_rebound(tmp_path: Path) -> None:
    config = Config(keys={"app.quit": "ctrl+x", "main.help": "f1"})
    app = make_app(tmp_path, config=config)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await wait_main(pilot)
        shown = parse_keys(bottom_line(app), labels(screen))
        assert shown[:2] == ["^x Quit", "f1 Help"], shown


@pytest.mark.parametrize(
    ("key", "first"),
    [
        ("E", ["^q Quit", "esc Close"]),
        ("A", ["^q Quit", "esc Close"]),
        ("O", ["^q Quit", "esc Close"]),
        ("question_mark", ["^q Quit", "esc Close"]),
        ("h", ["^q Quit", "esc Close"]),
        ("u", ["^q Quit", "esc Cancel"]),
    ],
)
async def test_a_modal_has_a_footer_of_its_own_that_fits(
    tmp_path: Path, key: str, first: list[str]
) -> None:
    app = make_realistic_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_main(pilot)
        await pilot.press(key)
        await until(pilot, lambda: not isinstance(app.screen, MainScreen), "the modal")
        await pilot.pause()
        modal = app.screen
        assert modal.query_one(KeysFooter)
        shown = parse_keys(bottom_line(app), labels(modal))
        assert shown[:2] == first, shown
        assert "n Note" not in shown  # the main screen's keys do not work here


async def test_a_click_on_a_key_presses_it(tmp_path: Path) -> None:
    app = make_realistic_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await wait_main(pilot)
        footer = screen.query_one(KeysFooter)
        start = bottom_line(app).index("? Help")
        await pilot.click(KeysFooter, offset=(start + 1, 0))
        await until(pilot, lambda: not isinstance(app.screen, MainScreen), "the help")
        assert "HelpScreen" in type(app.screen).__name__
        assert footer.shown_keys()[0].description == "Quit"


def test_fit_drops_whole_keys_and_keeps_the_palette_for_a_line_with_room() -> None:
    keys = [FooterKey("ctrl+q", "^q", "Quit"), FooterKey("x", "x", "A long description")]
    palette = FooterKey("ctrl+p", "^p", "palette")
    assert fit(keys, palette, 7, compact=True) == ([keys[0]], False)
    assert fit(keys, palette, 6, compact=True) == ([], False)
    assert fit(keys, palette, 28, compact=True) == (keys, False)
    assert fit(keys, palette, 39, compact=True) == (keys, False)
    assert fit(keys, palette, 40, compact=True) == (keys, True)
    shorter = FooterKey("y", "y", "Copy")
    assert fit([*keys, shorter], None, 14, compact=True) == ([keys[0], shorter], False)


async def test_a_zoomed_pane_and_the_declare_form_keep_the_footer(tmp_path: Path) -> None:
    app = make_realistic_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await wait_main(pilot)
        await pilot.press("3", "z")
        await until(pilot, lambda: screen.maximized is not None, "the zoomed timeline")
        await pilot.pause()
        assert parse_keys(bottom_line(app), labels(screen))[:2] == ["^q Quit", "? Help"]
    (tmp_path / "declare").mkdir()
    app = make_app(tmp_path / "declare", incident=None)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, DeclareScreen), "the declare form")
        await pilot.pause()
        shown = parse_keys(bottom_line(app), labels(app.screen))
        assert shown[:3] == ["^q Quit", "esc Cancel", "^s Declare"], shown
