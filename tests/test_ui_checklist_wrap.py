"""The checklist wraps every shipped scenario correctly at every size, and after zoom.

Each step is a tick box beside its text: every continuation line starts under the text
(never at column 0), no word is cut, and nothing is lost, for the general checklist and
every shipped scenario, at 80x24 (one pane), 120x40 and 200x60 (four panes), zoomed and
unzoomed again.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from tests.ui_support import make_realistic_app
from warroom.model.text import inert
from warroom.scenarios.loader import load_scenarios
from warroom.ui.panes.checklist import ChecklistView, scenarios_for
from warroom.ui.screens.main import MainScreen

SHIPPED = [scenario.id for scenario in load_scenarios().all()]
# The scenarios with the most text: what zoom and unzoom must re-wrap.
LONGEST = sorted(
    SHIPPED,
    key=lambda sid: (
        -sum(len(step.text) for phase in load_scenarios().get(sid).phases for step in phase.steps)
    ),
)[:5]


def step_lines(checklist: ChecklistView) -> dict[str, list[str]]:
    """The rendered lines of every step option, by step key."""
    rendered = {}
    for index in range(checklist.option_count):
        option = checklist.get_option_at_index(index)
        if option.id in checklist.refs:
            style = checklist.get_visual_style("option-list--option")
            strips = checklist._get_option_render(option, style)
            rendered[option.id] = [strip.text for strip in strips]
    return rendered


def check_wrapping(checklist: ChecklistView, where: str) -> int:
    width = checklist.scrollable_content_region.width
    checked = 0
    for key, lines in step_lines(checklist).items():
        step = checklist.refs[key].step
        assert lines[0].startswith(("  ☐ ", "  ☑ ")), (where, key, lines)
        for line in lines[1:]:
            assert line.startswith("    "), f"{where} {key}: continuation at column 0: {lines}"
        assert all(len(line.rstrip()) <= width for line in lines), (where, key, lines)
        shown = " ".join(line[4:].strip() for line in lines).split()
        words = inert(step.text, single_line=True).split()
        assert shown[: len(words)] == words, f"{where} {key}: words cut or lost: {lines}"
        checked += 1
    return checked


async def show_each_scenario(pilot, where: str, ids: list[str] = SHIPPED) -> int:  # type: ignore[no-untyped-def]
    screen = pilot.app.screen
    checklist = screen.query_one(ChecklistView)
    session = screen.session
    catalogue = pilot.app.catalogue
    checked = 0
    for scenario_id in ids:
        state = replace(session.state, scenario=scenario_id, severity="SEV-1")
        checklist.show(state, session.ladder, scenarios_for(state, catalogue))
        await pilot.pause()
        checked += check_wrapping(checklist, f"{where} {scenario_id}")
    return checked


@pytest.mark.parametrize("size", [(80, 24), (120, 40), (200, 60)])
async def test_every_shipped_scenario_wraps_at_every_size_and_after_zoom(
    tmp_path: Path, size: tuple[int, int]
) -> None:
    app = make_realistic_app(tmp_path)
    async with app.run_test(size=size) as pilot:
        for _ in range(300):
            if isinstance(app.screen, MainScreen):
                break
            await pilot.pause(0.01)
        await pilot.press("2")
        await pilot.pause()
        checked = await show_each_scenario(pilot, f"{size}")
        assert checked > 200  # every step of every shipped scenario (and the general one)
        general = app.screen.query_one(ChecklistView).get_option_at_index(0)
        assert general.id == "title:general"  # the first-response phase comes first
        await pilot.press("z")  # zoom: the checklist fills the screen
        await pilot.pause()
        assert app.screen.maximized is not None
        await show_each_scenario(pilot, f"{size} zoomed", LONGEST)
        await pilot.press("z")  # and back: no line keeps the zoomed width
        await pilot.pause()
        assert app.screen.maximized is None
        await show_each_scenario(pilot, f"{size} unzoomed", LONGEST)
