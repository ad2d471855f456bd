"""Finding drill scripts: shipped ones beside the scenarios, and the user's own.

Shipped scripts are `scenarios/drills/*.toml` in the repository (inside the wheel:
`warroom/bundled/scenarios/drills/`). A user's `<config dir>/drills/*.toml` replaces a
shipped script with the same id. A broken file is reported and the others still load.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path

from warroom.drill.script import DrillScript, DrillScriptError, parse_script
from warroom.paths import config_dir

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


def shipped_sources() -> list[tuple[str, Traversable]]:
    folder = files("warroom.bundled.scenarios.drills")
    if not folder.is_dir():
        return []
    found = [item for item in folder.iterdir() if item.is_file() and item.name.endswith(".toml")]
    return [(f"scenarios/drills/{item.name}", item) for item in sorted(found, key=lambda i: i.name)]


def load_drills(user_dir: Path | None = None) -> DrillLibrary:
    library = DrillLibrary()
    folder = user_dir if user_dir is not None else config_dir() / "drills"
    user = [(str(p), p) for p in sorted(folder.glob("*.toml"))] if folder.is_dir() else []
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
            if script.id in layer:
                library.problems.append(f"{display}: duplicate drill id {script.id!r}")
                continue
            layer[script.id] = script
        library.scripts.update(layer)
    return library
