"""The scenario model: step ids, severity gates across ladders, lookups."""

from __future__ import annotations

import pytest

from warroom.model.scenario import Phase, Scenario, Step, derived_step_id
from warroom.model.severity import PRESETS
from warroom.scenarios import parse_scenario_text

SEV = PRESETS["sev1-sev3"]
SEV0 = PRESETS["sev0-sev3"]
P0 = PRESETS["p0-p3"]

DOC = """
id = "gates"
title = "Gates"

[[phase]]
id = "assess"

[[phase.step]]
text = "always"

[[phase.step]]
id = "exec-brief"
text = "brief executives"
min_severity = "SEV-1"

[[phase.step]]
text = "status page"
min_severity = "SEV-2"

[[phase.step]]
text = "p0 only"
min_severity = "P0"

[[phase]]
id = "mitigate"
title = "Mitigate"

[[phase.step]]
text = "gated away"
min_severity = "SEV-1"
"""


@pytest.fixture
def scenario() -> Scenario:
    parsed, problems = parse_scenario_text(DOC, "gates.toml")
    assert parsed is not None, problems
    return parsed


def texts(steps: tuple[Step, ...]) -> list[str]:
    return [step.text for step in steps]


def test_step_ids_are_explicit_or_derived_from_phase_and_position(scenario: Scenario) -> None:
    assert [s.id for s in scenario.steps()] == [
        "assess-1",
        "exec-brief",
        "assess-3",
        "assess-4",
        "mitigate-1",
    ]
    assert derived_step_id("assess", 3) == "assess-3"
    assert scenario.step("exec-brief").text == "brief executives"
    assert scenario.phase_of("mitigate-1").id == "mitigate"
    assert scenario.phase("assess").title == "Assess"  # title defaults to the id
    assert scenario.step("nope") is None and scenario.phase("nope") is None


def test_step_ids_survive_a_text_edit(scenario: Scenario) -> None:
    edited, _ = parse_scenario_text(DOC.replace('"always"', '"always, reworded"'), "g.toml")
    assert [s.id for s in edited.steps()] == [s.id for s in scenario.steps()]


def test_visible_steps_gate_on_the_incident_ladder(scenario: Scenario) -> None:
    assert texts(scenario.visible_steps("assess", SEV, "SEV-1")) == [
        "always",
        "brief executives",
        "status page",
        "p0 only",
    ]
    assert texts(scenario.visible_steps("assess", SEV, "SEV-2")) == ["always", "status page"]
    assert texts(scenario.visible_steps("assess", SEV, "sev3")) == ["always"]


def test_thresholds_from_another_ladder(scenario: Scenario) -> None:
    # On SEV-0..SEV-3, "SEV-1" is the second rung; "P0" maps to the most severe rung.
    assert texts(scenario.visible_steps("assess", SEV0, "SEV-0")) == [
        "always",
        "brief executives",
        "status page",
        "p0 only",
    ]
    assert "brief executives" in texts(scenario.visible_steps("assess", SEV0, "SEV-1"))
    assert "p0 only" not in texts(scenario.visible_steps("assess", SEV0, "SEV-1"))
    # On P0..P3, "SEV-1" (top of its ladder) only shows at P0.
    assert "brief executives" in texts(scenario.visible_steps("assess", P0, "P0"))
    assert "brief executives" not in texts(scenario.visible_steps("assess", P0, "P1"))


def test_unknown_or_unset_severity_shows_everything(scenario: Scenario) -> None:
    assert len(scenario.visible_steps("assess", SEV, None)) == 4
    assert len(scenario.visible_steps("assess", SEV, "not-a-level")) == 4
    assert scenario.visible_steps("missing-phase", SEV, "SEV-1") == ()


def test_visible_phases_drop_phases_gated_to_nothing(scenario: Scenario) -> None:
    assert [p.id for p, _ in scenario.visible_phases(SEV, "SEV-3")] == ["assess"]
    assert [p.id for p, _ in scenario.visible_phases(SEV, "SEV-1")] == ["assess", "mitigate"]


def test_notes_only_phase_stays_visible() -> None:
    phase = Phase(id="flow", title="Flow", notes="a diagram")
    scenario = Scenario(id="x", title="X", phases=(phase,))
    assert scenario.visible_phases(SEV, "SEV-3") == [(phase, ())]
    assert scenario.step_count == 0
