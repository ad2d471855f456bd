"""Scenarios: a runbook turned into a checklist the Incident Commander runs.

A `Scenario` is pure data (no I/O, no Textual): what the incident looks like (symptoms,
services), ordered `Phase`s of `Step`s, cause→fix rows, escalation contacts and links.
Files are read and checked by `warroom.scenarios`; this module only holds the shapes and
the rules the console needs:

- every step has a stable `id`, unique in its scenario: the one the file gives, else
  `<phase id>-<n>` (n counts from 1 in the phase), so ticks recorded in the timeline keep
  pointing at the same step when text is edited;
- a step with `min_severity` is shown only when the incident is at that severity or worse,
  compared with `SeverityLadder.at_least` (which understands thresholds written for
  another ladder). While the severity is unknown every step is shown.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from warroom.model.severity import SeverityError, SeverityLadder

GENERAL_SCENARIO_ID = "general"
"""The "any incident" checklist every incident starts with."""


@dataclass(frozen=True)
class Step:
    """One thing to do: text, commands shown verbatim, an optional severity gate."""

    id: str
    text: str
    commands: tuple[str, ...] = ()
    min_severity: str | None = None
    notes: str = ""

    def visible_at(self, ladder: SeverityLadder, severity: str | None) -> bool:
        """True when the step applies at `severity` on `ladder` (always, if ungated)."""
        if not self.min_severity or not severity:
            return True
        try:
            return ladder.at_least(severity, self.min_severity)
        except SeverityError:
            return True


@dataclass(frozen=True)
class Phase:
    """An ordered group of steps: detect, assess, mitigate, verify, review..."""

    id: str
    title: str
    steps: tuple[Step, ...] = ()
    notes: str = ""


@dataclass(frozen=True)
class CauseFix:
    """A likely cause and what fixes it (`fix` may be empty when the runbook names none)."""

    cause: str
    fix: str = ""


@dataclass(frozen=True)
class Contact:
    """Who to escalate to: a role, how to reach them, when, and anything else to know."""

    role: str
    reach: str = ""
    when: str = ""
    notes: str = ""


@dataclass(frozen=True)
class Link:
    title: str
    url: str


@dataclass(frozen=True)
class Scenario:
    """A checklist for one kind of incident."""

    id: str
    title: str
    phases: tuple[Phase, ...]
    summary: str = ""
    severity_hint: str | None = None
    services: tuple[str, ...] = ()
    symptoms: tuple[str, ...] = ()
    causes: tuple[CauseFix, ...] = ()
    contacts: tuple[Contact, ...] = ()
    links: tuple[Link, ...] = ()
    source: str = ""
    origin: str = field(default="", compare=False)
    """Where it was loaded from (a file path, or `shipped:<name>`); set by the loader."""

    def steps(self) -> Iterator[Step]:
        for phase in self.phases:
            yield from phase.steps

    @property
    def step_count(self) -> int:
        return sum(len(phase.steps) for phase in self.phases)

    def phase(self, phase_id: str) -> Phase | None:
        return next((phase for phase in self.phases if phase.id == phase_id), None)

    def step(self, step_id: str) -> Step | None:
        return next((step for step in self.steps() if step.id == step_id), None)

    def phase_of(self, step_id: str) -> Phase | None:
        return next(
            (phase for phase in self.phases if any(s.id == step_id for s in phase.steps)), None
        )

    def visible_steps(
        self, phase: Phase | str, ladder: SeverityLadder, severity: str | None
    ) -> tuple[Step, ...]:
        """The steps of `phase` (a Phase or its id) that apply at `severity`."""
        found = self.phase(phase) if isinstance(phase, str) else phase
        if found is None:
            return ()
        return tuple(step for step in found.steps if step.visible_at(ladder, severity))

    def visible_phases(
        self, ladder: SeverityLadder, severity: str | None
    ) -> list[tuple[Phase, tuple[Step, ...]]]:
        """Every phase with the steps that apply at `severity`, in order.

        A phase whose steps are all gated away is left out unless it carries notes.
        """
        shown = []
        for phase in self.phases:
            steps = self.visible_steps(phase, ladder, severity)
            if steps or (phase.notes and not phase.steps):
                shown.append((phase, steps))
        return shown


def derived_step_id(phase_id: str, position: int) -> str:
    """The id of the `position`-th step (from 1) of a phase that gives none."""
    return f"{phase_id}-{position}"
