"""The situation as an update states it: services hit since the last update and whether
they recovered, decisions, open todos and their owners, the current hypothesis, and what
changed since the last update. Pure functions of the incident's state; the comms model
turns them into placeholder values.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypedDict, TypeVar

from warroom.model.actions import ActionItem, due_words
from warroom.model.decisions import Decision, decision_detail
from warroom.model.events import EventKind, NoteKind
from warroom.model.hypotheses import current_theory
from warroom.model.incident import IncidentState, TimelineEntry
from warroom.model.note_events import RULED_OUT, STATE_WORDS
from warroom.model.record import MILESTONES, NEXT_UPDATE
from warroom.model.text import inert, shorten

T = TypeVar("T")
_HEALTHY = frozenset({"up", "maintenance"})
_OWNER = re.compile(r"(?<![\w@])@([A-Za-z][\w.-]*[\w])")
_OWNER_WITH_SPACE = re.compile(r"\s*" + _OWNER.pattern)
_REASON_WIDTH = 120
# Record facts worth a line in "what changed" (the others show in the situation itself).
_CHANGED_FACTS = {
    "impact": "impact",
    "affected": "who is affected",
    "scope": "scope",
    "workaround": "workaround",
}


def clock(moment: datetime, now: datetime, seconds: bool = False) -> str:
    """`14:03 UTC` (`14:03:30 UTC` with `seconds`, for a drill's short promises), with
    the date when it is not the day of `now`."""
    moment, now = moment.astimezone(UTC), now.astimezone(UTC)
    time = "%H:%M:%S" if seconds and moment.second else "%H:%M"
    if moment.date() == now.date():
        return moment.strftime(f"{time} UTC")
    return moment.strftime(f"%Y-%m-%d {time} UTC")


def one_line(text: str, width: int = 300) -> str:
    return shorten(inert(text, single_line=True).strip(), width)


@dataclass(frozen=True)
class ServiceStory:
    """One service that was not healthy at some point of the window."""

    name: str
    state: str  # its state now
    worst: str  # the worst state it was in during the window
    since: datetime | None  # start of its current unhealthy spell (None when healthy now)
    unhealthy_from: datetime | None  # first unhealthy moment in the window
    recovered_at: datetime | None  # when it came back, when it is healthy now
    reason: str

    @property
    def recovered(self) -> bool:
        return self.state in _HEALTHY


_RANK = {"down": 0, "unknown": 1, "degraded": 2}
# One service's spell while `service_stories` reads the events ("from" is a keyword).
_Story = TypedDict(
    "_Story", {"from": datetime | None, "worst": str, "recovered": datetime}, total=False
)


def service_stories(state: IncidentState, cutoff: datetime | None) -> list[ServiceStory]:
    """Services unhealthy at any time since `cutoff` (the whole incident when None), the
    ones still unhealthy first; the current state comes from `state.probe_states`, which
    the console fills from its live probes."""
    current: dict[str, str] = {}
    spell_start: dict[str, datetime] = {}  # start of each service's unhealthy spell
    touched: dict[str, _Story] = {}

    def touch(name: str, value: str, start: datetime | None) -> _Story:
        story = touched.setdefault(name, {"from": start, "worst": value})
        if _RANK.get(value, 3) < _RANK.get(str(story["worst"]), 3):
            story["worst"] = value
        return story

    for event in state.of_kind(EventKind.PROBE_STATE_CHANGED):
        name = str(event.payload.get("service", ""))
        value = str(event.payload.get("state", ""))
        in_window = cutoff is None or event.at > cutoff
        if in_window and name not in touched and current.get(name, "up") not in _HEALTHY:
            touch(name, current[name], spell_start.get(name))  # unhealthy at the cutoff
        if value in _HEALTHY:
            if in_window and name in touched and name in spell_start:
                touched[name]["recovered"] = event.at
            spell_start.pop(name, None)
        else:
            spell_start.setdefault(name, event.at)
            if in_window:
                touch(name, value, spell_start[name])
        current[name] = value
    for name, value in current.items():  # unhealthy at the cutoff, and no change since
        if value not in _HEALTHY and name not in touched:
            touch(name, value, spell_start.get(name))
    for name, payload in state.probe_states.items():  # live rows with no event yet
        value = str(payload.get("state") or "unknown")
        if value not in _HEALTHY and name not in touched:
            touch(name, value, None)
    stories = []
    for name, story in touched.items():
        payload = state.probe_states.get(name, {})
        now_state = str(payload.get("state") or current.get(name) or "unknown")
        healthy = now_state in _HEALTHY
        stories.append(
            ServiceStory(
                name=name,
                state=now_state,
                worst=str(story["worst"]),
                since=None if healthy else spell_start.get(name),
                unhealthy_from=story["from"],
                recovered_at=story.get("recovered") if healthy else None,
                reason="" if healthy else str(payload.get("reason") or ""),
            )
        )
    stories.sort(key=lambda s: (s.recovered, _RANK.get(s.state, 3), s.name))
    return stories


def service_lines(stories: list[ServiceStory], now: datetime, reasons: bool) -> str:
    """One '- ' line per service: still down since when, or recovered at when."""
    lines = []
    for story in stories:
        name = one_line(story.name, 80)
        if story.recovered:
            spell = f" after being {story.worst}"
            if story.unhealthy_from is not None:
                spell += f" from {clock(story.unhealthy_from, now)}"
            when = f" at {clock(story.recovered_at, now)}" if story.recovered_at else ""
            lines.append(f"- {name}: recovered{when}{spell}")
            continue
        since = f" since {clock(story.since, now)}" if story.since else ""
        detail = ""
        if reasons and story.reason:
            detail = f" ({one_line(story.reason, _REASON_WIDTH)})"
        lines.append(f"- {name}: {story.state}{since}{detail}")
    return "\n".join(lines)


def live_notes(state: IncidentState, kind: NoteKind) -> list[TimelineEntry]:
    return [entry for entry in state.notes(kind)]


def owner_of(entry: TimelineEntry) -> str:
    """The owner a todo names with `@name`, or ''."""
    match = _OWNER.search(entry.text)
    return match[1] if match else ""


def open_todos(
    state: IncidentState, todos: list[TimelineEntry] | None = None
) -> list[TimelineEntry]:
    """Live todos not done (from `todos` when the caller has them at hand already)."""
    entries = state.notes(NoteKind.TODO) if todos is None else todos
    return [entry for entry in entries if not entry.done]


def without_owner(text: str) -> str:
    """The todo's text with its `@owner` taken out."""
    return re.sub(r"\s{2,}", " ", _OWNER_WITH_SPACE.sub("", text)).strip(" ,;")


def _capped(entries: list[T], limit: int, what: str) -> tuple[list[str], list[T]]:
    """The latest `limit` entries, and a line saying how many earlier ones are not shown."""
    hidden = max(len(entries) - limit, 0)
    head = [f"- ({hidden} earlier {what} not shown: see the timeline)"] if hidden else []
    return head, entries[hidden:]


def todo_lines(items: list[ActionItem], now: datetime | None = None, limit: int = 30) -> str:
    """One '- ' line per action item: its text, owner and due date (and `overdue` once
    `now` is past it)."""
    lines, shown = _capped(items, limit, "todos")
    for item in shown:
        details = []
        if item.owner:
            details.append(f"owner: {one_line(item.owner, 80)}")
        if item.due:
            late = now is not None and item.overdue(now)
            details.append(f"due {due_words(item.due)}" + (", overdue" if late else ""))
        tail = f" ({', '.join(details)})" if details else ""
        lines.append(f"- {one_line(without_owner(item.text))}{tail}")
    return "\n".join(lines)


def decision_lines(found: list[Decision], now: datetime, limit: int = 30) -> str:
    """One '- ' line per decision: what, when, who decided and the objections poll."""
    lines, shown = _capped(found, limit, "decisions")
    for decision in shown:
        detail = decision_detail(decision)
        when = clock(decision.at, now) + (f"; {detail}" if detail else "")
        lines.append(f"- {one_line(decision.text)} ({when})")
    return "\n".join(lines)


def hypothesis(state: IncidentState, findings: list[TimelineEntry], evidence: bool = True) -> str:
    """The current theory: the confirmed and open hypotheses; with none ever written,
    the latest live finding (what the responders believe now)."""
    if state.notes(NoteKind.HYPOTHESIS, include_struck=True):
        return current_theory(state, evidence=evidence)
    return one_line(findings[-1].text) if findings else ""


def _after(moment: datetime, cutoff: datetime) -> bool:
    return moment > cutoff


def _touched_after(entry: TimelineEntry, cutoff: datetime) -> bool:
    """New or edited after the cutoff (a note backdated before it but typed after counts)."""
    event = entry.event
    if event.at > cutoff or event.recorded > cutoff:
        return True
    return any(edit.recorded > cutoff for edit in entry.edits)


_NOTE_WORDS = {
    NoteKind.FINDING: "finding",
    NoteKind.ACTION: "done",
    NoteKind.DECISION: "decision",
    NoteKind.TODO: "new todo",
    NoteKind.HYPOTHESIS: "new hypothesis",
}


def changes_since(
    state: IncidentState, cutoff: datetime | None, now: datetime, *, detailed: bool
) -> list[str]:
    """What happened since `cutoff`, one plain line each, oldest first.

    `detailed` adds findings and new todos (for responders); without it the list keeps
    to status, severity, decisions, actions, todos done, milestones and record changes.
    Empty when there is no earlier update (the situation says it all)."""
    if cutoff is None:
        return []
    lines: list[tuple[datetime, str]] = []
    for entry in state.entries:
        event = entry.event
        kind = event.kind
        if kind is EventKind.NOTE:
            note_kind = entry.note_kind
            if entry.struck or note_kind not in _NOTE_WORDS or not _touched_after(entry, cutoff):
                continue
            if not detailed and note_kind in (NoteKind.FINDING, NoteKind.TODO, NoteKind.HYPOTHESIS):
                continue
            lines.append((event.at, f"{_NOTE_WORDS[note_kind]}: {one_line(entry.text)}"))
        elif not _after(event.recorded, cutoff):
            continue
        elif kind is EventKind.STATUS_CHANGED:
            lines.append((event.at, f"status is now {one_line(str(event.payload.get('status')))}"))
        elif kind is EventKind.SEVERITY_CHANGED:
            lines.append(
                (event.at, f"severity is now {one_line(str(event.payload.get('severity')))}")
            )
        elif kind is EventKind.RECORD_SET:
            name = str(event.payload.get("field", ""))
            value = one_line(str(event.payload.get("value") or ""))
            if name in _CHANGED_FACTS and value:
                lines.append((event.at, f"{_CHANGED_FACTS[name]} updated: {value}"))
        elif kind is EventKind.HYPOTHESIS_STATE:
            line = _hypothesis_change(state, event.payload)
            if line:
                lines.append((event.at, line))
        elif kind is EventKind.MILESTONE_SET:
            name = str(event.payload.get("milestone", ""))
            if name == "mitigated" and state.mitigated_at is not None:
                lines.append((event.at, f"mitigated at {clock(state.mitigated_at, now)}"))
    for event in state.of_kind(EventKind.TODO_DONE):
        if _after(event.recorded, cutoff):
            target = state.entry(str(event.payload.get("target", "")))
            if target is not None and target.done and not target.struck:
                text = one_line(without_owner(target.text))
                lines.append((event.at, f"done: {text}"))
    lines.sort(key=lambda item: item[0])
    return [f"- {clock(at, now)}: {text}" for at, text in lines]


def _hypothesis_change(state: IncidentState, payload: Mapping[str, Any]) -> str:
    """`ruled out: replica lag (lag is 0 s)`, for a hypothesis still on the timeline."""
    target = state.entry(str(payload.get("target", "")))
    word = STATE_WORDS.get(str(payload.get("state", "")))
    if target is None or target.struck or word is None:
        return ""
    reason = one_line(str(payload.get("reason") or ""), 200)
    verb = "reopened" if word == "open" else word
    tail = f" ({reason})" if reason and payload.get("state") in (RULED_OUT, "confirmed") else ""
    return f"hypothesis {verb}: {one_line(target.text)}{tail}"


__all__ = [
    "MILESTONES",
    "NEXT_UPDATE",
    "ServiceStory",
    "changes_since",
    "clock",
    "decision_lines",
    "hypothesis",
    "open_todos",
    "owner_of",
    "service_lines",
    "service_stories",
    "todo_lines",
]
