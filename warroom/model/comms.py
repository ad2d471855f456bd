"""Comms composer model: message templates and filling them from an incident.

A template is a small text file: TOML front matter between `+++` lines (`id`, `title`,
`audience`, optional `description`), then the message body with `{placeholder}` fields.
This module reads a template from its text and fills it; finding the files (shipped and
the team's overrides) is `warroom.comms_templates`'s job, so the model does no I/O.

Rendering is one pass of our own substitution, never `str.format`: a known placeholder is
replaced by its value, an unknown one stays visibly as written (and is reported), `{{` and
`}}` give literal braces, and text taken from the incident (titles, notes, probe reasons)
is inserted as is and never expanded again, so a note reading `{severity}` stays literal.
Inserted text has control characters made visible and recognisable secrets masked.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any

from warroom.model.events import NoteKind, in_zone
from warroom.model.figures import elapsed, format_duration, time_to_mitigate, time_to_resolve
from warroom.model.incident import DEFAULT_ROLES, IncidentState, Status, TimelineEntry
from warroom.model.severity import SeverityLadder, SeverityLevel
from warroom.model.text import inert, shorten
from warroom.redact import redact_text

# A list placeholder shows at most this many entries (the latest), so a draft stays pasteable.
MAX_BULLETS = 30
FRONT_MATTER_FENCE = "+++"
FRONT_MATTER_KEYS = frozenset({"id", "title", "audience", "description"})

# Every placeholder a template may use, with what it becomes.
PLACEHOLDERS: dict[str, str] = {
    "id": "incident id",
    "title": "incident title",
    "drill_banner": "a DRILL banner line when the incident is a drill, else nothing",
    "severity": "severity key, e.g. SEV-1",
    "severity_name": "severity name, e.g. Critical outage",
    "severity_label": "key and name, e.g. SEV-1 Critical outage",
    "severity_definition": "what the ladder says the severity means",
    "status": "status word, e.g. investigating",
    "status_title": "status word capitalised, e.g. Investigating",
    "status_statement": "one customer-friendly sentence describing the status",
    "started_utc": "declaration time in UTC",
    "started_local": "declaration time in the chosen time zone",
    "now_utc": "the time of writing in UTC",
    "now_local": "the time of writing in the chosen time zone",
    "duration": "time since declaration (until resolution once resolved)",
    "resolved_utc": "resolution time in UTC",
    "time_to_mitigate": "declaration to first monitoring/resolved status",
    "time_to_resolve": "declaration to resolution",
    "resolve_target": "the severity's target time to resolve",
    "target_note": "how the duration compares with the resolve target",
    "update_cadence": "how often the severity expects updates",
    "next_update_utc": "when the next update is due if this one is sent now",
    "ic": "Incident Commander's name",
    "roles": "one line per role: '- IC: name'",
    "declared_by": "who declared the incident",
    "scenario": "the triage scenario in use",
    "impact": "impact as described at declaration",
    "affected_services": "one line per service whose last probe state is not up",
    "affected_list": "names of those services, comma separated",
    "since": "what the update covers, e.g. 'since the last update at 14:30 UTC'",
    "what_we_know": "findings since the last comms (all if none was sent)",
    "actions_taken": "actions since the last comms (all if none was sent)",
    "next_steps": "todos since the last comms (all if none was sent)",
    "decisions": "every decision recorded",
    "all_findings": "every finding recorded",
    "all_actions": "every action recorded",
    "all_todos": "every todo recorded",
}

_FIELD = re.compile(r"\{\{|\}\}|\{([A-Za-z_][A-Za-z0-9_]*)\}")
_PLACEHOLDER_ONLY_LINE = re.compile(r"^\s*(?:\{[A-Za-z_][A-Za-z0-9_]*\}\s*)+$")
_CUSTOMER_STATEMENTS = {
    Status.INVESTIGATING: "We are investigating reports of a problem.",
    Status.IDENTIFIED: "We have found the cause and are working on a fix.",
    Status.MITIGATING: "We are putting a fix in place.",
    Status.MONITORING: "A fix is in place and we are watching to make sure it holds.",
    Status.RESOLVED: "The problem is resolved and the service is working normally.",
}


class TemplateError(ValueError):
    """A template file that cannot be used (bad front matter, missing field...)."""


@dataclass(frozen=True)
class CommsTemplate:
    """One message template: who it is for and the body with its placeholders."""

    id: str
    title: str
    audience: str
    body: str
    filename: str
    description: str = ""
    source: str = "shipped"  # "shipped", or the path of the user's file

    @property
    def is_user(self) -> bool:
        return self.source != "shipped"

    @property
    def placeholders(self) -> list[str]:
        """Placeholder names the body uses, in order of first use."""
        seen: dict[str, None] = {}
        for match in _FIELD.finditer(self.body):
            if match[1]:
                seen.setdefault(match[1], None)
        return list(seen)

    @property
    def unknown_placeholders(self) -> list[str]:
        return [name for name in self.placeholders if name not in PLACEHOLDERS]


@dataclass(frozen=True)
class Draft:
    """A filled template: the text, and placeholders left as written because unknown."""

    template: CommsTemplate
    text: str
    unknown: list[str] = field(default_factory=list)


# Loading ------------------------------------------------------------------------------


def parse_template(text: str, filename: str, source: str = "shipped") -> CommsTemplate:
    """A template from a file's text; TemplateError says what is wrong and on which line."""
    lines = text.splitlines()
    if not lines or lines[0].strip() != FRONT_MATTER_FENCE:
        raise TemplateError(f"line 1: expected '{FRONT_MATTER_FENCE}' opening the header")
    try:
        close = next(i for i in range(1, len(lines)) if lines[i].strip() == FRONT_MATTER_FENCE)
    except StopIteration:
        raise TemplateError(f"no closing '{FRONT_MATTER_FENCE}' after the header") from None
    try:
        header = tomllib.loads("\n".join(lines[1:close]))
    except tomllib.TOMLDecodeError as error:
        raise TemplateError(_toml_problem(str(error), offset=1, end_line=close + 1)) from None
    unknown = sorted(set(header) - FRONT_MATTER_KEYS)
    if unknown:
        line = _header_line(lines, close, unknown[0])
        raise TemplateError(
            f"line {line}: unknown header field {unknown[0]!r}"
            f" (use {', '.join(sorted(FRONT_MATTER_KEYS))})"
        )
    values = {}
    for key in ("id", "title", "audience", "description"):
        value = header.get(key, "")
        if not isinstance(value, str):
            line = _header_line(lines, close, key)
            raise TemplateError(f"line {line}: {key} must be a string")
        if key != "description" and not value.strip():
            raise TemplateError(f"line {close + 1}: the header needs a non-empty {key!r}")
        values[key] = value.strip()
    body = inert("\n".join(lines[close + 1 :]).strip("\n"))
    if not body.strip():
        raise TemplateError(f"line {close + 2}: the template has no text after its header")
    return CommsTemplate(body=body + "\n", filename=filename, source=source, **values)


def _toml_problem(message: str, offset: int, end_line: int) -> str:
    """tomllib's message with its line made relative to the whole file."""
    match = re.search(r"\(at line (\d+), column (\d+)\)", message)
    if match:
        reason = message[: match.start()].strip()
        return f"line {int(match[1]) + offset}: {reason} (column {match[2]})"
    reason = message.replace("(at end of document)", "").strip()
    return f"line {end_line}: {reason} (at the end of the header)"


def _header_line(lines: list[str], close: int, key: str) -> int:
    pattern = re.compile(rf"^\s*{re.escape(key)}\s*=")
    for index in range(1, close):
        if pattern.match(lines[index]):
            return index + 1
    return 1


# Rendering ----------------------------------------------------------------------------


def render(
    template: CommsTemplate,
    state: IncidentState,
    ladder: SeverityLadder,
    now: datetime,
    tz: tzinfo | None = None,
) -> str:
    """The template filled from the incident, as plain text ready to paste."""
    return render_draft(template, state, ladder, now, tz).text


def render_draft(
    template: CommsTemplate,
    state: IncidentState,
    ladder: SeverityLadder,
    now: datetime,
    tz: tzinfo | None = None,
) -> Draft:
    """Like `render`, also naming the placeholders that were left as written."""
    values = build_context(state, ladder, now, tz, names=template.placeholders)
    text, unknown = fill(template.body, values)
    return Draft(template=template, text=text, unknown=unknown)


def fill(body: str, values: dict[str, str]) -> tuple[str, list[str]]:
    """One substitution pass over `body`; values are never expanded again.

    A line made only of placeholders that all come out empty is dropped, so optional
    parts (the drill banner) leave no blank line behind.
    """
    unknown: dict[str, None] = {}

    def replace(match: re.Match[str]) -> str:
        token = match[0]
        if token == "{{":
            return "{"
        if token == "}}":
            return "}"
        name = match[1]
        if name in values:
            return values[name]
        unknown.setdefault(name, None)
        return token

    out = []
    for line in body.split("\n"):
        filled = _FIELD.sub(replace, line)
        if _PLACEHOLDER_ONLY_LINE.match(line) and not filled.strip():
            continue
        out.append(filled)
    return "\n".join(out), list(unknown)


def build_context(
    state: IncidentState,
    ladder: SeverityLadder,
    now: datetime,
    tz: tzinfo | None = None,
    names: Iterable[str] | None = None,
) -> dict[str, str]:
    """Placeholder values for this incident at `now` (all plain, safe text).

    Only `names` are computed when given (unknown names are left out), so a short
    template stays cheap on an incident with a long timeline.
    """
    makers = _value_makers(state, ladder, now, tz)
    wanted = makers if names is None else [name for name in names if name in makers]
    return {name: _safe(makers[name]()) for name in wanted}


def _value_makers(
    state: IncidentState, ladder: SeverityLadder, now: datetime, tz: tzinfo | None
) -> dict[str, Callable[[], str]]:
    level = ladder.find(state.severity) if state.severity else None
    cutoff = state.last_comms_at
    duration = elapsed(state, now)
    notes = _NotesByKind(state)
    drill = "*** DRILL: this is an exercise, not a real incident ***" if state.drill else ""
    return {
        "id": lambda: state.id,
        "title": lambda: state.title or "(untitled incident)",
        "drill_banner": lambda: drill,
        "severity": lambda: state.severity or "(no severity)",
        "severity_name": lambda: level.name if level else state.severity,
        "severity_label": lambda: level.label if level else state.severity,
        "severity_definition": lambda: level.definition if level else "",
        "status": lambda: state.status.value,
        "status_title": lambda: state.status.value.capitalize(),
        "status_statement": lambda: _CUSTOMER_STATEMENTS[state.status],
        "started_utc": lambda: _utc(state.declared_at),
        "started_local": lambda: _local(state.declared_at, tz),
        "now_utc": lambda: _utc(now),
        "now_local": lambda: _local(now, tz),
        "duration": lambda: format_duration(duration),
        "resolved_utc": lambda: (
            _utc(state.resolved_at) if state.resolved_at else "not marked resolved yet"
        ),
        "time_to_mitigate": lambda: _span_or(time_to_mitigate(state), "not mitigated yet"),
        "time_to_resolve": lambda: _span_or(time_to_resolve(state), "not resolved yet"),
        "resolve_target": lambda: _span_or(level.resolve_target if level else None, "none set"),
        "target_note": lambda: _target_note(level, duration),
        "update_cadence": lambda: _span_or(level.update_cadence if level else None, "none set"),
        "next_update_utc": lambda: _next_update(state, level, now),
        "ic": lambda: state.roles.get("IC") or "(unassigned)",
        "roles": lambda: _roles(state.roles),
        "declared_by": lambda: state.declared_by or "(unknown)",
        "scenario": lambda: state.scenario or "(none)",
        "impact": lambda: state.impact.strip() or "[describe the impact: who is affected, and how]",
        "affected_services": lambda: _affected_lines(state.probe_states),
        "affected_list": lambda: ", ".join(_affected(state.probe_states)) or "none detected",
        "since": lambda: (
            f"since the last update at {_utc(cutoff)}" if cutoff else "since declaration"
        ),
        "what_we_know": lambda: _bullets(notes.since(NoteKind.FINDING, cutoff), cutoff),
        "actions_taken": lambda: _bullets(notes.since(NoteKind.ACTION, cutoff), cutoff),
        "next_steps": lambda: _bullets(notes.since(NoteKind.TODO, cutoff), cutoff),
        "decisions": lambda: _bullets(notes.all(NoteKind.DECISION), None),
        "all_findings": lambda: _bullets(notes.all(NoteKind.FINDING), None),
        "all_actions": lambda: _bullets(notes.all(NoteKind.ACTION), None),
        "all_todos": lambda: _bullets(notes.all(NoteKind.TODO), None),
    }


class _NotesByKind:
    """The incident's live (not struck) notes grouped by kind, in one pass when needed."""

    def __init__(self, state: IncidentState) -> None:
        self.state = state
        self._groups: dict[NoteKind | None, list[TimelineEntry]] | None = None

    def all(self, kind: NoteKind) -> list[TimelineEntry]:
        if self._groups is None:
            self._groups = {}
            for entry in self.state.notes():
                self._groups.setdefault(entry.note_kind, []).append(entry)
        return self._groups.get(kind, [])

    def since(self, kind: NoteKind, cutoff: datetime | None) -> list[TimelineEntry]:
        entries = self.all(kind)
        if cutoff is None:
            return entries
        return [entry for entry in entries if _touched_after(entry, cutoff)]


def _safe(value: str) -> str:
    return redact_text(inert(value))


def _utc(moment: datetime | None) -> str:
    if moment is None:
        return "(unknown)"
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _local(moment: datetime | None, tz: tzinfo | None) -> str:
    if moment is None:
        return "(unknown)"
    local = in_zone(moment, tz)
    return local.strftime("%Y-%m-%d %H:%M ") + (local.tzname() or local.strftime("%z"))


def _span_or(span: timedelta | None, missing: str) -> str:
    return format_duration(span) if span is not None else missing


def _target_note(level: SeverityLevel | None, duration: timedelta) -> str:
    if level is None or level.resolve_target is None:
        return "no resolve target set for this severity"
    target = level.resolve_target
    if duration > target:
        return f"over the {format_duration(target)} target by {format_duration(duration - target)}"
    return (
        f"within the {format_duration(target)} target ({format_duration(target - duration)} left)"
    )


def _next_update(state: IncidentState, level: SeverityLevel | None, now: datetime) -> str:
    if state.status is Status.RESOLVED:
        return "none planned (resolved)"
    if level is None or level.update_cadence is None:
        return "when there is news"
    return _utc(now + level.update_cadence)


def _roles(roles: dict[str, str]) -> str:
    order = list(DEFAULT_ROLES) + sorted(r for r in roles if r not in DEFAULT_ROLES)
    return "\n".join(f"- {role}: {roles.get(role) or '(unassigned)'}" for role in order)


def _affected(probe_states: dict[str, dict[str, Any]]) -> list[str]:
    return sorted(
        name for name, payload in probe_states.items() if str(payload.get("state")) != "up"
    )


def _affected_lines(probe_states: dict[str, dict[str, Any]]) -> str:
    lines = []
    for name in _affected(probe_states):
        payload = probe_states[name]
        reason = shorten(inert(str(payload.get("reason") or ""), single_line=True).strip(), 120)
        detail = f" ({reason})" if reason else ""
        lines.append(f"- {name}: {payload.get('state') or 'unknown'}{detail}")
    return "\n".join(lines) or "- none detected by our checks"


def _touched_after(entry: TimelineEntry, cutoff: datetime) -> bool:
    """New or edited after the cutoff (a note backdated before it but typed after counts)."""
    event = entry.event
    if event.at > cutoff or event.recorded > cutoff:
        return True
    return any(edit.recorded > cutoff for edit in entry.edits)


def _bullets(entries: list[TimelineEntry], cutoff: datetime | None) -> str:
    """One '- ' line per entry (continuation lines indented); the latest MAX_BULLETS."""
    lines = []
    hidden = max(len(entries) - MAX_BULLETS, 0)
    if hidden:
        lines.append(f"- ({hidden} earlier entries not shown: see the timeline)")
    for entry in entries[hidden:]:
        text_lines = entry.text.strip().splitlines() or [""]
        lines.append("- " + text_lines[0])
        lines.extend("  " + more for more in text_lines[1:])
    if lines:
        return "\n".join(lines)
    return "- nothing new since the last update" if cutoff else "- none recorded yet"
