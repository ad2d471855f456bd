"""Comms composer model: what each placeholder becomes, and drafts filled from an incident.

Every template renders from the same record: the situation facts the IC keeps current
(`warroom.model.record`), the figures (`warroom.model.figures`) and the situation an update
states (`warroom.model.situation`). Reading and filling template files is
`warroom.model.comms_template`'s job; this module decides the values.

A draft stands alone: the current situation first, then what changed since the last
update to the same audience. A missing fact leaves its sentence out and is named in
`Draft.missing`, so the composer can ask for it; no placeholder text is ever inserted.
Templates for an external audience never receive internal values (ids, targets, roles,
findings, probe reasons): those placeholders come out empty there. Inserted text has
control characters made visible and recognisable secrets masked.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, tzinfo
from functools import cache

from warroom.model.actions import open_action_items
from warroom.model.asks import waiting_on_lines
from warroom.model.comms_template import (
    CommsTemplate,
    TemplateError,
    fill,
    parse_template,
)
from warroom.model.decisions import decisions
from warroom.model.events import NoteKind, in_zone
from warroom.model.figures import (
    detected_at,
    elapsed,
    format_duration,
    impact_started_at,
    promise_for_update,
    time_to_mitigate,
    time_to_resolve,
    update_cadence,
)
from warroom.model.hypotheses import hypotheses, ruled_out
from warroom.model.incident import DEFAULT_ROLES, IncidentState, Status, TimelineEntry
from warroom.model.severity import SeverityLadder, SeverityLevel
from warroom.model.situation import (
    changes_since,
    clock,
    decision_lines,
    hypothesis,
    one_line,
    service_lines,
    service_stories,
    todo_lines,
)
from warroom.model.text import inert
from warroom.redact import redact_text

__all__ = [
    "MAX_BULLETS",
    "PLACEHOLDERS",
    "CommsTemplate",
    "Draft",
    "TemplateError",
    "build_context",
    "fill",
    "parse_template",
    "render",
    "render_draft",
]

# A list placeholder shows at most this many entries (the latest), so a draft stays pasteable.
MAX_BULLETS = 30

# Every placeholder a template may use, with what it becomes.
PLACEHOLDERS: dict[str, str] = {
    "id": "incident id (internal)",
    "title": "incident title",
    "drill_banner": "a DRILL banner line when the incident is a drill, else nothing",
    "update_kind": "DECLARED for the first update to this audience, UPDATE, or RESOLVED",
    "update_number": "1 for the first update to this audience, then 2, 3...",
    "severity": "severity key, e.g. SEV-1",
    "severity_name": "severity name, e.g. Critical outage",
    "severity_label": "key and name, e.g. SEV-1 Critical outage",
    "severity_definition": "what the ladder says the severity means",
    "status": "status word, e.g. investigating",
    "status_title": "status word capitalised, e.g. Investigating",
    "status_statement": "one customer-friendly sentence describing the status",
    "started": "when the impact started, UTC (and local time when the zone differs)",
    "started_utc": "when the impact started, in UTC",
    "started_local": "when the impact started, in the chosen zone",
    "detected_utc": "when the trouble was first detected, UTC",
    "declared_utc": "when the incident was declared, UTC",
    "mitigated_utc": "when the impact was mitigated, UTC (empty until then)",
    "resolved_utc": "resolution time, UTC (empty until resolved)",
    "now_utc": "the time of writing in UTC",
    "now_local": "the time of writing in the chosen time zone",
    "duration": "how long the impact has lasted (until resolution once resolved)",
    "impact_span": "'Impact since 14:00 UTC, 25m so far.', or from when to when once resolved",
    "time_to_mitigate": "impact start to mitigation (empty until mitigated)",
    "time_to_resolve": "impact start to resolution (empty until resolved)",
    "resolve_target": "the severity's target time to resolve (internal)",
    "target_note": "how the duration compares with the resolve target (internal)",
    "update_cadence": "how often the severity expects updates",
    "next_update": "the sentence promising the next update, or saying this is the last",
    "next_update_utc": "when the next update is due if this one is sent now",
    "ic": "Incident Commander's name",
    "roles": "one line per role: '- IC: name' (internal)",
    "declared_by": "who declared the incident (internal)",
    "scenario": "the triage scenario in use (internal)",
    "impact": "the record's impact, in plain words",
    "affected": "who is affected and how many",
    "scope": "scope: regions, products, plans",
    "workaround": "what users can do meanwhile (left out once resolved)",
    "customer_summary": "the customer-facing summary",
    "resolution": "the one-line resolution summary",
    "hypothesis": "the current theory: confirmed and open hypotheses (with none written,"
    " the latest finding; internal)",
    "hypotheses": "every hypothesis with its state, evidence and reason (internal)",
    "ruled_out": "hypotheses ruled out, with the reason (internal)",
    "services": "services hit since the last update, still down or recovered, with reasons",
    "services_plain": "the same without probe reasons",
    "affected_services": "services hit since the last update, with reasons (internal)",
    "affected_list": "names of the services not up now, comma separated",
    "decisions": "every decision taken, with its time, who decided and the objections poll",
    "open_todos": "open todos (next steps) with their owners and due dates",
    "open_asks": "open asks: '- waiting on @dana: replica lag (due 14:05 UTC)' (internal)",
    "changes": "everything that changed since the last update to this audience",
    "changes_brief": "the same without findings and new todos",
    "since": "'since the last update at 14:30 UTC', or 'so far' before the first update",
    "what_we_know": "findings since the last update (all when none was sent; internal)",
    "actions_taken": "actions since the last update (all when none was sent)",
    "next_steps": "open todos with their owners and due dates",
    "all_findings": "every finding recorded (internal)",
    "all_actions": "every action recorded",
    "all_todos": "every todo recorded, done or not",
}

# Never given to a template for an external audience (customers): they come out empty.
INTERNAL_PLACEHOLDERS = frozenset(
    {
        "id",
        "resolve_target",
        "target_note",
        "roles",
        "declared_by",
        "scenario",
        "hypothesis",
        "hypotheses",
        "ruled_out",
        "services",
        "affected_services",
        "what_we_know",
        "all_findings",
        "changes",
        "ic",
        "severity",
        "severity_label",
        "severity_name",
        "severity_definition",
        "impact",
        "decisions",
        "open_todos",
        "open_asks",
        "next_steps",
        "all_todos",
        "actions_taken",
        "all_actions",
        "changes_brief",
    }
)

# Record facts a template may leave out, with how the composer asks for them.
FACT_PLACEHOLDERS = {
    "impact": "impact",
    "affected": "who is affected",
    "scope": "scope",
    "workaround": "workaround",
    "customer_summary": "customer summary",
    "resolution": "resolution summary",
}

_CUSTOMER_STATEMENTS = {
    Status.INVESTIGATING: "We are investigating a problem and will share more as we learn it.",
    Status.IDENTIFIED: "We have found the cause and are working on a fix.",
    Status.MITIGATING: "We are putting a fix in place.",
    Status.MONITORING: "A fix is in place and we are watching to make sure it holds.",
    Status.RESOLVED: "The problem is resolved and the service is working normally.",
}


@dataclass(frozen=True)
class Draft:
    """A filled template: the text, what it promises, and what it had to leave out."""

    template: CommsTemplate
    text: str
    unknown: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # record facts left out (names)
    unowned: int = 0  # open todos without an @owner
    stale: list[str] = field(default_factory=list)  # facts set before the resolution
    promise: datetime | None = None  # the next update it promises

    def flags(self, record_key: str = "R") -> list[str]:
        """What the IC should know before copying, one short line each."""
        lines = []
        if self.missing:
            names = ", ".join(FACT_PLACEHOLDERS[name] for name in self.missing)
            lines.append(f"Left out, not set: {names} (press {record_key} to set)")
        if self.stale:
            names = ", ".join(FACT_PLACEHOLDERS[name] for name in self.stale)
            lines.append(f"Set before the resolution, check it: {names} (press {record_key})")
        if self.unowned:
            lines.append(f"{self.unowned} open todo(s) without an owner (write @name in them)")
        if self.unknown:
            names = ", ".join("{" + name + "}" for name in self.unknown)
            lines.append(f"Unknown placeholders left as written: {names}")
        return lines


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
    """Like `render`, also naming what was left out and what the draft promises."""
    names = template.placeholders
    notes = _NotesByKind(state)
    values = build_context(
        state, ladder, now, tz, names=names, audience=template.audience, notes=notes
    )
    if template.external:
        values.update({name: "" for name in names if name in INTERNAL_PLACEHOLDERS})
    text, unknown = fill(template.body, values)
    missing = [
        name
        for name in FACT_PLACEHOLDERS
        if name in names
        and not values.get(name, "x").strip()
        and not (template.external and name in INTERNAL_PLACEHOLDERS)
        and (name != "resolution" or not state.is_open)
    ]
    unowned = 0
    if {"open_todos", "next_steps"} & set(names) and not template.external:
        unowned = sum(1 for item in open_action_items(state) if not item.owner)
    promise = promise_for_update(state, ladder, now)
    stale: list[str] = []
    if state.resolved_at is not None:
        stale = [
            name
            for name in ("customer_summary", "impact")
            if name in names
            and values.get(name)
            and state.record.set_at.get(name, state.resolved_at) < state.resolved_at
        ]
    return Draft(
        template,
        text,
        unknown=unknown,
        missing=missing,
        unowned=unowned,
        stale=stale,
        promise=promise,
    )


def audience_cutoff(state: IncidentState, audience: str | None) -> datetime | None:
    """When this audience last got an update (any audience's when `audience` is None)."""
    if audience is None:
        return state.last_comms_at
    times = [e.at for e in state.comms if str(e.payload.get("audience", "")) == audience]
    return max(times) if times else None


def build_context(
    state: IncidentState,
    ladder: SeverityLadder,
    now: datetime,
    tz: tzinfo | None = None,
    names: Iterable[str] | None = None,
    audience: str | None = None,
    notes: _NotesByKind | None = None,
) -> dict[str, str]:
    """Placeholder values for this incident at `now` (all plain, safe text).

    Only `names` are computed when given (unknown names are left out), so a short
    template stays cheap on an incident with a long timeline. "Since the last update"
    means the last update copied for `audience` (any audience when None).
    """
    makers = _value_makers(state, ladder, now, tz, audience, notes or _NotesByKind(state))
    wanted = makers if names is None else [name for name in names if name in makers]
    return {name: _safe(makers[name]()) for name in wanted}


def _value_makers(
    state: IncidentState,
    ladder: SeverityLadder,
    now: datetime,
    tz: tzinfo | None,
    audience: str | None,
    notes: _NotesByKind,
) -> dict[str, Callable[[], str]]:
    level = ladder.find(state.severity) if state.severity else None
    cutoff = audience_cutoff(state, audience)
    earlier = [e for e in state.comms if audience is None or e.payload.get("audience") == audience]
    started = impact_started_at(state)
    duration = elapsed(state, now)
    record = state.record
    stories = cache(lambda: service_stories(state, cutoff))
    todos = cache(lambda: todo_lines(open_action_items(state), now))
    drill = "*** DRILL: this is an exercise, not a real incident ***" if state.drill else ""

    def update_kind() -> str:
        if not state.is_open:
            return "RESOLVED"
        return "UPDATE" if earlier else "DECLARED"

    return {
        "id": lambda: state.id,
        "title": lambda: state.title or "(untitled incident)",
        "drill_banner": lambda: drill,
        "update_kind": update_kind,
        "update_number": lambda: str(len(earlier) + 1),
        "severity": lambda: state.severity,
        "severity_name": lambda: level.name if level else state.severity,
        "severity_label": lambda: level.label if level else state.severity,
        "severity_definition": lambda: level.definition if level else "",
        "status": lambda: state.status.value,
        "status_title": lambda: state.status.value.capitalize(),
        "status_statement": lambda: _CUSTOMER_STATEMENTS[state.status],
        "started": lambda: _utc_and_local(started, tz),
        "started_utc": lambda: _utc(started),
        "started_local": lambda: _local(started, tz),
        "detected_utc": lambda: _utc(detected_at(state)),
        "declared_utc": lambda: _utc(state.declared_at),
        "mitigated_utc": lambda: _utc(state.mitigated_at),
        "resolved_utc": lambda: _utc(state.resolved_at),
        "now_utc": lambda: _utc(now),
        "now_local": lambda: _local(now, tz),
        "duration": lambda: format_duration(duration),
        "impact_span": lambda: _impact_span(state, started, duration, now, tz),
        "time_to_mitigate": lambda: _span(time_to_mitigate(state)),
        "time_to_resolve": lambda: _span(time_to_resolve(state)),
        "resolve_target": lambda: _span(level.resolve_target if level else None),
        "target_note": lambda: _target_note(state, level, duration),
        "update_cadence": lambda: _span(update_cadence(state, ladder)),
        "next_update": lambda: _next_update_sentence(state, ladder, now),
        "next_update_utc": lambda: _next_update_utc(state, ladder, now),
        "ic": lambda: state.roles.get("IC", ""),
        "roles": lambda: _roles(state.roles),
        "declared_by": lambda: state.declared_by,
        "scenario": lambda: state.scenario or "",
        "impact": lambda: record.fact("impact"),
        "affected": lambda: record.fact("affected"),
        "scope": lambda: record.fact("scope"),
        "workaround": lambda: record.fact("workaround") if state.is_open else "",
        "customer_summary": lambda: record.fact("customer_summary"),
        "resolution": lambda: record.fact("resolution"),
        "hypothesis": lambda: hypothesis(state, notes.all(NoteKind.FINDING)),
        "hypotheses": lambda: _hypothesis_lines(state),
        "ruled_out": lambda: _ruled_out_lines(state),
        "services": lambda: service_lines(stories(), now, reasons=True),
        "services_plain": lambda: service_lines(stories(), now, reasons=False),
        "affected_services": lambda: service_lines(stories(), now, reasons=True),
        "affected_list": lambda: ", ".join(
            story.name for story in service_stories(state, None) if not story.recovered
        ),
        "decisions": lambda: decision_lines(decisions(state), now),
        "open_todos": todos,
        "open_asks": lambda: waiting_on_lines(state, now),
        "changes": lambda: _changes(state, cutoff, now, detailed=True),
        "changes_brief": lambda: _changes(state, cutoff, now, detailed=False),
        "since": lambda: f"since the last update at {clock(cutoff, now)}" if cutoff else "so far",
        "what_we_know": lambda: _bullets(notes.since(NoteKind.FINDING, cutoff)),
        "actions_taken": lambda: _bullets(notes.since(NoteKind.ACTION, cutoff)),
        "next_steps": todos,
        "all_findings": lambda: _bullets(notes.all(NoteKind.FINDING)),
        "all_actions": lambda: _bullets(notes.all(NoteKind.ACTION)),
        "all_todos": lambda: _bullets(notes.all(NoteKind.TODO), done_marks=True),
    }


def _changes(state: IncidentState, cutoff: datetime | None, now: datetime, detailed: bool) -> str:
    if cutoff is None:
        return ""
    lines = changes_since(state, cutoff, now, detailed=detailed)
    if len(lines) > MAX_BULLETS:
        hidden = len(lines) - MAX_BULLETS
        lines = [f"- ({hidden} earlier changes not shown: see the timeline)", *lines[hidden:]]
    return "\n".join(lines) or f"- No change since the last update at {clock(cutoff, now)}."


class _NotesByKind:
    """The incident's live (not struck) notes of each kind asked for, read once per draft
    (the state keeps notes by kind: no pass over the timeline)."""

    def __init__(self, state: IncidentState) -> None:
        self.state = state
        self._groups: dict[NoteKind, list[TimelineEntry]] = {}

    def all(self, kind: NoteKind) -> list[TimelineEntry]:
        if kind not in self._groups:
            self._groups[kind] = self.state.notes(kind)
        return self._groups[kind]

    def since(self, kind: NoteKind, cutoff: datetime | None) -> list[TimelineEntry]:
        entries = self.all(kind)
        if cutoff is None:
            return entries
        return [entry for entry in entries if _touched_after(entry, cutoff)]


def _touched_after(entry: TimelineEntry, cutoff: datetime) -> bool:
    """New or edited after the cutoff (a note backdated before it but typed after counts)."""
    event = entry.event
    if event.at > cutoff or event.recorded > cutoff:
        return True
    return any(edit.recorded > cutoff for edit in entry.edits)


def _hypothesis_lines(state: IncidentState) -> str:
    """'- replica lag (open; evidence: lag 40 s on replica-2)', one per hypothesis."""
    lines = []
    for found in hypotheses(state)[-MAX_BULLETS:]:
        details = [found.state_word]
        if found.reason:
            details.append(one_line(found.reason, 200))
        if found.evidence:
            shown = "; ".join(one_line(e.text, 120) for e in found.evidence[:5])
            more = f" and {len(found.evidence) - 5} more" if len(found.evidence) > 5 else ""
            details.append(f"evidence: {shown}{more}")
        lines.append(f"- {one_line(found.text)} ({'; '.join(details)})")
    return "\n".join(lines)


def _ruled_out_lines(state: IncidentState) -> str:
    lines = []
    for found in ruled_out(state)[-MAX_BULLETS:]:
        reason = f" ({one_line(found.reason, 200)})" if found.reason else ""
        lines.append(f"- {one_line(found.text)}{reason}")
    return "\n".join(lines)


def _safe(value: str) -> str:
    return redact_text(inert(value))


def _utc(moment: datetime | None) -> str:
    if moment is None:
        return ""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _local(moment: datetime | None, tz: tzinfo | None) -> str:
    if moment is None:
        return ""
    local = in_zone(moment, tz)
    return local.strftime("%Y-%m-%d %H:%M ") + (local.tzname() or local.strftime("%z"))


def _utc_and_local(moment: datetime | None, tz: tzinfo | None) -> str:
    """UTC, and the local time beside it only when the zone is not UTC at that moment."""
    if moment is None:
        return ""
    local = in_zone(moment, tz)
    if local.utcoffset() == timedelta(0):
        return _utc(moment)
    return f"{_utc(moment)} ({local.strftime('%H:%M')} {local.tzname() or local.strftime('%z')})"


def _impact_span(
    state: IncidentState,
    started: datetime | None,
    duration: timedelta,
    now: datetime,
    tz: tzinfo | None,
) -> str:
    if started is None:
        return ""
    if state.resolved_at is None:
        return f"Impact since {_utc_and_local(started, tz)}, {format_duration(duration)} so far."
    return (
        f"Impact lasted {format_duration(duration)}, from {clock(started, now)}"
        f" to {clock(state.resolved_at, now)}."
    )


def _span(span: timedelta | None) -> str:
    return format_duration(span) if span is not None else ""


def _target_note(state: IncidentState, level: SeverityLevel | None, duration: timedelta) -> str:
    """Internal: how the duration compares with the resolve target, as a sentence."""
    if level is None or level.resolve_target is None:
        return ""
    target = format_duration(level.resolve_target)
    if not state.is_open:
        verdict = "within" if duration <= level.resolve_target else "over"
        return f"Resolved in {format_duration(duration)}, {verdict} the {target} target."
    if duration > level.resolve_target:
        over = format_duration(duration - level.resolve_target)
        return f"Over the {target} resolve target by {over}."
    return f"Within the {target} resolve target."


def _next_update_utc(state: IncidentState, ladder: SeverityLadder, now: datetime) -> str:
    return _utc(promise_for_update(state, ladder, now))


def _next_update_sentence(state: IncidentState, ladder: SeverityLadder, now: datetime) -> str:
    if not state.is_open:
        return "This is the final update for this incident."
    promise = promise_for_update(state, ladder, now)
    if promise is None:
        return "We will send the next update as soon as there is news."
    return f"Next update by {clock(promise, now, seconds=True)}, or sooner if anything changes."


def _roles(roles: dict[str, str]) -> str:
    order = list(DEFAULT_ROLES) + sorted(r for r in roles if r not in DEFAULT_ROLES)
    return "\n".join(f"- {role}: {roles[role]}" for role in order if roles.get(role))


def _bullets(entries: list[TimelineEntry], done_marks: bool = False) -> str:
    """One '- ' line per entry (continuation lines indented); the latest MAX_BULLETS."""
    lines = []
    hidden = max(len(entries) - MAX_BULLETS, 0)
    if hidden:
        lines.append(f"- ({hidden} earlier entries not shown: see the timeline)")
    for entry in entries[hidden:]:
        text_lines = entry.text.strip().splitlines() or [""]
        mark = " (done)" if done_marks and entry.done else ""
        lines.append("- " + one_line(text_lines[0], 1000) + mark)
        lines.extend("  " + more for more in text_lines[1:])
    return "\n".join(lines)
