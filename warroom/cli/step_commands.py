"""Checklist commands: `warroom tick INCIDENT STEP` and `warroom untick INCIDENT STEP`.

STEP is a step id: `scenario/step` (`deployment-rollback/rollback-1`), or `step` alone
for a step of the incident's own scenario. The step's text is taken from the scenario,
so the timeline reads as if it was ticked in the console. Works on any incident; a drill
incident (`DRILL-...`) is found in the drills folder, so a headless drill or a script
can play a drill from another terminal.
"""

from __future__ import annotations

import argparse

from warroom.cli.incident_commands import run
from warroom.model.ids import normalise_incident_id
from warroom.model.text import inert
from warroom.scenarios.loader import load_scenarios
from warroom.services.incidents import IncidentService
from warroom.services.steps import find_step


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    for name, done, help_text in (
        ("tick", True, "tick a checklist step (by id: scenario/step, or step)"),
        ("untick", False, "untick a checklist step (by id: scenario/step, or step)"),
    ):
        parser = subparsers.add_parser(name, help=help_text)
        parser.add_argument("incident")
        parser.add_argument("step", metavar="STEP", help="scenario/step, or a step of its scenario")
        parser.set_defaults(handler=cmd_tick, done=done)


def cmd_tick(args: argparse.Namespace) -> int:
    incident_id = normalise_incident_id(args.incident)
    catalogue = load_scenarios()

    async def work(service: IncidentService) -> str:
        state = await service.state(incident_id)
        scenario_id, step = find_step(catalogue, state, args.step)
        name = f"{scenario_id}/{step.id}"
        if state.is_checked(scenario_id, step.id) == args.done:
            return f"{name} was already {'ticked' if args.done else 'unticked'}"
        await service.set_step(incident_id, scenario_id, step.id, step.text, args.done)
        return f"{'ticked' if args.done else 'unticked'} {name}: {step.text}"

    print(inert(run(args, work), single_line=True))
    return 0
