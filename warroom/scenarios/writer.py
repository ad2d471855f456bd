"""Writing scenarios as TOML (with tomli-w), in the same shape the loader reads.

Step ids that equal the derived `<phase id>-<n>` are left out, so a written file reads
like a hand-written one; empty optional fields are left out too.
"""

from __future__ import annotations

from typing import Any

import tomli_w

from warroom.model.scenario import Scenario, derived_step_id


def scenario_to_dict(scenario: Scenario) -> dict[str, Any]:
    data: dict[str, Any] = {"id": scenario.id, "title": scenario.title}
    _put(data, "summary", scenario.summary)
    _put(data, "severity_hint", scenario.severity_hint)
    _put(data, "services", list(scenario.services))
    _put(data, "symptoms", list(scenario.symptoms))
    _put(data, "source", scenario.source)
    phases = []
    for phase in scenario.phases:
        table: dict[str, Any] = {"id": phase.id, "title": phase.title}
        _put(table, "notes", phase.notes)
        steps = []
        for number, step in enumerate(phase.steps, start=1):
            row: dict[str, Any] = {}
            if step.id != derived_step_id(phase.id, number):
                row["id"] = step.id
            row["text"] = step.text
            _put(row, "commands", list(step.commands))
            _put(row, "min_severity", step.min_severity)
            _put(row, "notes", step.notes)
            steps.append(row)
        if steps:
            table["step"] = steps
        phases.append(table)
    data["phase"] = phases
    _put(data, "cause", [_row(cause=c.cause, fix=c.fix) for c in scenario.causes])
    _put(
        data,
        "contact",
        [_row(role=c.role, reach=c.reach, when=c.when, notes=c.notes) for c in scenario.contacts],
    )
    _put(data, "link", [_row(title=link.title, url=link.url) for link in scenario.links])
    return data


def dump_scenario(scenario: Scenario, header: str = "") -> str:
    """The TOML text of a scenario, after an optional `# ` comment header."""
    body = tomli_w.dumps(scenario_to_dict(scenario), multiline_strings=True)
    if not header:
        return body
    comment = "".join(f"# {line}".rstrip() + "\n" for line in header.splitlines())
    return f"{comment}\n{body}"


def _row(**fields: str) -> dict[str, str]:
    return {key: value for key, value in fields.items() if value}


def _put(table: dict[str, Any], key: str, value: Any) -> None:
    if value:
        table[key] = value
