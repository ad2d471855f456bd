"""The shipped scenarios: all valid, unique, complete, and written in our own words."""

from __future__ import annotations

from importlib.resources import files

import pytest

from tests.conftest import shared_dir_or_skip
from warroom.model.scenario import GENERAL_SCENARIO_ID, Scenario
from warroom.model.severity import PRESETS
from warroom.scenarios import load_scenarios
from warroom.scenarios.schema import known_severity
from warroom.scenarios.text_repair import decode_runbook

# Service names of the example config (warroom.example.toml): scenarios name these.
EXAMPLE_SERVICES = {
    "api",
    "web",
    "webhooks",
    "database",
    "payments-vendor",
    "auth-vendor",
    "email-vendor",
    "redis",
}
# Every incident type the team runbooks describe (issue #3), merged where they overlap.
REQUIRED = {
    "general": "any incident",
    "payment-processing": "payment processing failure",
    "webhook-failures": "webhook failures",
    "circuit-breaker-open": "circuit breaker opened",
    "database-connections": "database connection / pool exhaustion",
    "database-performance": "database performance degradation",
    "slow-performance": "slow performance / timeouts",
    "authentication-failures": "authentication failures",
    "booking-scheduling": "booking / scheduling failures",
    "email-delivery": "email delivery failures",
    "deployment-rollback": "deployment failure and rollback",
    "site-outage": "complete site outage / API downtime",
    "third-party-outage": "third-party service outage",
    "edge-function-timeouts": "edge function timeouts",
    "high-error-rate": "high error rates",
    "sync-engine-failures": "sync-engine failures",
    "resource-exhaustion": "memory / CPU exhaustion",
    "security-incident": "security incident",
}
PROSE_RUN = 8  # this many runbook words in a row count as copied prose


@pytest.fixture(scope="module")
def shipped() -> list[Scenario]:
    catalogue = load_scenarios(include_user=False)
    assert catalogue.problems == [], [str(p) for p in catalogue.problems]
    return catalogue.all()


def test_every_shipped_file_loads_without_a_problem(shipped: list[Scenario]) -> None:
    names = sorted(
        item.name
        for item in files("warroom.bundled.scenarios").iterdir()
        if item.name.endswith(".toml")
    )
    assert len(names) == len(shipped)
    # One scenario per file, named after its id: ids are unique by construction.
    assert sorted(f"{s.id}.toml" for s in shipped) == names


def test_every_incident_type_is_covered(shipped: list[Scenario]) -> None:
    ids = {scenario.id for scenario in shipped}
    missing = {key: what for key, what in REQUIRED.items() if key not in ids}
    assert not missing


def test_every_scenario_is_complete(shipped: list[Scenario]) -> None:
    for scenario in shipped:
        assert scenario.title and scenario.summary, scenario.id
        assert scenario.phases, scenario.id
        step_ids = [step.id for step in scenario.steps()]
        assert len(step_ids) == len(set(step_ids)), scenario.id
        for phase in scenario.phases:
            assert phase.steps, f"{scenario.id}: {phase.id}"
            for step in phase.steps:
                assert step.text.strip(), f"{scenario.id}: {step.id}"
                assert all(command.strip() for command in step.commands)
                assert not step.min_severity or known_severity(step.min_severity)
        if scenario.id != GENERAL_SCENARIO_ID:
            assert scenario.symptoms, scenario.id
            assert scenario.causes, scenario.id
        assert set(scenario.services) <= EXAMPLE_SERVICES, scenario.id
        assert not scenario.severity_hint or known_severity(scenario.severity_hint)


def test_general_checklist_covers_the_response_and_gates_heavy_steps(
    shipped: list[Scenario],
) -> None:
    general = shipped[0]
    assert general.id == GENERAL_SCENARIO_ID
    assert [phase.id for phase in general.phases] == [
        "acknowledge",
        "assess",
        "declare",
        "roles",
        "triage",
        "mitigate",
        "communicate",
        "resolve",
        "review",
    ]
    ladder = PRESETS["sev1-sev3"]
    worst = general.visible_steps("communicate", ladder, "SEV-1")
    minor = general.visible_steps("communicate", ladder, "SEV-3")
    assert any("leadership" in step.text for step in worst)
    assert not any("leadership" in step.text for step in minor)
    assert len(minor) < len(worst)
    # The same gates work on a P0..P3 ladder.
    assert any(
        "leadership" in s.text for s in general.visible_steps("communicate", PRESETS["p0-p3"], "P0")
    )


def test_heavy_steps_are_gated_somewhere_in_most_scenarios(shipped: list[Scenario]) -> None:
    gated = [s.id for s in shipped if any(step.min_severity for step in s.steps())]
    assert len(gated) >= len(shipped) // 2


def test_scenarios_are_not_copied_runbook_prose(shipped: list[Scenario]) -> None:
    seeds = shared_dir_or_skip("seeds")
    runs: set[tuple[str, ...]] = set()
    for path in sorted(seeds.glob("*.txt")):
        text, _ = decode_runbook(path.read_bytes())
        in_code = False
        for line in text.split("\n"):
            if line.strip().startswith("```"):
                in_code = not in_code
                continue
            if not in_code:  # commands may carry over; prose may not
                found = _words(line)
                runs.update(tuple(found[i : i + PROSE_RUN]) for i in range(len(found)))
    copied = []
    for scenario in shipped:
        for text in _prose_fields(scenario):
            found = _words(text)
            for i in range(len(found) - PROSE_RUN + 1):
                if tuple(found[i : i + PROSE_RUN]) in runs:
                    copied.append(f"{scenario.id}: {text}")
                    break
    assert copied == []


def _words(text: str) -> list[str]:
    return "".join(ch.lower() if ch.isalnum() else " " for ch in text).split()


def _prose_fields(scenario: Scenario) -> list[str]:
    fields = [scenario.title, scenario.summary, *scenario.symptoms]
    fields += [part for cause in scenario.causes for part in (cause.cause, cause.fix)]
    for phase in scenario.phases:
        fields += [phase.title, phase.notes]
        fields += [part for step in phase.steps for part in (step.text, step.notes)]
    return [field for field in fields if field]
