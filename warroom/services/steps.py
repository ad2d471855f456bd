"""Finding a checklist step by its id, as `warroom tick` and drill play files name it."""

from __future__ import annotations

from warroom.model.incident import IncidentState
from warroom.model.scenario import Step
from warroom.scenarios.loader import Catalogue
from warroom.services.incidents import IncidentError


def find_step(catalogue: Catalogue, state: IncidentState, wanted: str) -> tuple[str, Step]:
    """The scenario id and step `wanted` names; IncidentError says what is wrong."""
    scenario_id, _, step_id = wanted.strip().rpartition("/")
    scenario_id = scenario_id or (state.scenario or "")
    if not scenario_id:
        raise IncidentError(
            f"{state.id} has no scenario: name the step as scenario/step (e.g. general/assess-1)"
        )
    scenario = catalogue.get(scenario_id)
    if scenario is None:
        raise IncidentError(f"no scenario {scenario_id!r} (warroom scenarios list)")
    step = scenario.step(step_id)
    if step is None:
        known = ", ".join(s.id for s in scenario.steps())
        raise IncidentError(f"no step {step_id!r} in {scenario_id} (steps: {known})")
    return scenario_id, step
