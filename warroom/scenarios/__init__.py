"""Scenario files: loading, checking, writing, and importing team runbooks.

The console and the CLI need only this:

- `load_scenarios()` -> `Catalogue` with `.get(id)`, `.all()` (`general` first) and
  `.problems` (one-line `Problem`s; `.errors` / `.warnings`);
- `load_paths(paths)` for `warroom scenarios validate PATH...`;
- `dump_scenario(scenario)` to write TOML; `import_runbook(path)` to turn Markdown into
  scenarios (see `warroom.scenarios.importer`).

The model (`Scenario`, `Phase`, `Step`...) lives in `warroom.model.scenario`. Nothing here
imports Textual.
"""

from warroom.scenarios.loader import (
    Catalogue,
    load_paths,
    load_scenarios,
    shipped_text,
    user_scenario_dir,
)
from warroom.scenarios.schema import Problem, parse_scenario_text
from warroom.scenarios.writer import dump_scenario, scenario_to_dict

__all__ = [
    "Catalogue",
    "Problem",
    "dump_scenario",
    "load_paths",
    "load_scenarios",
    "parse_scenario_text",
    "scenario_to_dict",
    "shipped_text",
    "user_scenario_dir",
]
