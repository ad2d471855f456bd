"""Drill scripts: faults and recoveries with causes, and the steps that fix them, from TOML.

A script names the checklist the IC runs (`scenario`), the severity it is declared at,
how often stakeholders expect an update (`update_cadence`, in drill time), a
`[[timeline]]` of actions, and `[[on_tick]]` recoveries. Each action sets the state of
one fleet service:

- `api`, `web`, `webhooks` (HTTP): `status`, `latency_ms`, `error` (the body's message);
- `vendor` (a Statuspage page): `component`, `component_status`, `incident`;
- `db` (PostgreSQL, where the server binaries exist): `pool` (the share of usable
  connections the drill holds open, 0 releases them) and `lock` (hold an exclusive lock
  that blocks the app's queries, or release it).

A timeline entry is an event with a cause: `at` (drill time), an optional `id`, an
optional `after = "<id>"` (the entry it depends on: it never comes before that entry,
and never at all if that one was called off) and `kind` (`fault`, the default, or
`recovery`: something that gets better on its own, like a vendor resolving its incident).
An `[[on_tick]]` names the checklist steps that fix the outage by id, `scenario/step`
(never by words: a tick of any other step changes nothing), a `delay`, and the
`[[on_tick.then]]` actions it sets off. `unknown_steps` finds step ids that no scenario
has; the library refuses such a script.

`plan(script, seed, speed)` turns the timeline into wall-clock offsets: every time is
divided by `speed`, an entry's `jitter` moves it by a seeded random amount (same seed,
same plan), and an effect comes at least `CAUSE_GAP` drill seconds after its cause
whatever the jitter. Offsets count from the moment the drill's baseline is on screen
(every service probed healthy at least once; see the runner). Pure: no I/O.
"""

from __future__ import annotations

import random
import tomllib
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from warroom.model.severity import DEFAULT_LADDER, PRESETS, SeverityError, parse_duration

HTTP_SERVICES = ("api", "web", "webhooks")
VENDOR = "vendor"
DATABASE = "db"
SERVICES = (*HTTP_SERVICES, VENDOR, DATABASE)

COMPONENT_STATUSES = (
    "operational",
    "degraded_performance",
    "partial_outage",
    "major_outage",
    "under_maintenance",
)
FIELDS = {
    **{name: frozenset({"status", "latency_ms", "error"}) for name in HTTP_SERVICES},
    VENDOR: frozenset({"component", "component_status", "incident"}),
    DATABASE: frozenset({"pool", "lock"}),
}
ACTION_KEYS = frozenset({"service", "what"})
TIMELINE_KEYS = ACTION_KEYS | {"at", "jitter", "id", "after", "kind"}
ON_TICK_KEYS = frozenset({"steps", "delay", "what", "then"})
FAULT_KIND = "fault"
RECOVERY_KIND = "recovery"
ENTRY_KINDS = (FAULT_KIND, RECOVERY_KIND)
CAUSE_GAP = 2.0
"""Drill seconds an effect comes after its cause at the least (the probes see the cause)."""
RETIRED_KEYS = {
    "mentions": "steps are named by id only: list them in 'steps' ('scenario/step')",
    "after": "the wait before the recovery is 'delay'",
}
TOP_KEYS = frozenset(
    {"id", "title", "scenario", "severity", "summary", "update_cadence", "timeline", "on_tick"}
)


class DrillScriptError(ValueError):
    """A drill script that cannot be used; the message names the file and the entry."""


@dataclass(frozen=True)
class Action:
    """Set some properties of one fleet service."""

    service: str
    changes: Mapping[str, Any]
    what: str = ""

    def describe(self) -> str:
        if self.what:
            return f"{self.service}: {self.what}"
        shown = ", ".join(f"{key}={value}" for key, value in self.changes.items())
        return f"{self.service}: {shown}"


@dataclass(frozen=True)
class TimelineEntry:
    at: float
    """Drill seconds after the start."""
    action: Action
    jitter: float = 0.0
    id: str = ""
    after: str = ""
    """The id of the entry this one depends on (its cause), or ""."""
    kind: str = FAULT_KIND


@dataclass(frozen=True)
class OnTick:
    """A recovery the IC's tick of one of the named checklist steps sets off."""

    steps: tuple[str, ...]
    """`scenario/step` ids."""
    then: tuple[Action, ...]
    delay: float = 0.0
    what: str = ""

    def matches(self, scenario: str, step_id: str) -> bool:
        """Only a step named by id, in its scenario."""
        return f"{scenario}/{step_id}" in self.steps


@dataclass(frozen=True)
class DrillScript:
    id: str
    title: str
    scenario: str
    severity: str
    update_cadence: float
    """Drill seconds between status updates that stakeholders expect."""
    timeline: tuple[TimelineEntry, ...]
    on_tick: tuple[OnTick, ...] = ()
    summary: str = ""
    origin: str = field(default="", compare=False)

    @property
    def services(self) -> frozenset[str]:
        """The fleet services the script touches."""
        actions = [entry.action for entry in self.timeline]
        actions += [action for rule in self.on_tick for action in rule.then]
        return frozenset(action.service for action in actions)

    @property
    def needs_postgres(self) -> bool:
        return DATABASE in self.services

    @property
    def fix_steps(self) -> frozenset[str]:
        """Every `scenario/step` whose tick sets off a recovery."""
        return frozenset(step for rule in self.on_tick for step in rule.steps)


@dataclass(frozen=True)
class PlannedAction:
    """An action at a wall-clock offset (seconds after the baseline was on screen)."""

    offset: float
    action: Action
    index: int = 0
    """The entry's place in the script's timeline."""
    kind: str = FAULT_KIND
    cause: int | None = None
    """The index of the entry this one waits for, if any."""
    name: str = ""


def plan(script: DrillScript, seed: int, speed: float) -> list[PlannedAction]:
    """The timeline in wall seconds at `speed`, jittered by `seed` (same seed, same plan);
    an effect is never planned less than `CAUSE_GAP` drill seconds after its cause."""
    if speed <= 0:
        raise ValueError("speed must be greater than 0")
    rng = random.Random(f"{script.id}:{seed}")
    index_of = {entry.id: index for index, entry in enumerate(script.timeline) if entry.id}
    drill_times: list[float] = []
    planned = []
    for index, entry in enumerate(script.timeline):
        shift = rng.uniform(-entry.jitter, entry.jitter) if entry.jitter else 0.0
        when = max(0.0, entry.at + shift)
        cause = index_of.get(entry.after) if entry.after else None
        if cause is not None:
            when = max(when, drill_times[cause] + CAUSE_GAP)
        drill_times.append(when)
        planned.append(
            PlannedAction(when / speed, entry.action, index, entry.kind, cause, entry.id)
        )
    return sorted(planned, key=lambda item: (item.offset, item.index))


def unknown_steps(script: DrillScript, known: Mapping[str, Collection[str]]) -> list[str]:
    """The fix steps of `script` that no scenario has (`known`: scenario id -> step ids)."""
    missing = []
    for step in sorted(script.fix_steps):
        scenario, _, step_id = step.partition("/")
        if step_id not in known.get(scenario, ()):
            missing.append(step)
    return missing


def parse_script(text: str, origin: str) -> DrillScript:
    """A drill script from TOML text; DrillScriptError names the first problem."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise DrillScriptError(f"{origin}: invalid TOML: {error}") from None
    return _Reader(origin).script(data)


class _Reader:
    def __init__(self, origin: str) -> None:
        self.origin = origin

    def error(self, where: str, message: str) -> DrillScriptError:
        place = f"{self.origin}: {where}" if where else self.origin
        return DrillScriptError(f"{place}: {message}")

    def known(self, table: Mapping[str, Any], allowed: frozenset[str], where: str) -> None:
        unknown = sorted(set(table) - allowed)
        if unknown:
            raise self.error(
                where, f"unknown key {unknown[0]!r} (known: {', '.join(sorted(allowed))})"
            )

    def text(self, table: Mapping[str, Any], key: str, where: str, required: bool = False) -> str:
        value = table.get(key)
        if value is None:
            if required:
                raise self.error(where, f"missing {key!r}")
            return ""
        if not isinstance(value, str) or (required and not value.strip()):
            raise self.error(where, f"{key!r} must be a non-empty string")
        return value.strip()

    def seconds(self, table: Mapping[str, Any], key: str, where: str, default: float) -> float:
        value = table.get(key)
        if value is None:
            return default
        if not isinstance(value, str):
            raise self.error(where, f"{key!r} must be a duration with a unit, like '5s' or '2m'")
        try:
            span = parse_duration(value, key)
        except SeverityError as error:
            raise self.error(where, str(error)) from None
        seconds = (span or timedelta(0)).total_seconds()
        if seconds < 0:
            raise self.error(where, f"{key!r} must not be negative")
        return seconds

    def tables(self, data: Mapping[str, Any], key: str, where: str) -> list[Mapping[str, Any]]:
        value = data.get(key, [])
        if not isinstance(value, list) or not all(isinstance(item, Mapping) for item in value):
            raise self.error(where, f"{key!r} must be an array of tables ([[{key}]])")
        return value

    def script(self, data: Mapping[str, Any]) -> DrillScript:
        self.known(data, TOP_KEYS, "")
        timeline: list[TimelineEntry] = []
        for number, table in enumerate(self.tables(data, "timeline", ""), start=1):
            entry = self.timeline_entry(table, f"timeline[{number}]")
            ids = {earlier.id for earlier in timeline}
            if entry.id and entry.id in ids:
                raise self.error(f"timeline[{number}]", f"duplicate id {entry.id!r}")
            if entry.after and entry.after not in ids:
                raise self.error(
                    f"timeline[{number}]",
                    f"'after' names {entry.after!r}, which is not the id of an earlier entry",
                )
            timeline.append(entry)
        if not timeline:
            raise self.error("", "a drill needs at least one [[timeline]] entry")
        on_tick = tuple(
            self.on_tick(table, f"on_tick[{number}]")
            for number, table in enumerate(self.tables(data, "on_tick", ""), start=1)
        )
        severity = self.text(data, "severity", "") or "SEV-2"
        if PRESETS[DEFAULT_LADDER].find(severity) is None:
            levels = ", ".join(PRESETS[DEFAULT_LADDER].keys)
            raise self.error("", f"'severity' must be one of {levels}, got {severity!r}")
        cadence = self.seconds(data, "update_cadence", "", 120.0)
        if cadence <= 0:
            raise self.error("", "'update_cadence' must be longer than 0 s")
        return DrillScript(
            id=self.text(data, "id", "", required=True),
            title=self.text(data, "title", "", required=True),
            scenario=self.text(data, "scenario", "", required=True),
            severity=PRESETS[DEFAULT_LADDER].get(severity).key,
            update_cadence=cadence,
            timeline=tuple(timeline),
            on_tick=on_tick,
            summary=self.text(data, "summary", ""),
            origin=self.origin,
        )

    def timeline_entry(self, table: Mapping[str, Any], where: str) -> TimelineEntry:
        self.known(table, TIMELINE_KEYS | self.fields_of(table, where), where)
        if "at" not in table:
            raise self.error(where, "missing 'at' (a drill time like '10s')")
        kind = self.text(table, "kind", where) or FAULT_KIND
        if kind not in ENTRY_KINDS:
            raise self.error(where, f"'kind' must be one of {', '.join(ENTRY_KINDS)}")
        return TimelineEntry(
            at=self.seconds(table, "at", where, 0.0),
            action=self.action(table, where, TIMELINE_KEYS),
            jitter=self.seconds(table, "jitter", where, 0.0),
            id=self.text(table, "id", where),
            after=self.text(table, "after", where),
            kind=kind,
        )

    def on_tick(self, table: Mapping[str, Any], where: str) -> OnTick:
        for key, hint in RETIRED_KEYS.items():
            if key in table:
                raise self.error(where, f"{key!r} is not supported: {hint}")
        self.known(table, ON_TICK_KEYS, where)
        steps = self.words(table, "steps", where)
        if not steps:
            raise self.error(where, "needs 'steps': the ids ('scenario/step') that fix it")
        for step in steps:
            scenario, _, step_id = step.partition("/")
            if not scenario or not step_id or "/" in step_id:
                raise self.error(where, f"step {step!r} must be 'scenario/step'")
        then = tuple(
            self.action(action, f"{where}.then[{number}]", frozenset())
            for number, action in enumerate(self.tables(table, "then", where), start=1)
        )
        if not then:
            raise self.error(where, "needs at least one [[on_tick.then]] action")
        return OnTick(
            steps=steps,
            then=then,
            delay=self.seconds(table, "delay", where, 0.0),
            what=self.text(table, "what", where),
        )

    def words(self, table: Mapping[str, Any], key: str, where: str) -> tuple[str, ...]:
        value = table.get(key, [])
        if not isinstance(value, list) or not all(isinstance(i, str) and i.strip() for i in value):
            raise self.error(where, f"{key!r} must be a list of non-empty strings")
        return tuple(item.strip() for item in value)

    def fields_of(self, table: Mapping[str, Any], where: str) -> frozenset[str]:
        service = self.text(table, "service", where, required=True)
        if service not in FIELDS:
            raise self.error(where, f"unknown service {service!r} (one of {', '.join(SERVICES)})")
        return FIELDS[service]

    def action(self, table: Mapping[str, Any], where: str, extra: frozenset[str]) -> Action:
        fields = self.fields_of(table, where)
        self.known(table, ACTION_KEYS | extra | fields, where)
        changes = {key: table[key] for key in table if key in fields}
        if not changes:
            raise self.error(where, f"sets nothing (give one of {', '.join(sorted(fields))})")
        for key, value in changes.items():
            self.check_value(key, value, where)
        return Action(
            service=table["service"], changes=changes, what=self.text(table, "what", where)
        )

    def check_value(self, key: str, value: Any, where: str) -> None:
        number = isinstance(value, int | float) and not isinstance(value, bool)
        if key == "status" and not (isinstance(value, int) and 100 <= value <= 599):
            raise self.error(where, "'status' must be an HTTP status (100-599)")
        if key == "latency_ms" and not (number and 0 <= value <= 60_000):
            raise self.error(where, "'latency_ms' must be a number from 0 to 60000")
        if key == "pool" and not (number and 0 <= value <= 1):
            raise self.error(where, "'pool' is the share of connections held, from 0 to 1")
        if key == "lock" and not isinstance(value, bool):
            raise self.error(where, "'lock' must be true (hold) or false (release)")
        if key == "component_status" and value not in COMPONENT_STATUSES:
            raise self.error(
                where, f"'component_status' must be one of {', '.join(COMPONENT_STATUSES)}"
            )
        if key in ("error", "component", "incident") and not isinstance(value, str):
            raise self.error(where, f"{key!r} must be a string")
