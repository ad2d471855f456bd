"""Drill scripts: the shipped ones fit their scenarios; parsing, planning, matching ticks."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from warroom.drill.library import DEFAULT_DRILL, load_drills, shipped_sources
from warroom.drill.script import DrillScriptError, OnTick, parse_script, plan
from warroom.model.severity import PRESETS
from warroom.scenarios.loader import load_scenarios

LADDER = PRESETS["sev1-sev3"]

MINIMAL = """
id = "tiny"
title = "Tiny"
scenario = "general"
[[timeline]]
at = "10s"
jitter = "4s"
service = "api"
status = 503
[[timeline]]
at = "20s"
service = "vendor"
component_status = "major_outage"
"""


def test_every_shipped_drill_loads_with_a_unique_id() -> None:
    library = load_drills()
    assert library.problems == []
    assert len(shipped_sources()) == len(library.scripts) >= 5
    assert library.find(None).id == DEFAULT_DRILL


@pytest.mark.parametrize("script", load_drills().all(), ids=lambda s: s.id)
def test_each_drill_can_be_recovered_from_its_own_checklist(script) -> None:  # type: ignore[no-untyped-def]
    catalogue = load_scenarios(include_user=False)
    scenario = catalogue.get(script.scenario)
    assert scenario is not None, f"{script.id}: no shipped scenario {script.scenario!r}"
    visible = [
        step for _, steps in scenario.visible_phases(LADDER, script.severity) for step in steps
    ]
    for rule in script.on_tick:
        for listed in rule.steps:
            scenario_id, _, step_id = listed.rpartition("/")
            target = catalogue.get(scenario_id or script.scenario)
            assert target is not None and target.step(step_id) is not None, listed
        assert any(rule.matches(scenario.id, step.id, step.text) for step in visible), (
            f"{script.id}: no visible step of {scenario.id} sets off {rule.what!r}"
        )
    # Faults come before the end of a short drill: a new user sees the outage quickly.
    assert min(entry.at for entry in script.timeline) <= 5


def test_plan_is_deterministic_for_a_seed_and_scaled_by_speed() -> None:
    script = parse_script(MINIMAL, "tiny.toml")
    first = plan(script, seed=42, speed=1)
    assert plan(script, seed=42, speed=1) == first
    jittered = {round(plan(script, seed, 1)[0].offset, 6) for seed in range(20)}
    assert len(jittered) > 1 and all(6 <= offset <= 14 for offset in jittered)
    fast = plan(script, seed=42, speed=10)
    assert [round(p.offset * 10, 6) for p in fast] == [round(p.offset, 6) for p in first]
    assert fast[-1].offset == pytest.approx(2.0)
    with pytest.raises(ValueError):
        plan(script, seed=1, speed=0)


def test_on_tick_matches_ids_and_words() -> None:
    rule = OnTick(
        mentions=("roll back",),
        steps=("deployment-rollback/rollback-1", "mitigate-9"),
        then=(),
    )
    assert rule.matches("deployment-rollback", "rollback-1", "Promote the last good one")
    assert not rule.matches("other", "rollback-1", "Promote the last good one")
    assert rule.matches("any", "mitigate-9", "")
    assert rule.matches("any", "x-1", "Stop the damage: ROLL\n  BACK now")
    assert not rule.matches("any", "x-1", "Roll forward")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('id="x"\ntitle="x"\nscenario="g"', "at least one [[timeline]]"),
        (MINIMAL.replace('service = "api"', 'service = "mail"'), "unknown service 'mail'"),
        (MINIMAL.replace("status = 503", "status = 99"), "'status' must be an HTTP status"),
        (MINIMAL.replace("status = 503", "pool = 0.5"), "unknown key 'pool'"),
        (MINIMAL.replace('at = "10s"', "at = 10"), "duration with a unit"),
        (MINIMAL.replace('at = "10s"\n', ""), "timeline[1]: missing 'at'"),
        ('severity = "P9"' + MINIMAL, "'severity' must be one of SEV-1"),
        (MINIMAL + "[[on_tick]]\nafter = '1s'\n", "on_tick[1]: needs 'mentions'"),
        (MINIMAL + "[[on_tick]]\nmentions = ['x']\n", "at least one [[on_tick.then]]"),
        ("id = [", "invalid TOML"),
    ],
    ids=lambda value: value if len(value) < 40 else None,
)
def test_bad_scripts_get_one_line_naming_file_and_entry(text: str, message: str) -> None:
    with pytest.raises(DrillScriptError) as caught:
        parse_script(text, "drills/bad.toml")
    assert str(caught.value).startswith("drills/bad.toml")
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


def test_user_drills_override_shipped_and_bad_files_are_reported(tmp_path: Path) -> None:
    folder = tmp_path / "drills"
    folder.mkdir()
    (folder / "mine.toml").write_text(MINIMAL.replace('id = "tiny"', f'id = "{DEFAULT_DRILL}"'))
    (folder / "broken.toml").write_text("id = ")
    library = load_drills(folder)
    assert library.scripts[DEFAULT_DRILL].title == "Tiny"
    assert len(library.problems) == 1 and "broken.toml" in library.problems[0]
    assert library.find("general").id == DEFAULT_DRILL  # found by the scenario it drills


def test_drill_modules_never_import_textual() -> None:
    code = (
        "import importlib, pkgutil, sys, warroom.drill as d\n"
        "for m in pkgutil.walk_packages(d.__path__, 'warroom.drill.'):\n"
        "    importlib.import_module(m.name)\n"
        "import warroom.cli.drill_commands\n"
        "sys.exit(1 if any(m.split('.')[0] == 'textual' for m in sys.modules) else 0)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
