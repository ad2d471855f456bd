"""The situation record from the command line: `set`, `record`, `done`.

`warroom set ID impact "Checkout fails for most users"` sets a fact of the record,
`warroom set ID impact-start -10m` a milestone, `warroom set ID next-update 15:30` the
promised time of the next update; an empty value clears. `warroom record ID` prints the
record with the open todos, and `warroom done ID TODO` marks a todo done.
"""

from __future__ import annotations

import argparse
from typing import Any

from warroom.cli.common import CommandError, open_config
from warroom.cli.incident_commands import run, zone_of
from warroom.model.actions import due_words, open_action_items
from warroom.model.figures import detected_at, impact_started_at, next_update_due
from warroom.model.ids import normalise_incident_id
from warroom.model.incident import IncidentState, TimelineEntry
from warroom.model.record import CLI_NAMES, FACTS, MILESTONES, NEXT_UPDATE
from warroom.model.text import inert
from warroom.model.timeparse import parse_ahead, parse_at
from warroom.services.incidents import IncidentError, IncidentService

CLEAR_WORDS = frozenset({"", "none", "-", "clear", "unset"})
FIELD_HELP = (
    "impact | affected | scope | workaround | customer-summary | resolution"
    " | impact-start | detected | mitigated | next-update"
)


def register(subparsers: Any) -> None:
    setter = subparsers.add_parser(
        "set",
        help="set a fact of the situation record, a milestone or the next update time",
        description=(
            "Facts are text (an empty value clears). Milestones take a time: -10m, 13:50, "
            "ISO 8601 (none clears). next-update takes a time to come: +30m, 15:30 "
            "(none goes back to the severity's cadence)."
        ),
    )
    setter.add_argument("incident")
    setter.add_argument("field", help=FIELD_HELP)
    setter.add_argument("value", nargs=argparse.REMAINDER, help="the text or time")
    setter.add_argument("--tz", help="zone for clock times (default: config or local)")
    setter.set_defaults(handler=cmd_set)

    record = subparsers.add_parser("record", help="print the situation record and open todos")
    record.add_argument("incident")
    record.set_defaults(handler=cmd_record)

    done = subparsers.add_parser("done", help="mark a todo done (by id prefix or its words)")
    done.add_argument("incident")
    done.add_argument("todo", help="the todo's id (first characters) or words from its text")
    done.add_argument("--undo", action="store_true", help="reopen it instead")
    done.set_defaults(handler=cmd_done)


def cmd_set(args: argparse.Namespace) -> int:
    config = open_config(args)
    zone = zone_of(getattr(args, "tz", None), config)
    incident_id = normalise_incident_id(args.incident)
    name = CLI_NAMES.get(args.field.strip().casefold())
    if name is None:
        raise CommandError(f"unknown field {args.field!r} (choose from {FIELD_HELP})")
    words = list(args.value)
    if words and words[0] == "--":
        words = words[1:]
    value = " ".join(words).strip()

    async def work(service: IncidentService) -> str:
        state = await service.state(incident_id)
        clear = value.casefold() in CLEAR_WORDS
        if name in FACTS:
            await service.set_fact(state, name, value)
            return f"{name}: {value or '(cleared)'}"
        if name == NEXT_UPDATE:
            when = None if clear else parse_ahead(value, service.now(), zone)
            await service.set_next_update(state, when)
            return f"next update: {when:%Y-%m-%d %H:%M UTC}" if when else "next update: cadence"
        when = None if clear else parse_at(value, service.now(), zone)
        await service.set_milestone(state, name, when)
        label = MILESTONES[name].lower()
        return f"{label}: {when:%Y-%m-%d %H:%M:%S UTC}" if when else f"{label}: cleared"

    print(run(args, work, config))
    return 0


def cmd_record(args: argparse.Namespace) -> int:
    incident_id = normalise_incident_id(args.incident)

    async def work(service: IncidentService) -> str:
        state = await service.state(incident_id)
        return format_record(state, service)

    print(run(args, work), end="")
    return 0


def format_record(state: IncidentState, service: IncidentService) -> str:
    def clock(moment: Any) -> str:
        return moment.strftime("%Y-%m-%d %H:%M:%S UTC") if moment else "-"

    record = state.record
    lines = [
        f"{state.id}  {state.severity}  {state.status}  {inert(state.title, single_line=True)}"
    ]
    for name in FACTS:
        value = record.fact(name)
        lines.append(f"{name:17} {inert(value, single_line=True) if value else '(not set)'}")
    lines.append(f"{'impact started':17} {clock(impact_started_at(state))}")
    lines.append(f"{'detected':17} {clock(detected_at(state))}")
    lines.append(f"{'declared':17} {clock(state.declared_at)}")
    lines.append(f"{'mitigated':17} {clock(state.mitigated_at)}")
    lines.append(f"{'resolved':17} {clock(state.resolved_at)}")
    due = next_update_due(state, service.ladder_of(state))
    lines.append(f"{'next update':17} {clock(due.due_at) if due else '-'}")
    todos = open_action_items(state)
    lines.append(f"open todos ({len(todos)}):")
    for item in todos:
        details = [f"owner: {inert(item.owner, single_line=True)}"] if item.owner else []
        details += [f"due {due_words(item.due)}"] if item.due else []
        tail = f"  ({', '.join(details)})" if details else ""
        lines.append(f"  {item.id[:8]}  {inert(item.text, single_line=True)}{tail}")
    return "\n".join(lines) + "\n"


def find_todo(state: IncidentState, wanted: str, done: bool) -> TimelineEntry:
    """The one todo named by an id prefix or by words of its text."""
    wanted = wanted.strip()
    if not wanted:
        raise IncidentError("name the todo: its id (first characters) or words of its text")
    candidates = [e for e in state.notes() if e.note_kind and e.note_kind.value == "todo"]
    candidates = [e for e in candidates if e.done != done]
    by_id = [e for e in candidates if e.id.startswith(wanted.casefold())]
    if len(by_id) == 1:
        return by_id[0]
    words = wanted.casefold()
    by_text = [e for e in candidates if words in e.text.casefold()]
    if len(by_text) == 1:
        return by_text[0]
    which = "open " if done else "done "
    if not by_text:
        raise IncidentError(f"no {which}todo matches {wanted!r} (see: warroom record ID)")
    raise IncidentError(
        f"{len(by_text)} {which}todos match {wanted!r}; use the id (see: warroom record ID)"
    )


def cmd_done(args: argparse.Namespace) -> int:
    incident_id = normalise_incident_id(args.incident)

    async def work(service: IncidentService) -> str:
        state = await service.state(incident_id)
        entry = find_todo(state, args.todo, done=not args.undo)
        await service.todo_done(state, entry.id, done=not args.undo)
        word = "reopened" if args.undo else "done"
        return f"{word}: {inert(entry.text, single_line=True)}"

    print(run(args, work))
    return 0
