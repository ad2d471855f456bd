"""Command notes from the command line: `hypothesis`, `decide`, `todo`.

`warroom hypothesis ID "replica lag from the 13:50 deploy"` writes a hypothesis;
`--confirm H`, `--rule-out H --reason ...`, `--reopen H` change its state and
`--evidence H FINDING` links a finding (`--unlink` withdraws it); `--list` prints them.
H and FINDING are an id prefix or words of the text. `warroom decide ID "fail over"
--objections-asked --objection "..." --by Dana` records a decision; `warroom todo ID
"rotate the key" --owner @marco --due 2026-12-02` an action item (`--update TODO` sets
the owner or due date of one written before, `--list` prints them; `warroom done`
closes one).
"""

from __future__ import annotations

import argparse
from typing import Any

from warroom.cli.common import CommandError, incident_command, open_config
from warroom.cli.incident_commands import run, zone_of
from warroom.cli.record_commands import find_todo
from warroom.model.actions import DueDateError, action_items, due_words, parse_due
from warroom.model.hypotheses import (
    CONFIRMED,
    OPEN,
    RULED_OUT,
    find_finding,
    find_hypothesis,
    hypotheses,
)
from warroom.model.ids import normalise_incident_id
from warroom.model.incident import IncidentState
from warroom.model.text import inert
from warroom.services.command_notes import CommandNotes
from warroom.services.incidents import IncidentError, IncidentService


def register(subparsers: Any) -> None:
    hypothesis = incident_command(
        subparsers,
        "hypothesis",
        cmd_hypothesis,
        help="write a hypothesis, confirm or rule it out, link findings as evidence",
        description=(
            "H and FINDING are an id (first characters, see --list) or words of the text."
        ),
    )
    hypothesis.add_argument("text", nargs="?", help="a new hypothesis")
    which = hypothesis.add_mutually_exclusive_group()
    which.add_argument("--confirm", metavar="H", help="mark the hypothesis confirmed")
    which.add_argument("--rule-out", metavar="H", help="rule it out (needs --reason)")
    which.add_argument("--reopen", metavar="H", help="open it again")
    which.add_argument(
        "--evidence", nargs=2, metavar=("H", "FINDING"), help="link a finding as evidence"
    )
    which.add_argument(
        "--unlink", nargs=2, metavar=("H", "FINDING"), help="withdraw a finding as evidence"
    )
    which.add_argument("--list", action="store_true", help="print every hypothesis")
    hypothesis.add_argument("--reason", default="", help="why it was confirmed or ruled out")

    decide = incident_command(
        subparsers,
        "decide",
        cmd_decide,
        help="record a decision: the proposal, the objections poll, who decided",
    )
    decide.add_argument("proposal", help="what was decided")
    decide.add_argument(
        "--objections-asked",
        action="store_true",
        help="strong objections were asked for before deciding",
    )
    decide.add_argument(
        "--objection",
        action="append",
        default=[],
        metavar="TEXT",
        help="an objection raised (repeat for several)",
    )
    decide.add_argument("--by", default="", help="who decided (default: the IC)")

    todo = incident_command(
        subparsers,
        "todo",
        cmd_todo,
        help="write an action item with an owner and a due date, or change one",
    )
    todo.add_argument("text", nargs="?", help="the action item (@name in it names the owner)")
    todo.add_argument("--owner", help="who owns it: @marco or marco (empty clears)")
    todo.add_argument(
        "--due", help="2026-12-02, +3d, +2w, tomorrow, +30m, +2h, or an ISO time (none clears)"
    )
    todo.add_argument("--tz", help="zone for --due (default: config or local)")
    todo.add_argument(
        "--update", metavar="TODO", help="change the owner or due date of this todo instead"
    )
    todo.add_argument("--list", action="store_true", help="print every action item")


def _line(text: str) -> str:
    return inert(text, single_line=True)


def short_ids(ids: list[str], least: int = 8) -> dict[str, str]:
    """Each id cut to the shortest prefix (at least `least` characters) no other id in
    `ids` shares: ids written in the same minute share their first 8 characters."""
    shown = {}
    for wanted in ids:
        length = least
        while length < len(wanted) and any(
            other != wanted and other.startswith(wanted[:length]) for other in ids
        ):
            length += 1
        shown[wanted] = wanted[:length]
    return shown


def format_hypotheses(state: IncidentState) -> str:
    found = hypotheses(state)
    if not found:
        return f"No hypotheses in {state.id}. Write one: warroom hypothesis {state.id} TEXT\n"
    rows = []
    ids = short_ids([item.id for item in found])
    for item in found:
        reason = f"  ({_line(item.reason)})" if item.reason else ""
        evidence = f"  [{len(item.evidence)} evidence]" if item.evidence else ""
        rows.append(f"{ids[item.id]}  {item.state_word:9}  {_line(item.text)}{reason}{evidence}")
    return "\n".join(rows) + "\n"


def cmd_hypothesis(args: argparse.Namespace) -> int:
    incident_id = normalise_incident_id(args.incident)
    changing = args.confirm or args.rule_out or args.reopen or args.evidence or args.unlink
    text = (args.text or "").strip()
    if text and (changing or args.list):
        raise CommandError(
            "give a new hypothesis TEXT or one of --confirm/--rule-out/..., not both"
        )
    if args.reason and not (args.confirm or args.rule_out or args.reopen):
        raise CommandError("--reason goes with --confirm, --rule-out or --reopen")
    if args.text is not None and not text:
        raise CommandError("a hypothesis needs some text")

    async def work(service: IncidentService) -> str:
        notes = CommandNotes(service)
        state = await service.state(incident_id)
        if text:
            event = await notes.add_hypothesis(incident_id, text)
            return event.id
        if not changing:
            return format_hypotheses(state).rstrip("\n")
        try:
            if args.evidence or args.unlink:
                wanted, finding_words = args.evidence or args.unlink
                found = find_hypothesis(state, wanted)
                finding = find_finding(state, finding_words)
                linked = bool(args.evidence)
                await notes.link_evidence(state, found.id, finding.id, linked=linked)
                verb = "evidence for" if linked else "no longer evidence for"
                return f"{_line(finding.text)}: {verb} {_line(found.text)}"
            wanted = args.confirm or args.rule_out or args.reopen
            new_state = CONFIRMED if args.confirm else RULED_OUT if args.rule_out else OPEN
            found = find_hypothesis(state, wanted)
        except ValueError as error:
            raise IncidentError(str(error)) from None
        await notes.set_hypothesis_state(state, found.id, new_state, args.reason)
        word = {CONFIRMED: "confirmed", RULED_OUT: "ruled out", OPEN: "reopened"}[new_state]
        return f"{word}: {_line(found.text)}"

    print(run(args, work))
    return 0


def cmd_decide(args: argparse.Namespace) -> int:
    incident_id = normalise_incident_id(args.incident)
    if not args.proposal.strip():
        raise CommandError("a decision needs the proposal that was decided")

    async def work(service: IncidentService) -> str:
        state = await service.state(incident_id)
        event = await CommandNotes(service).decide(
            state,
            args.proposal,
            objections_asked=args.objections_asked,
            objections=args.objection,
            decided_by=args.by,
        )
        return event.id

    print(run(args, work))
    return 0


def format_action_items(state: IncidentState) -> str:
    items = action_items(state)
    if not items:
        return f"No action items in {state.id}. Write one: warroom todo {state.id} TEXT\n"
    rows = []
    ids = short_ids([item.id for item in items])
    for item in items:
        owner = f"  owner: {_line(item.owner)}" if item.owner else "  (no owner)"
        due = f"  due {due_words(item.due)}" if item.due else ""
        status = "done" if item.done else "open"
        rows.append(f"{ids[item.id]}  {status:4}  {_line(item.text)}{owner}{due}")
    return "\n".join(rows) + "\n"


def cmd_todo(args: argparse.Namespace) -> int:
    config = open_config(args)
    zone = zone_of(args.tz, config)
    incident_id = normalise_incident_id(args.incident)
    text = (args.text or "").strip()
    if args.list and (text or args.update or args.owner is not None or args.due is not None):
        raise CommandError("--list prints the action items; give nothing else with it")
    if text and args.update:
        raise CommandError("give a new todo TEXT or --update TODO, not both")
    if not args.list and not text and not args.update:
        raise CommandError("a todo needs some text (or --update TODO, or --list)")

    async def work(service: IncidentService) -> str:
        state = await service.state(incident_id)
        if args.list:
            return format_action_items(state).rstrip("\n")
        try:
            due = None if args.due is None else parse_due(args.due, service.now(), zone)
        except DueDateError as error:
            raise IncidentError(str(error)) from None
        notes = CommandNotes(service)
        if args.update:
            entry = find_todo(state, args.update, done=True)  # among the open ones
            if args.owner is None and due is None:
                raise IncidentError("--update needs --owner or --due")
            await notes.update_todo(state, entry.id, owner=args.owner, due=due)
            return f"updated: {_line(entry.text)}"
        event = await notes.add_todo(incident_id, text, owner=args.owner or "", due=due or "")
        return event.id

    print(run(args, work, config))
    return 0
