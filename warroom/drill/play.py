"""Play files: what an IC does during a headless drill, one timed action a line.

    # time   action
    2s       severity SEV-1
    3s       note Checkout fails since the release; Ana is IC
    4s       copy update
    6s       tick deployment-rollback/rollback-1
    12s      status mitigated

Times are drill times on the script's clock (from the moment every service has been
probed healthy, like the script's `at`), divided by the speed like the script's.
Actions: `tick STEP` / `untick STEP` (a step id, `scenario/step` or a step of the
drill's scenario), `note TEXT`, `severity LEVEL`, `status STATUS`, `role ROLE NAME`, and
`copy TEMPLATE` (`copy update` is the responders' update): the template is filled
from the incident as the console would and recorded as copied, with the next-update time
it promises. Blank lines and `#` comments are
skipped. `parse_play` is pure; `play` runs the actions through the IncidentService, as
the console and the CLI do.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from warroom.model.comms import CommsTemplate, render_draft
from warroom.model.events import NoteKind
from warroom.model.severity import SeverityError, parse_duration
from warroom.scenarios.loader import Catalogue
from warroom.services.incidents import IncidentError, IncidentService
from warroom.services.steps import find_step

ACTIONS = ("tick", "untick", "note", "severity", "status", "role", "copy")
TEMPLATE_ALIASES = {"update": "responders"}
"""`copy update` is the responders' status update (the console's first template)."""


class PlayFileError(ValueError):
    """A play file that cannot be used; the message names the file and the line."""


@dataclass(frozen=True)
class PlayStep:
    at: float
    """Drill seconds on the script's clock."""
    action: str
    argument: str
    line: int


def parse_play(text: str, origin: str) -> list[PlayStep]:
    steps = []
    for number, raw in enumerate(text.splitlines(), start=1):
        body = raw.strip()
        if not body or body.startswith("#"):
            continue
        parts = body.split(None, 2)
        where = f"{origin}:{number}"
        if len(parts) < 2:
            raise PlayFileError(f"{where}: expected 'TIME ACTION ...', got {body!r}")
        try:
            span = parse_duration(parts[0] if parts[0][-1:].isalpha() else f"{parts[0]}s", "time")
        except SeverityError:
            raise PlayFileError(
                f"{where}: {parts[0]!r} is not a time like '12s' or '1.5m'"
            ) from None
        action = parts[1].lower()
        if action not in ACTIONS:
            raise PlayFileError(
                f"{where}: unknown action {parts[1]!r} (one of {', '.join(ACTIONS)})"
            )
        argument = parts[2].strip() if len(parts) > 2 else ""
        if not argument:
            raise PlayFileError(f"{where}: '{action}' needs an argument")
        if action == "role" and len(argument.split(None, 1)) < 2:
            raise PlayFileError(f"{where}: 'role' needs a role and a name (role IC Ana)")
        seconds = (span or timedelta(0)).total_seconds()
        if seconds < 0:
            raise PlayFileError(f"{where}: the time must not be negative")
        steps.append(PlayStep(seconds, action, argument, number))
    return sorted(steps, key=lambda step: (step.at, step.line))


async def play(
    steps: list[PlayStep],
    service: IncidentService,
    incident_id: str,
    catalogue: Catalogue,
    templates: list[CommsTemplate],
    speed: float,
    started_at: float,
    say: Callable[[str], None],
) -> None:
    """Run each step at `started_at + at / speed` (`time.monotonic()` seconds); an action
    that fails is said and the play goes on, as an IC would carry on."""
    for step in steps:
        delay = started_at + step.at / speed - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        try:
            done = await _run(step, service, incident_id, catalogue, templates)
        except IncidentError as error:
            done = f"failed: {error}"
        say(f"play: {step.action} {step.argument}: {done}")


async def _run(
    step: PlayStep,
    service: IncidentService,
    incident_id: str,
    catalogue: Catalogue,
    templates: list[CommsTemplate],
) -> str:
    state = await service.state(incident_id)
    if step.action in ("tick", "untick"):
        scenario_id, found = find_step(catalogue, state, step.argument)
        await service.set_step(
            incident_id, scenario_id, found.id, found.text, step.action == "tick"
        )
        return f"{scenario_id}/{found.id}"
    if step.action == "note":
        await service.note(incident_id, step.argument, NoteKind.NOTE)
    elif step.action == "severity":
        await service.set_severity(state, step.argument)
    elif step.action == "status":
        await service.set_status(state, step.argument)
    elif step.action == "role":
        role, name = step.argument.split(None, 1)
        await service.assign_role(incident_id, role, name)
    elif step.action == "copy":
        wanted = TEMPLATE_ALIASES.get(step.argument, step.argument)
        template = next((t for t in templates if t.id == wanted), None)
        if template is None:
            known = ", ".join(t.id for t in templates)
            raise IncidentError(f"no template {step.argument!r} (templates: {known}, update)")
        draft = render_draft(template, state, service.ladder_of(state), service.now())
        await service.comms_copied(
            incident_id, template.id, template.audience, "play file", draft.text
        )
    return "done"
