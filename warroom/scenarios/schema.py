"""The scenario file format: TOML text in, a `Scenario` and one-line `Problem`s out.

Every problem names the file, the line where one is known (TOML syntax errors, and the
`[[phase]]` / `[[phase.step]]` header a field belongs to) and the field, e.g.
`scenarios/db.toml:31: phase[2].step[1]: missing 'text'`. Positions count from 1.
Errors reject the file; warnings (unknown keys, a severity no shipped ladder knows) do not.
The format is documented for users in docs/scenarios.md.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from warroom.model.scenario import (
    CauseFix,
    Contact,
    Link,
    Phase,
    Scenario,
    Step,
    derived_step_id,
)
from warroom.model.severity import PRESETS

ID_PATTERN = re.compile(r"[a-z0-9][a-z0-9_-]{0,79}")
_TOML_AT = re.compile(r"\s*\(at line (\d+), column (\d+)\)\s*$")

TOP_KEYS = frozenset(
    {
        "id",
        "title",
        "summary",
        "severity_hint",
        "services",
        "symptoms",
        "source",
        "phase",
        "cause",
        "contact",
        "link",
    }
)
PHASE_KEYS = frozenset({"id", "title", "notes", "step"})
STEP_KEYS = frozenset({"id", "text", "commands", "min_severity", "notes"})
CAUSE_KEYS = frozenset({"cause", "fix"})
CONTACT_KEYS = frozenset({"role", "reach", "when", "notes"})
LINK_KEYS = frozenset({"title", "url"})


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a scenario file, printable as one line."""

    path: str
    message: str
    where: str = ""
    line: int | None = None
    level: Literal["error", "warning"] = "error"

    @property
    def is_error(self) -> bool:
        return self.level == "error"

    def __str__(self) -> str:
        place = f"{self.path}:{self.line}" if self.line else self.path
        where = f" {self.where}:" if self.where else ""
        level = " warning:" if self.level == "warning" else ""
        return f"{place}:{where}{level} {self.message}"


class ScenarioFileError(ValueError):
    """A file that is not a scenario at all (binary, not UTF-8, not TOML)."""


def decode_scenario_bytes(data: bytes) -> str:
    """The text of a scenario file, or ScenarioFileError for binary / non-UTF-8 data."""
    if b"\x00" in data:
        raise ScenarioFileError("binary file, not a TOML scenario")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ScenarioFileError(f"not UTF-8 text (byte {error.start})") from None


def has_control_characters(text: str) -> bool:
    """True for terminal escapes and other control characters (tab and newline are fine)."""
    return any(_is_control(ch) for ch in text)


def _is_control(ch: str) -> bool:
    return (unicodedata.category(ch) == "Cc" and ch not in "\n\t") or ch in "\u2028\u2029"


def parse_scenario_text(text: str, path: str) -> tuple[Scenario | None, list[Problem]]:
    """Parse and check one scenario document; the Scenario is None when it has errors."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        message = str(error)
        match = _TOML_AT.search(message)
        line = int(match[1]) if match else None
        if match:
            message = f"{message[: match.start()]} (column {match[2]})"
        return None, [Problem(path, f"invalid TOML: {message}", line=line)]
    checker = _Checker(path, _header_lines(text))
    scenario = checker.scenario(data)
    if any(problem.is_error for problem in checker.problems):
        return None, checker.problems
    return scenario, checker.problems


def known_severity(key: str) -> bool:
    return any(ladder.find(key) is not None for ladder in PRESETS.values())


def _header_lines(text: str) -> dict[str, int]:
    """Line numbers of `[[phase]]` and `[[phase.step]]` headers, keyed like 'phase[2].step[1]'.

    Best effort: a file that writes phases as inline arrays simply gets no line numbers.
    """
    lines: dict[str, int] = {}
    counters: dict[str, int] = {}
    phase = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        stripped = "".join(raw.split("#", 1)[0].split())
        if not (stripped.startswith("[[") and stripped.endswith("]]")):
            continue
        name = stripped[2:-2]
        if name == "phase":
            phase += 1
            counters["step"] = 0
            lines[f"phase[{phase}]"] = number
        elif name == "phase.step" and phase:
            counters["step"] = counters.get("step", 0) + 1
            lines[f"phase[{phase}].step[{counters['step']}]"] = number
        elif name in {"cause", "contact", "link"}:
            counters[name] = counters.get(name, 0) + 1
            lines[f"{name}[{counters[name]}]"] = number
    return lines


class _Checker:
    """Walks one parsed document, collecting problems and building the model."""

    def __init__(self, path: str, header_lines: dict[str, int]) -> None:
        self.path = path
        self.header_lines = header_lines
        self.problems: list[Problem] = []

    def report(self, where: str, message: str, level: Literal["error", "warning"] = "error"):
        line = self.header_lines.get(where) or self.header_lines.get(where.rsplit(".", 1)[0])
        self.problems.append(Problem(self.path, message, where, line, level))

    def unknown_keys(self, table: Mapping[str, Any], allowed: frozenset[str], where: str):
        for key in table:
            if key not in allowed:
                self.report(where, f"unknown key {key!r} (ignored)", "warning")

    def text(
        self, table: Mapping[str, Any], key: str, where: str, *, required: bool = False
    ) -> str:
        value = table.get(key)
        if value is None:
            if required:
                self.report(where, f"missing {key!r}")
            return ""
        if not isinstance(value, str):
            self.report(where, f"{key!r} must be a string, not {_type_name(value)}")
            return ""
        if has_control_characters(value):
            self.report(where, f"{key!r} contains control characters")
            return ""
        if required and not value.strip():
            self.report(where, f"{key!r} is empty")
        return value.strip() if key != "notes" else value.rstrip()

    def identifier(self, table: Mapping[str, Any], where: str, *, required: bool) -> str:
        value = self.text(table, "id", where, required=required)
        if value and not ID_PATTERN.fullmatch(value):
            self.report(
                where,
                f"id {value!r} must be lowercase letters, digits, '-' or '_' (at most 80)",
            )
            return ""
        return value

    def strings(self, table: Mapping[str, Any], key: str, where: str) -> tuple[str, ...]:
        value = table.get(key)
        if value is None:
            return ()
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            self.report(where, f"{key!r} must be a list of strings")
            return ()
        for position, item in enumerate(value, start=1):
            if has_control_characters(item):
                self.report(where, f"{key}[{position}] contains control characters")
            elif not item.strip():
                self.report(where, f"{key}[{position}] is empty")
        return tuple(item if key == "commands" else item.strip() for item in value)

    def severity(self, table: Mapping[str, Any], key: str, where: str) -> str | None:
        value = self.text(table, key, where)
        if value and not known_severity(value):
            self.report(
                where,
                f"{key} {value!r} is on no shipped ladder; it gates only with a config"
                " ladder that names it",
                "warning",
            )
        return value or None

    def tables(self, data: Mapping[str, Any], key: str, where: str) -> list[Mapping[str, Any]]:
        value = data.get(key)
        if value is None:
            return []
        if not isinstance(value, list) or not all(isinstance(item, Mapping) for item in value):
            self.report(where, f"{key!r} must be an array of tables ([[{key}]])")
            return []
        return value

    def scenario(self, data: Mapping[str, Any]) -> Scenario | None:
        self.unknown_keys(data, TOP_KEYS, "")
        scenario_id = self.identifier(data, "", required=True)
        title = self.text(data, "title", "", required=True)
        phases = self.phases(data)
        return Scenario(
            id=scenario_id,
            title=title,
            phases=phases,
            summary=self.text(data, "summary", ""),
            severity_hint=self.severity(data, "severity_hint", ""),
            services=self.strings(data, "services", ""),
            symptoms=self.strings(data, "symptoms", ""),
            causes=self.rows(data, "cause", CAUSE_KEYS, self.cause),
            contacts=self.rows(data, "contact", CONTACT_KEYS, self.contact),
            links=self.rows(data, "link", LINK_KEYS, self.link),
            source=self.text(data, "source", ""),
        )

    def phases(self, data: Mapping[str, Any]) -> tuple[Phase, ...]:
        tables = self.tables(data, "phase", "")
        if not tables:
            if "phase" not in data:
                self.report("", "missing 'phase' (a scenario needs at least one [[phase]])")
            elif isinstance(data.get("phase"), list):
                self.report("", "'phase' is empty (a scenario needs at least one [[phase]])")
            return ()
        phases: list[Phase] = []
        phase_ids: set[str] = set()
        step_ids: dict[str, str] = {}
        for number, table in enumerate(tables, start=1):
            where = f"phase[{number}]"
            self.unknown_keys(table, PHASE_KEYS, where)
            phase_id = self.identifier(table, where, required=True)
            if phase_id in phase_ids:
                self.report(where, f"duplicate phase id {phase_id!r}")
            phase_ids.add(phase_id)
            title = self.text(table, "title", where) or phase_id.replace("-", " ").capitalize()
            notes = self.text(table, "notes", where)
            steps = self.steps(table, where, phase_id, step_ids)
            if not steps and not notes.strip() and "step" not in table:
                self.report(where, "a phase needs at least one [[phase.step]] (or notes)")
            phases.append(Phase(id=phase_id, title=title, steps=steps, notes=notes))
        return tuple(phases)

    def steps(
        self, phase: Mapping[str, Any], where: str, phase_id: str, seen: dict[str, str]
    ) -> tuple[Step, ...]:
        steps = []
        for number, table in enumerate(self.tables(phase, "step", where), start=1):
            step_where = f"{where}.step[{number}]"
            self.unknown_keys(table, STEP_KEYS, step_where)
            step_id = self.identifier(table, step_where, required=False)
            step_id = step_id or derived_step_id(phase_id or "phase", number)
            if step_id in seen:
                self.report(step_where, f"step id {step_id!r} is also used by {seen[step_id]}")
            seen.setdefault(step_id, step_where)
            steps.append(
                Step(
                    id=step_id,
                    text=self.text(table, "text", step_where, required=True),
                    commands=self.strings(table, "commands", step_where),
                    min_severity=self.severity(table, "min_severity", step_where),
                    notes=self.text(table, "notes", step_where),
                )
            )
        return tuple(steps)

    def rows(
        self,
        data: Mapping[str, Any],
        key: str,
        allowed: frozenset[str],
        build: Callable[[Mapping[str, Any], str], Any],
    ) -> tuple[Any, ...]:
        rows = []
        for number, table in enumerate(self.tables(data, key, ""), start=1):
            where = f"{key}[{number}]"
            self.unknown_keys(table, allowed, where)
            rows.append(build(table, where))
        return tuple(rows)

    def cause(self, table: Mapping[str, Any], where: str) -> CauseFix:
        return CauseFix(
            cause=self.text(table, "cause", where, required=True),
            fix=self.text(table, "fix", where),
        )

    def contact(self, table: Mapping[str, Any], where: str) -> Contact:
        return Contact(
            role=self.text(table, "role", where, required=True),
            reach=self.text(table, "reach", where),
            when=self.text(table, "when", where),
            notes=self.text(table, "notes", where),
        )

    def link(self, table: Mapping[str, Any], where: str) -> Link:
        url = self.text(table, "url", where, required=True)
        return Link(title=self.text(table, "title", where) or url, url=url)


def _type_name(value: Any) -> str:
    return {
        "str": "a string",
        "int": "a number",
        "float": "a number",
        "bool": "a boolean",
        "list": "a list",
        "dict": "a table",
    }.get(type(value).__name__, type(value).__name__)
