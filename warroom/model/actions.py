"""Action items: todos with an owner, an optional due date and a done state.

A todo is a note of kind `todo`. Its owner is the `owner` of its payload, else the
first `@name` in its text; its due date the payload's `due`. A `todo_updated` event
changes either later (see `warroom.model.note_events`) and `todo_done` marks it done or
open again; the fold's order decides, so every console agrees. Due dates are a day
(`2026-12-02`, due by the end of that day, UTC) or a moment (`2026-12-02T15:00Z`).

Also here: reading the due dates people type, and the tracker exports (`warroom export
ID --format actions-csv | actions-json`). Pure functions, no I/O.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any

from warroom.model.events import Event, EventKind, NoteKind, format_utc, in_zone, parse_utc
from warroom.model.incident import ENTRY_CHANGE_KINDS, IncidentState, OnEntry, TimelineEntry
from warroom.model.text import inert, json_text, shorten
from warroom.model.timed import Deadline

_OWNER = re.compile(r"(?<![\w@])@([A-Za-z][\w.-]*[\w])")
_OWNER_NAME = re.compile(r"^@?([A-Za-z][\w .'-]{0,63})$")
_RELATIVE_DAYS = re.compile(r"^\+\s*(\d{1,4})\s*([dw])$")
_RELATIVE_TIME = re.compile(r"^\+\s*(?:(\d{1,4})\s*h)?\s*(?:(\d{1,5})\s*m)?$")
# A due date further ahead than this is a typo (a year typed wrong), not a plan.
MAX_DUE_AHEAD = timedelta(days=2 * 366)


class DueDateError(ValueError):
    """A due date that cannot be read, lies in the past or too far ahead."""


@dataclass(frozen=True)
class ActionItem(OnEntry):
    entry: TimelineEntry
    owner: str  # '' when nobody owns it
    due: str  # '' or `YYYY-MM-DD` or a UTC moment as `format_utc` writes it
    done_event: Event | None  # the `todo_done` that closed it, when done

    @property
    def done(self) -> bool:
        return self.entry.done

    def due_at(self) -> datetime | None:
        """When it is due: the end of the day (UTC) for a day, else the moment."""
        return due_moment(self.due)

    def overdue(self, now: datetime) -> bool:
        due = self.due_at()
        return not self.done and due is not None and now > due


def owner_in_text(text: str) -> str:
    """The first `@name` of a text, or ''."""
    match = _OWNER.search(text)
    return match[1] if match else ""


def normalise_owner(text: str) -> str:
    """`@marco` and `marco` are `marco`; '' clears. ValueError for what is not a name."""
    words = " ".join(text.split())
    if not words:
        return ""
    match = _OWNER_NAME.match(words)
    if match is None:
        raise ValueError(f"an owner is a name (e.g. @marco), not {words!r}")
    return match[1].strip()


def parse_due(text: str, now: datetime, zone: tzinfo | None = None) -> str:
    """Read a due date: `2026-12-02`, `+3d`, `+2w`, `today`, `tomorrow` (days, in `zone`),
    a time from now `+30m`, `+2h`, `+1h30m`, or an ISO moment `2026-12-02T15:00` (in
    `zone` unless it names its own). '' clears. Returns what is stored: `YYYY-MM-DD` or a
    UTC moment (to the minute)."""
    words = text.strip().casefold()
    if not words or words in ("none", "-", "clear"):
        return ""
    today = in_zone(now, zone).date()
    day: date | None = None
    relative = _RELATIVE_DAYS.match(words)
    soon = _RELATIVE_TIME.match(words)
    if soon and (soon[1] or soon[2]):
        span = timedelta(hours=int(soon[1] or 0), minutes=int(soon[2] or 0))
        if not span:
            raise DueDateError(f"due date {text.strip()!r} is now, not ahead")
        return format_utc((now + span).replace(second=0, microsecond=0))
    if words == "today":
        day = today
    elif words == "tomorrow":
        day = today + timedelta(days=1)
    elif relative:
        count = int(relative[1]) * (7 if relative[2] == "w" else 1)
        day = today + timedelta(days=min(count, MAX_DUE_AHEAD.days + 1))
    else:
        try:
            day = date.fromisoformat(text.strip())
        except ValueError:
            day = None
    if day is not None:
        if day < today:
            raise DueDateError(f"due date {text.strip()!r} is in the past")
        if day - today > MAX_DUE_AHEAD:
            raise DueDateError(f"due date {text.strip()!r} is more than two years ahead")
        return day.isoformat()
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise DueDateError(
            f"cannot read due date {text.strip()!r} (e.g. 2026-12-02, +3d, tomorrow)"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone or UTC)
    moment = moment.astimezone(UTC)
    if moment <= now:
        raise DueDateError(f"due date {text.strip()!r} is in the past")
    if moment - now > MAX_DUE_AHEAD:
        raise DueDateError(f"due date {text.strip()!r} is more than two years ahead")
    return format_utc(moment.replace(second=0, microsecond=0))


def due_moment(due: str) -> datetime | None:
    """The stored due value as a UTC moment (a day ends at 24:00 UTC); None if unset or
    unreadable (a hand-edited file)."""
    if not due:
        return None
    if len(due) == 10:
        try:
            return datetime.combine(date.fromisoformat(due), time(), UTC) + timedelta(days=1)
        except ValueError:
            return None
    try:
        return parse_utc(due)
    except ValueError:
        return None


def due_words(due: str) -> str:
    """How a due value reads: `2026-12-02` or `2026-12-02 15:00 UTC`."""
    if len(due) == 10 or not due:
        return due
    moment = due_moment(due)
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else ""


def _clean_due(value: object) -> str:
    text = str(value or "").strip()
    return text if due_moment(text) is not None else ""


# What the action items are read from: the todo notes, their updates, and the events that
# change an entry (an edit rewrites the text and with it the owner, a strike drops it).
ACTION_ITEM_KINDS = (EventKind.NOTE, EventKind.TODO_UPDATED, *sorted(ENTRY_CHANGE_KINDS))


def action_items(state: IncidentState) -> list[ActionItem]:
    """Every live todo with its owner, due date and done state, in time order."""
    return list(state.reading("action_items", _read_action_items, ACTION_ITEM_KINDS))


def _read_action_items(state: IncidentState) -> list[ActionItem]:
    todos = state.notes(NoteKind.TODO)
    if not todos:
        return []
    wanted = {entry.id for entry in todos}
    fields: dict[str, dict[str, str]] = {}
    done: dict[str, Event] = {}
    for event in state.of_kind(EventKind.TODO_UPDATED, EventKind.TODO_DONE):
        target = str(event.payload.get("target", ""))
        if target not in wanted:
            continue
        if event.kind is EventKind.TODO_DONE:
            done[target] = event
            continue
        changed = fields.setdefault(target, {})
        if "owner" in event.payload:
            changed["owner"] = str(event.payload.get("owner") or "")
        if "due" in event.payload:
            changed["due"] = _clean_due(event.payload.get("due"))
    items = []
    for entry in todos:
        payload = entry.event.payload
        changed = fields.get(entry.id, {})
        owner = changed.get("owner")
        if owner is None:
            given = payload.get("owner")
            owner = given if isinstance(given, str) and given else owner_in_text(entry.text)
        due = changed.get("due")
        if due is None:
            due = _clean_due(payload.get("due"))
        items.append(
            ActionItem(
                entry=entry,
                owner=owner.strip(),
                due=due,
                done_event=done.get(entry.id) if entry.done else None,
            )
        )
    return items


def open_action_items(state: IncidentState) -> list[ActionItem]:
    return [item for item in action_items(state) if not item.done]


# Tracker exports -----------------------------------------------------------------------

CSV_COLUMNS = (
    "id",
    "incident",
    "action",
    "owner",
    "due",
    "status",
    "logged_by",
    "logged_at",
    "done_at",
)
# A cell a spreadsheet would run as a formula starts with one of these.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _record(state: IncidentState, item: ActionItem) -> dict[str, Any]:
    done_at = item.done_event.at if item.done_event is not None else None
    return {
        "id": item.id,
        "incident": state.id,
        "action": inert(item.text.strip()),
        "owner": inert(item.owner, single_line=True),
        "due": item.due,
        "status": "done" if item.done else "open",
        "logged_by": inert(item.entry.event.author, single_line=True),
        "logged_at": format_utc(item.entry.at),
        "done_at": format_utc(done_at) if done_at else "",
    }


def _cell(value: object) -> str:
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def actions_csv(state: IncidentState) -> str:
    """The action items as CSV (RFC 4180, a header row); a cell a spreadsheet would read
    as a formula is quoted with a leading `'`."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for item in action_items(state):
        record = _record(state, item)
        writer.writerow([_cell(record[column]) for column in CSV_COLUMNS])
    return out.getvalue()


def actions_json(state: IncidentState, now: datetime) -> str:
    """The action items as one JSON document for a tracker's importer."""
    document = {
        "format": "warroom-actions/1",
        "incident": state.id,
        "title": state.title,
        "exported_at": format_utc(now),
        "actions": [_record(state, item) for item in action_items(state)],
    }
    return json_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n")


# The timed rule ------------------------------------------------------------------------


class ActionItemDue:
    """A timed rule (`warroom.model.timed`): an open action item whose due time passes
    fires once, naming it and its owner. The key holds the due value, so a new due date
    is a new deadline; an item done before its time has none. Only while the incident is
    open: follow-ups due after it is resolved are the tracker's (the actions export)."""

    name = "action-item-due"

    def deadlines(self, state: IncidentState, now: datetime) -> list[Deadline]:
        if not state.is_open:
            return []
        return list(state.reading(self.name, self._read_deadlines, ACTION_ITEM_KINDS))

    def _read_deadlines(self, state: IncidentState) -> list[Deadline]:
        found: list[Deadline] = []
        for item in open_action_items(state):
            due = item.due_at()
            if due is None:
                continue
            owner = f" (owner: {inert(item.owner, single_line=True)})" if item.owner else ""
            text = shorten(inert(item.text, single_line=True).strip(), 80)
            found.append(
                Deadline(
                    key=f"{self.name}:{item.id}:{item.due}",
                    rule=self.name,
                    at=due,
                    message=f"Action item overdue: {text}{owner}, due {due_words(item.due)}",
                    payload={"target": item.id, "owner": item.owner, "due": item.due},
                )
            )
        return found
