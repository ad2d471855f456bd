"""Drill scripts: the shipped ones fit their scenarios; parsing, planning, matching ticks."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from warroom.drill.library import DEFAULT_DRILL, load_drills, shipped_sources
from warroom.drill.script import (
    CAUSE_GAP,
    DrillScriptError,
    OnTick,
    parse_script,
    plan,
    unknown_steps,
)
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
    assert len(shipped_sources()) == len(library.scripts) >= 12
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
        assert any(rule.matches(scenario.id, step.id) for step in visible), (
            f"{script.id}: no visible step of {scenario.id} sets off {rule.what!r}"
        )
        for listed in rule.steps:  # every named fix is on screen at the drill's severity
            scenario_id, _, step_id = listed.partition("/")
            step = catalogue.get(scenario_id).step(step_id)  # type: ignore[union-attr]
            assert step.visible_at(LADDER, script.severity), listed
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


def test_on_tick_matches_step_ids_only() -> None:
    rule = OnTick(steps=("deployment-rollback/rollback-1",), then=())
    assert rule.matches("deployment-rollback", "rollback-1")
    assert not rule.matches("other", "rollback-1")  # the same step id in another scenario
    assert not rule.matches(
        "general", "assign-ops"
    )  # "...deploys, rollbacks": words count for nothing


def test_effects_wait_for_their_causes_and_recoveries_are_not_faults() -> None:
    text = MINIMAL.replace('at = "10s"', 'id = "first"\nat = "10s"').replace(
        'at = "20s"', 'after = "first"\nkind = "recovery"\nat = "5s"'
    )
    script = parse_script(text, "tiny.toml")
    for seed in range(50):
        cause, effect = plan(script, seed, 1)
        assert effect.cause == cause.index and effect.kind == "recovery"
        assert effect.offset >= cause.offset + CAUSE_GAP - 1e-9


def test_step_ids_are_checked_against_the_scenarios(tmp_path: Path) -> None:
    text = MINIMAL + '[[on_tick]]\nsteps = ["general/no-such-step", "nowhere/x-1"]\n'
    text += '[[on_tick.then]]\nservice = "api"\nstatus = 200\n'
    script = parse_script(text, "tiny.toml")
    assert unknown_steps(script, {"general": {"assess-1"}}) == [
        "general/no-such-step",
        "nowhere/x-1",
    ]
    folder = tmp_path / "drills"
    folder.mkdir()
    (folder / "typo.toml").write_text(text)
    library = load_drills(folder)
    assert "tiny" not in library.scripts
    assert library.problems == [
        f"{folder / 'typo.toml'}: no such checklist step 'general/no-such-step', 'nowhere/x-1'"
        " (steps are 'scenario/step' ids)"
    ]


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
        (MINIMAL + "[[on_tick]]\ndelay = '1s'\n", "on_tick[1]: needs 'steps'"),
        (MINIMAL + "[[on_tick]]\nsteps = ['a/b']\n", "at least one [[on_tick.then]]"),
        (MINIMAL + "[[on_tick]]\nsteps = ['rollback-1']\n", "must be 'scenario/step'"),
        (MINIMAL + "[[on_tick]]\nmentions = ['roll back']\n", "named by id only"),
        (MINIMAL + "[[on_tick]]\nafter = '2s'\n", "is 'delay'"),
        (MINIMAL.replace('at = "20s"', 'after = "nope"\nat = "20s"'), "not the id of an earlier"),
        (MINIMAL.replace('at = "10s"', 'kind = "glitch"\nat = "10s"'), "'kind' must be one of"),
        (
            MINIMAL.replace('at = "10s"', 'id = "a"\nat = "10s"').replace(
                'at = "20s"', 'id = "a"\nat = "20s"'
            ),
            "duplicate id 'a'",
        ),
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


def test_every_drill_has_an_example_play_that_ticks_its_fix() -> None:
    from warroom.drill.play import parse_play

    plays = Path(__file__).resolve().parents[1] / "docs" / "drill-plays"
    for script in load_drills().all():
        path = plays / f"{script.id}.play"
        steps = parse_play(path.read_text(), str(path))
        ticked = {step.argument for step in steps if step.action == "tick"}
        assert ticked and ticked <= script.fix_steps, script.id
        assert {"role", "copy", "note", "status"} <= {step.action for step in steps}


def test_the_general_checklists_rollback_words_fix_nothing_by_themselves() -> None:
    bad_deploy = load_drills().scripts["bad-deploy"]
    # "Assign Ops (infrastructure, deploys, rollbacks)" used to set off the rollback.
    assert not any(rule.matches("general", "roles-2") for rule in bad_deploy.on_tick)
    assert any(rule.matches("general", "mitigate-2") for rule in bad_deploy.on_tick)
