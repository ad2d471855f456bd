"""The post-mortem: an incident rendered as Markdown for the wiki, or as JSON.

Markdown follows the shape the runbooks ask for: title, date, duration, severity and the
time spent at each level, roles, impact, a timeline table (UTC plus a chosen zone),
findings, decisions, actions, and action items from `todo` notes. Pinned entries lead.
JSON is the full event list plus the derived state, and reads back into the same state.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, tzinfo
from typing import Any

from warroom.model.actions import action_items, due_words
from warroom.model.command_report import ask_summary, command_section
from warroom.model.decisions import decision_detail, decisions
from warroom.model.events import Event, EventKind, NoteKind, format_utc, in_zone
from warroom.model.figures import (
    detected_at,
    elapsed,
    format_duration,
    impact_started_at,
    time_in_severity,
    time_to_mitigate,
    time_to_resolve,
)
from warroom.model.hypotheses import (
    CONFIRMED,
    OPEN,
    RULED_OUT,
    Hypothesis,
    confirmed,
    hypotheses,
)
from warroom.model.incident import IncidentState, TimelineEntry, fold
from warroom.model.severity import SeverityError, SeverityLadder
from warroom.model.text import json_text, markdown_inline

NOTE_LABELS = {
    NoteKind.NOTE: "note",
    NoteKind.FINDING: "finding",
    NoteKind.ACTION: "action",
    NoteKind.DECISION: "decision",
    NoteKind.TODO: "todo",
    NoteKind.HYPOTHESIS: "hypothesis",
}


# A line break inside a Markdown list item: a hard break, then the item's indent.
LIST_BREAK = "  \n  "


def cell(text: str) -> str:
    """Text safe inside one Markdown table cell."""
    return markdown_inline(text).replace("|", "\\|").strip()


def line(text: str) -> str:
    """Text safe on one Markdown line: escapes shown, HTML tags as text."""
    return markdown_inline(text).strip()


def _clock(moment: datetime, zone: tzinfo) -> str:
    """`YYYY-MM-DD HH:MM:SS` in `zone` (isoformat: several times faster than strftime,
    which matters for a timeline of 100,000 rows)."""
    return in_zone(moment, zone).isoformat(sep=" ", timespec="seconds")[:19]


def _when(moment: datetime | None, zone: tzinfo | None = None) -> str:
    if moment is None:
        return "-"
    return _clock(moment, zone or UTC) + ("" if zone else " UTC")


def _kind_label(entry: TimelineEntry) -> str:
    if entry.note_kind is not None:
        return NOTE_LABELS[entry.note_kind]
    label = str(entry.kind).replace("_", " ")
    return f"{label} (auto)" if entry.event.automatic else label


def lines(text: str, joiner: str) -> str:
    """Every line of a multi-line note (a pasted log excerpt), joined by `joiner`: `<br>`
    inside a table cell, a newline and an indent inside a list item."""
    parts = [line(part) for part in text.replace("\r\n", "\n").split("\n")]
    return joiner.join(part for part in parts if part) or line(text)


def _entry_text(entry: TimelineEntry, joiner: str = "<br>") -> str:
    text = lines(entry.text, joiner)
    if entry.edits:
        text += " _(edited)_"
    if entry.struck:
        reason = f": {line(entry.struck_reason)}" if entry.struck_reason else ""
        text = f"~~{text}~~ _(struck{reason})_"
    return text


def to_markdown(
    state: IncidentState,
    ladder: SeverityLadder,
    now: datetime,
    zone: tzinfo | None = None,
    zone_name: str | None = None,
) -> str:
    out: list[str] = []
    add = out.append
    drill = " (DRILL)" if state.drill else ""
    add(f"# Post-mortem: {state.id}: {line(state.title)}{drill}")
    add("")
    if state.drill:
        add("> This incident was a drill: no real outage.")
        add("")
    try:
        level = ladder.get(state.severity)
        severity_label = f"{level.key} ({level.name})" if level.name else level.key
    except SeverityError:
        severity_label = line(state.severity)
    peak = _peak_severity(state, ladder)
    add(f"- **Date:** {_when(state.declared_at)[:10]}")
    add(f"- **Duration:** {format_duration(elapsed(state, now))}")
    add(f"- **Severity:** {severity_label}; peak {line(peak)}")
    add(f"- **Status:** {state.status}")
    add(f"- **Impact started:** {_when(impact_started_at(state))}")
    add(f"- **Detected:** {_when(detected_at(state))}")
    add(f"- **Declared:** {_when(state.declared_at)} by {line(state.declared_by)}")
    add(f"- **Mitigated:** {_when(state.mitigated_at)}")
    add(f"- **Resolved:** {_when(state.resolved_at)}")
    add(f"- **Time to mitigate:** {format_duration(time_to_mitigate(state))}")
    add(f"- **Time to resolve:** {format_duration(time_to_resolve(state))}")
    if state.scenario:
        add(f"- **Scenario:** {line(state.scenario)}")
    add("")

    pinned = [entry for entry in state.entries if entry.pinned and not entry.struck]
    if pinned:
        add("## Key points")
        add("")
        for entry in pinned:
            add(f"- {_when(entry.at)[11:19]} UTC: {_entry_text(entry, LIST_BREAK)}")
        add("")

    add("## Time in each severity")
    add("")
    add("| Severity | Time |")
    add("|---|---|")
    for severity, span in time_in_severity(state, now).items():
        add(f"| {cell(severity)} | {format_duration(span)} |")
    add("")

    add("## Roles")
    add("")
    if state.roles:
        add("| Role | Name |")
        add("|---|---|")
        for role, name in state.roles.items():
            add(f"| {cell(role)} | {cell(name)} |")
    else:
        add("_No roles were assigned._")
    add("")

    add("## Impact")
    add("")
    add(line(state.impact) if state.impact else "_To be written: who was affected, how, how long._")
    record = state.record
    for label, name in (
        ("Who was affected", "affected"),
        ("Scope", "scope"),
        ("Workaround", "workaround"),
        ("What customers were told", "customer_summary"),
    ):
        if record.fact(name):
            add("")
            add(f"**{label}:** {line(record.fact(name))}")
    affected = [
        f"{name} ({payload.get('state')})"
        for name, payload in state.probe_states.items()
        if payload.get("state") not in (None, "up")
    ]
    touched = sorted(
        {
            str(e.payload.get("service"))
            for e in state.events
            if e.kind is EventKind.PROBE_STATE_CHANGED and e.payload.get("state") != "up"
        }
    )
    if touched:
        add("")
        add(f"Services that left `up` during the incident: {', '.join(line(s) for s in touched)}.")
    if affected:
        add(f"Still not up at export: {', '.join(line(a) for a in affected)}.")
    add("")

    add("## Timeline")
    add("")
    local = f" | {cell(zone_name or 'local')}" if zone else ""
    add(f"| UTC{local} | Who | Kind | Entry |")
    add("|---" * (4 if zone else 3) + "|---|")
    # A long timeline repeats a few authors and kinds: make each cell once.
    authors: dict[str, str] = {}
    labels: dict[tuple[object, object], str] = {}
    notes_by_kind: dict[NoteKind, list[TimelineEntry]] = {kind: [] for kind in NoteKind}
    for entry in state.entries:
        note_kind = entry.note_kind
        if note_kind is not None and not entry.struck:
            notes_by_kind[note_kind].append(entry)
        event = entry.event
        author = authors.get(event.author)
        if author is None:
            author = authors[event.author] = cell(event.author)
        label = labels.get((event.kind, note_kind))
        if label is None:
            label = labels[(event.kind, note_kind)] = cell(_kind_label(entry))
        moment = _clock(event.at, UTC)
        local_cell = f" | {_clock(event.at, zone)[11:]}" if zone else ""
        add(
            f"| {moment}{local_cell} | {author} | {label}"
            f" | {_entry_text(entry).replace('|', chr(92) + '|')} |"
        )
    add("")

    for heading, kind in (
        ("Findings", NoteKind.FINDING),
        ("Decisions", NoteKind.DECISION),
        ("Actions taken", NoteKind.ACTION),
    ):
        if kind is NoteKind.DECISION:
            out.extend(_hypotheses_section(state))
            out.extend(_decisions_section(state))
            continue
        add(f"## {heading}")
        add("")
        notes = notes_by_kind[kind]
        if notes:
            for entry in notes:
                add(f"- {_when(entry.at)[11:16]} UTC: {lines(entry.text, LIST_BREAK)}")
        else:
            add("_None recorded._")
        add("")

    out.extend(_action_items_section(state, now))

    out.extend(command_section(state, now, cell))

    if state.comms:
        add("## Communications")
        add("")
        add("| UTC | Template | Audience | Via |")
        add("|---|---|---|---|")
        for event in state.comms:
            payload = event.payload
            add(
                f"| {_when(event.at)[:19]} | {cell(str(payload.get('template', '')))} | "
                f"{cell(str(payload.get('audience', '')))} | "
                f"{cell(str(payload.get('channel', '')))} |"
            )
        add("")

    resolution = state.record.fact("resolution")
    for heading in ("Root cause", "Resolution", "Prevention"):
        add(f"## {heading}")
        add("")
        if heading == "Resolution" and resolution:
            add(line(resolution))
        elif heading == "Root cause" and (sure := confirmed(state)):
            for found in sure:
                add(f"- Confirmed during the incident: {line(found.text)}")
            add("")
            add("_To be written in the review._")
        else:
            add("_To be written in the review._")
        add("")
    add(f"_Exported by warroom at {_when(now)}._")
    return "\n".join(out) + "\n"


_HYPOTHESIS_HEADINGS = (
    (CONFIRMED, "Confirmed"),
    (RULED_OUT, "Ruled out"),
    (OPEN, "Still open at export"),
)


def _hypothesis_item(found: Hypothesis) -> list[str]:
    out = [f"- {_when(found.at)[11:16]} UTC: {lines(found.text, LIST_BREAK)}"]
    if found.changed is not None and found.state != OPEN:
        by = line(found.changed.author)
        reason = f": {line(found.reason)}" if found.reason else ""
        word = found.state_word.capitalize()
        out.append(f"  - {word} at {_when(found.changed.at)[11:16]} UTC by {by}{reason}")
    for finding in found.evidence:
        out.append(f"  - Evidence ({_when(finding.at)[11:16]} UTC): {line(finding.text)}")
    return out


def _hypotheses_section(state: IncidentState) -> list[str]:
    """What the room believed, and what it ruled out (and why): a review reads both."""
    found = hypotheses(state)
    if not found:
        return []
    out = ["## Hypotheses", ""]
    for wanted, heading in _HYPOTHESIS_HEADINGS:
        group = [h for h in found if h.state == wanted]
        if group:
            out += [f"**{heading}**", ""]
            for hypothesis in group:
                out += _hypothesis_item(hypothesis)
            out.append("")
    return out


def _decisions_section(state: IncidentState) -> list[str]:
    out = ["## Decisions", ""]
    found = decisions(state)
    for decision in found:
        detail = decision_detail(decision)
        tail = f" ({line(detail)})" if detail else ""
        out.append(f"- {_when(decision.at)[11:16]} UTC: {lines(decision.text, LIST_BREAK)}{tail}")
    if not found:
        out.append("_None recorded._")
    return [*out, ""]


def _action_items_section(state: IncidentState, now: datetime) -> list[str]:
    out = ["## Action items", ""]
    items = action_items(state)
    if not items:
        return [*out, "_None recorded._", ""]
    out.append("| Action | Owner | Due | Status | Logged by | Logged at (UTC) |")
    out.append("|---|---|---|---|---|---|")
    for item in items:
        status = "Done" if item.done else ("Open, overdue" if item.overdue(now) else "Open")
        out.append(
            f"| {cell(item.text)} | {cell(item.owner) or '_nobody_'} | "
            f"{cell(due_words(item.due)) or '-'} | {status} | "
            f"{cell(item.entry.event.author)} | {_when(item.entry.at)[:16]} |"
        )
    return [*out, ""]


def _peak_severity(state: IncidentState, ladder: SeverityLadder) -> str:
    seen = [severity for _, severity in state.severity_history]
    known = [ladder.find(s) for s in seen]
    ranked = [level for level in known if level is not None]
    if not ranked:
        return state.severity
    return min(ranked, key=lambda level: level.rank).key


def state_summary(state: IncidentState, ladder: SeverityLadder, now: datetime) -> dict[str, Any]:
    """The derived state as plain JSON-safe values."""

    def iso(moment: datetime | None) -> str | None:
        return format_utc(moment) if moment else None

    def seconds(span: Any) -> float | None:
        return None if span is None else span.total_seconds()

    return {
        "id": state.id,
        "title": state.title,
        "severity": state.severity,
        "ladder": state.ladder or ladder.id,
        "status": str(state.status),
        "scenario": state.scenario,
        "drill": state.drill,
        "impact": state.impact,
        "record": dict(state.record.facts),
        "milestones": {name: iso(moment) for name, moment in state.record.milestones.items()},
        "roles": dict(state.roles),
        "asks": [ask_summary(ask) for ask in state.asks.values()],
        "declared_at": iso(state.declared_at),
        "mitigated_at": iso(state.mitigated_at),
        "resolved_at": iso(state.resolved_at),
        "elapsed_seconds": seconds(elapsed(state, now)),
        "time_to_mitigate_seconds": seconds(time_to_mitigate(state)),
        "time_to_resolve_seconds": seconds(time_to_resolve(state)),
        "time_in_severity_seconds": {
            key: span.total_seconds() for key, span in time_in_severity(state, now).items()
        },
        "checked_steps": sorted(state.checked_steps),
        "probe_states": state.probe_states,
        "hypotheses": [
            {
                "id": found.id,
                "text": found.text,
                "state": found.state,
                "reason": found.reason,
                "evidence": [entry.id for entry in found.evidence],
            }
            for found in hypotheses(state)
        ],
        "decisions": [
            {
                "id": decision.id,
                "text": decision.text,
                "objections_asked": decision.objections_asked,
                "objections": list(decision.objections),
                "decided_by": decision.decided_by,
            }
            for decision in decisions(state)
        ],
        "action_items": [
            {
                "id": item.id,
                "text": item.text,
                "owner": item.owner,
                "due": item.due,
                "done": item.done,
            }
            for item in action_items(state)
        ],
        "pinned": [entry.id for entry in state.entries if entry.pinned],
        "struck": [entry.id for entry in state.entries if entry.struck],
    }


def to_json(state: IncidentState, ladder: SeverityLadder, now: datetime) -> str:
    """The export document: the derived state indented, then one event per line.

    Events are written compact, one a line, by the C encoder: `json.dumps(indent=2)`
    runs the pure-Python encoder and took over a second for 100,000 events.
    """
    head = {
        "format": "warroom-incident/1",
        "exported_at": format_utc(now),
        "incident": state_summary(state, ladder, now),
    }
    text = json.dumps(head, indent=2, ensure_ascii=False)
    encode = json.JSONEncoder(ensure_ascii=False).encode
    events = ",\n    ".join(encode(event.to_dict()) for event in state.events)
    listing = f"[\n    {events}\n  ]" if events else "[]"
    opened = text.removesuffix("\n}")  # the head object, still open for "events"
    return json_text(f'{opened},\n  "events": {listing}\n}}\n')


def from_json(text: str) -> IncidentState:
    """Read a JSON export back into the incident's state (the events are the truth)."""
    document = json.loads(text)
    return fold(Event.from_dict(item) for item in document["events"])
