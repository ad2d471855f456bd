"""Finding drill scripts: shipped ones beside the scenarios, and the user's own.

Shipped scripts are `scenarios/drills/*.toml` in the repository (inside the wheel:
`warroom/bundled/scenarios/drills/`). A user's `<config dir>/drills/*.toml` replaces a
shipped script with the same id (finding the files: `warroom.data_files`). A broken file
is reported and the others still load; so is a script whose fix steps (`scenario/step`)
no loaded scenario has: its outage could never be fixed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib.resources.abc import Traversable
from pathlib import Path

from warroom.data_files import DRILLS, shipped_files, user_files
from warroom.drill.script import DrillScript, DrillScriptError, parse_script, unknown_steps
from warroom.scenarios.loader import Catalogue, load_scenarios

DEFAULT_DRILL = "bad-deploy"


@dataclass
class DrillLibrary:
    scripts: dict[str, DrillScript] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    def all(self) -> list[DrillScript]:
        """The default drill first, then by id."""
        return sorted(self.scripts.values(), key=lambda s: (s.id != DEFAULT_DRILL, s.id))

    def find(self, name: str | None) -> DrillScript | None:
        """A script by its id, or the first script that drills the scenario `name`."""
        if not name:
            return self.scripts.get(DEFAULT_DRILL) or next(iter(self.all()), None)
        if name in self.scripts:
            return self.scripts[name]
        return next((s for s in self.all() if s.scenario == name), None)


def shipped_sources() -> list[tuple[str, Path | Traversable]]:
    return [(entry.display, entry.source) for entry in shipped_files(DRILLS)]


def step_ids(catalogue: Catalogue) -> dict[str, set[str]]:
    """Every scenario's step ids (what a drill's `steps` may name)."""
    return {s.id: {step.id for step in s.steps()} for s in catalogue.all()}


def load_drills(user_dir: Path | None = None, catalogue: Catalogue | None = None) -> DrillLibrary:
    """Shipped and user drills, checked against the shipped and user scenarios."""
    library = DrillLibrary()
    known = step_ids(catalogue if catalogue is not None else load_scenarios())
    folder = user_dir if user_dir is not None else DRILLS.user_dir()
    listed = user_files(DRILLS, folder, library.problems)
    user: list[tuple[str, Path | Traversable]] = [(e.display, e.source) for e in listed]
    for sources in (shipped_sources(), user):
        layer: dict[str, DrillScript] = {}
        for display, source in sources:
            try:
                script = parse_script(source.read_bytes().decode("utf-8-sig"), display)
            except (OSError, UnicodeDecodeError) as error:
                library.problems.append(f"{display}: cannot read ({error})")
                continue
            except DrillScriptError as error:
                library.problems.append(str(error))
                continue
            missing = unknown_steps(script, known)
            if missing:
                library.problems.append(
                    f"{display}: no such checklist step {', '.join(map(repr, missing))}"
                    " (steps are 'scenario/step' ids)"
                )
                continue
            if script.id in layer:
                library.problems.append(f"{display}: duplicate drill id {script.id!r}")
                continue
            layer[script.id] = script
        library.scripts.update(layer)
    return library
