"""Finding and loading scenario files into a `Catalogue`.

Shipped scenarios come from the package `warroom.bundled.scenarios` (the repository's
top-level `scenarios/` folder); user scenarios from `<config dir>/scenarios/*.toml`
override shipped ones with the same id (finding the files: `warroom.data_files`). A
broken file is reported in `Catalogue.problems` and the other files still load. Two
files of the same layer (both shipped, both user, or two paths given to `validate`) with
the same id are an error: the first in file-name order is kept.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from importlib.resources.abc import Traversable
from pathlib import Path

from warroom.data_files import SCENARIOS, shipped_files, user_files
from warroom.model.scenario import GENERAL_SCENARIO_ID, Scenario
from warroom.scenarios.schema import (
    Problem,
    ScenarioFileError,
    decode_scenario_bytes,
    parse_scenario_text,
)

SHIPPED_PREFIX = "shipped:"


@dataclass
class Catalogue:
    """The scenarios that loaded, by id, and the problems found on the way."""

    scenarios: dict[str, Scenario] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    def get(self, scenario_id: str) -> Scenario | None:
        return self.scenarios.get(scenario_id)

    def all(self) -> list[Scenario]:
        """Every scenario: `general` first, then by title."""
        return sorted(
            self.scenarios.values(),
            key=lambda s: (s.id != GENERAL_SCENARIO_ID, s.title.casefold(), s.id),
        )

    @property
    def errors(self) -> list[Problem]:
        return [problem for problem in self.problems if problem.is_error]

    @property
    def warnings(self) -> list[Problem]:
        return [problem for problem in self.problems if not problem.is_error]

    def __len__(self) -> int:
        return len(self.scenarios)

    def __contains__(self, scenario_id: object) -> bool:
        return scenario_id in self.scenarios

    def __iter__(self) -> Iterator[Scenario]:
        return iter(self.all())


def user_scenario_dir() -> Path:
    return SCENARIOS.user_dir()


def load_scenarios(
    user_dir: Path | None = None, *, include_shipped: bool = True, include_user: bool = True
) -> Catalogue:
    """Shipped scenarios, then the user's (default `<config dir>/scenarios`) over them."""
    catalogue = Catalogue()
    if include_shipped:
        shipped = _load_layer(_shipped_sources(), catalogue.problems, shipped=True)
        catalogue.scenarios.update(shipped)
    if include_user:
        folder = user_dir if user_dir is not None else user_scenario_dir()
        listing: list[str] = []
        sources = [
            (entry.display, entry.source) for entry in user_files(SCENARIOS, folder, listing)
        ]
        catalogue.problems += [
            Problem(str(folder), line.removeprefix(f"{folder}: ")) for line in listing
        ]
        catalogue.scenarios.update(_load_layer(sources, catalogue.problems))
    return catalogue


def load_paths(paths: Iterable[Path]) -> Catalogue:
    """The scenarios in these files and folders (`*.toml` inside), as one layer."""
    catalogue = Catalogue()
    sources: list[tuple[str, Path | Traversable]] = []
    for path in paths:
        if path.is_dir():
            found = sorted(path.glob("*.toml"))
            if not found:
                catalogue.problems.append(Problem(str(path), "no *.toml files in this folder"))
            sources.extend((str(item), item) for item in found)
        elif path.exists():
            sources.append((str(path), path))
        else:
            catalogue.problems.append(Problem(str(path), "no such file or folder"))
    catalogue.scenarios.update(_load_layer(sources, catalogue.problems))
    return catalogue


def shipped_text(scenario_id: str) -> str | None:
    """The TOML text of a shipped scenario (to copy into the config folder and edit)."""
    for display, source in _shipped_sources():
        scenario, _ = load_source(display, source, shipped=True)
        if scenario is not None and scenario.id == scenario_id:
            return source.read_bytes().decode("utf-8-sig")
    return None


def load_source(
    display: str, source: Path | Traversable, *, shipped: bool = False
) -> tuple[Scenario | None, list[Problem]]:
    """One file: read, decode, parse and check it."""
    try:
        data = source.read_bytes()
    except OSError as error:
        return None, [Problem(display, f"cannot read ({error.strerror or error})")]
    try:
        text = decode_scenario_bytes(data)
    except ScenarioFileError as error:
        return None, [Problem(display, str(error))]
    scenario, problems = parse_scenario_text(text, display)
    if scenario is not None:
        origin = SHIPPED_PREFIX + display if shipped else display
        scenario = replace(scenario, origin=origin)
    return scenario, problems


def _shipped_sources() -> list[tuple[str, Traversable]]:
    return [(entry.display, entry.source) for entry in shipped_files(SCENARIOS)]


def _load_layer(
    sources: Iterable[tuple[str, Path | Traversable]],
    problems: list[Problem],
    *,
    shipped: bool = False,
) -> dict[str, Scenario]:
    layer: dict[str, Scenario] = {}
    for display, source in sources:
        scenario, found = load_source(display, source, shipped=shipped)
        problems.extend(found)
        if scenario is None:
            continue
        if scenario.id in layer:
            first = layer[scenario.id].origin.removeprefix(SHIPPED_PREFIX)
            problems.append(
                Problem(display, f"duplicate scenario id {scenario.id!r} (also in {first})")
            )
            continue
        layer[scenario.id] = scenario
    return layer
