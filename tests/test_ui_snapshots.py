"""SVG snapshots of every screen (frozen clock, fixed probe rows, fixed incident).

Update after an intended change with: pytest tests/test_ui_snapshots.py --snapshot-update
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.ui_support import make_app, make_realistic_app, still
from warroom.store.base import ConnectionState
from warroom.ui.screens.declare import DeclareScreen
from warroom.ui.screens.main import MainScreen


async def settle(pilot, screen_type: type) -> None:  # type: ignore[no-untyped-def]
    for _ in range(300):
        if isinstance(pilot.app.screen, screen_type):
            break
        await pilot.pause(0.01)
    assert isinstance(pilot.app.screen, screen_type)
    await pilot.pause()
    still(pilot.app)
    await pilot.pause()


def main_screen(theme: str | None = None):  # type: ignore[no-untyped-def]
    async def run_before(pilot) -> None:  # type: ignore[no-untyped-def]
        await settle(pilot, MainScreen)
        if theme:
            pilot.app.theme = theme
            await pilot.pause()
            # The header paints the severity badge's theme colour on its 1 s tick: paint
            # it now, or the snapshot races that tick.
            pilot.app.screen.query_one("#header").tick()
        await pilot.pause()

    return run_before


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
def test_main_screen(snap_compare, tmp_path: Path, size: tuple[int, int]) -> None:
    assert snap_compare(make_app(tmp_path), terminal_size=size, run_before=main_screen())


@pytest.mark.parametrize("size", [(80, 24), (120, 40), (200, 60)])
def test_realistic_incident(snap_compare, tmp_path: Path, size: tuple[int, int]) -> None:
    """Shipped scenario and general checklist, long and multi-line notes, a day change, 30
    services with long names: one pane and a tab bar at 80x24, four panes above."""
    assert snap_compare(make_realistic_app(tmp_path), terminal_size=size, run_before=main_screen())


def test_realistic_incident_checklist_at_80x24(snap_compare, tmp_path: Path) -> None:
    async def run_before(pilot) -> None:  # type: ignore[no-untyped-def]
        await settle(pilot, MainScreen)
        await pilot.press("2")
        await pilot.pause()

    assert snap_compare(make_realistic_app(tmp_path), terminal_size=(80, 24), run_before=run_before)


@pytest.mark.parametrize("theme", ["warroom-dark", "warroom-light", "warroom-high-contrast"])
def test_each_theme(snap_compare, tmp_path: Path, theme: str) -> None:
    assert snap_compare(make_app(tmp_path), terminal_size=(120, 40), run_before=main_screen(theme))


def test_declare_form(snap_compare, tmp_path: Path) -> None:
    async def run_before(pilot) -> None:  # type: ignore[no-untyped-def]
        await settle(pilot, DeclareScreen)

    assert snap_compare(
        make_app(tmp_path, incident=None), terminal_size=(80, 24), run_before=run_before
    )


def test_help_screen(snap_compare, tmp_path: Path) -> None:
    async def run_before(pilot) -> None:  # type: ignore[no-untyped-def]
        await settle(pilot, MainScreen)
        await pilot.press("question_mark")
        await pilot.pause()

    assert snap_compare(make_app(tmp_path), terminal_size=(120, 40), run_before=run_before)


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
def test_header_when_the_shared_store_cannot_send(
    snap_compare, tmp_path: Path, size: tuple[int, int]
) -> None:
    app = make_app(tmp_path)
    refused = "the database schema is at version 2, newer than this warroom knows (1)"
    state = ConnectionState(
        online=False, queued=2, detail="", unsent=3, unsent_noun="notes", refused=refused
    )
    app.service.store.connection_state = lambda: state  # type: ignore[method-assign]
    assert snap_compare(app, terminal_size=size, run_before=main_screen())
