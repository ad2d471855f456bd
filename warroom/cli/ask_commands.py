"""Asks and handoffs from the command line: `ask`, `asks`, `answer`, `handoff`.

    warroom ask ID "@dana check replica lag" --in 5m [--stream db]
    warroom ask ID --extend ASK 5m | --reassign ASK @marco [--in 5m] | --drop ASK [--reason ..]
    warroom asks ID [--all] [--json]
    warroom answer ID ASK "lag is 30s and falling"
    warroom handoff ID [--accept [--as Marco]]

ASK is an ask's short id, or its first characters (`warroom asks ID` lists them).
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from typing import Any

from warroom.cli.common import CommandError, incident_command, open_config
from warroom.cli.incident_commands import run
from warroom.command_settings import command_settings
from warroom.model.asks import (
    Ask,
    AskError,
    AskRequest,
    by_stream,
    clean_owner,
    clean_question,
    clean_stream,
    closed_asks,
    countdown,
    find_ask,
    open_asks,
    parse_ask_line,
    parse_time_box,
)
from warroom.model.handoff import handoff_brief, stint_warning, unheld_roles
from warroom.model.ids import normalise_incident_id
from warroom.model.text import for_terminal, json_text
from warroom.services import command
from warroom.services.incidents import IncidentService


def register(subparsers: Any) -> None:
    ask = incident_command(
        subparsers,
        "ask",
        cmd_ask,
        help="ask someone something with a time box; or extend, re-ask, drop an ask",
        description=(
            'Open an ask: warroom ask ID "@dana check replica lag" --in 5m [--stream db]. '
            "Change one: --extend ASK 5m, --reassign ASK @marco, --drop ASK. "
            "ASK is the id `warroom asks ID` shows (its first characters are enough)."
        ),
    )
    ask.add_argument("text", nargs="?", default="", help='"@owner the question"')
    ask.add_argument(
        "--in", dest="box", metavar="BOX", help="time box: 5m, 90s, 1h (default: config, 5m)"
    )
    ask.add_argument("--stream", help="workstream the ask belongs to (e.g. db)")
    ask.add_argument("--to", metavar="OWNER", help="who is asked (instead of @owner in the text)")
    change = ask.add_mutually_exclusive_group()
    change.add_argument("--extend", nargs=2, metavar=("ASK", "BOX"), help="give ASK more time")
    change.add_argument("--reassign", nargs=2, metavar=("ASK", "OWNER"), help="ask someone else")
    change.add_argument("--drop", metavar="ASK", help="drop ASK (no longer needed)")
    ask.add_argument("--reason", default="", help="with --drop: why")

    asks = incident_command(
        subparsers, "asks", cmd_asks, help="list open asks with their time left"
    )
    asks.add_argument("--all", action="store_true", help="answered and dropped asks too")
    asks.add_argument("--json", action="store_true", help="one JSON object per ask and line")

    answer = incident_command(
        subparsers, "answer", cmd_answer, help="log the answer to an ask (closes it)"
    )
    answer.add_argument("ask", help="the ask's id (first characters)")
    answer.add_argument("answer", nargs="+", help="the answer")

    handoff = incident_command(
        subparsers, "handoff", cmd_handoff, help="print the handoff brief; --accept makes you IC"
    )
    handoff.add_argument("--accept", action="store_true", help="take command: you become IC")
    handoff.add_argument(
        "--as", dest="name", help="with --accept: the new IC's name (default: --author)"
    )


def cmd_ask(args: argparse.Namespace) -> int:
    config = open_config(args)
    settings = command_settings(config)
    incident_id = normalise_incident_id(args.incident)
    box = parse_time_box(args.box) if args.box else None
    changing = args.extend or args.reassign or args.drop
    if changing and args.text.strip():
        raise CommandError(
            "give the question only when opening an ask, not with --extend, --reassign or --drop"
        )
    if not changing:
        request = _request(args, box)

    async def work(service: IncidentService) -> str:
        state = await service.state(incident_id)
        if args.extend:
            ask = find_ask(state, args.extend[0])
            extra = parse_time_box(args.extend[1])
            event = await command.extend_ask(service, state, ask, extra)
            return f"extended {ask.id}: @{ask.owner} now due {_due(event.payload['due'])}"
        if args.reassign:
            ask = find_ask(state, args.reassign[0])
            event = await command.reassign_ask(
                service, state, ask, args.reassign[1], box or settings.default_box
            )
            owner = event.payload["owner"]
            return f"re-asked {ask.id}: @{ask.owner} -> @{owner}, due {_due(event.payload['due'])}"
        if args.drop:
            ask = find_ask(state, args.drop)
            await command.drop_ask(service, state, ask, args.reason)
            return f"dropped {ask.id}: @{ask.owner} {for_terminal(ask.question)}"
        event = await command.open_ask(service, state, request, settings.default_box)
        payload = event.payload
        return (
            f"{payload['ask']}  @{payload['owner']}  {for_terminal(str(payload['question']))}"
            f"  due {_due(payload['due'])} ({payload['box']})"
        )

    print(run(args, work, config))
    return 0


def _request(args: argparse.Namespace, box: Any) -> AskRequest:
    text = args.text.strip()
    if args.to:
        owner = clean_owner(args.to)
        question = clean_question(text)
        parsed = AskRequest(owner, question)
    else:
        if not text:
            raise AskError('what is asked? warroom ask ID "@dana check replica lag" --in 5m')
        parsed = parse_ask_line(text)
    stream = clean_stream(args.stream) if args.stream else parsed.stream
    return AskRequest(parsed.owner, parsed.question, box or parsed.box, stream)


def _due(value: object) -> str:
    moment = datetime.fromisoformat(str(value))
    return f"{moment.astimezone(UTC):%H:%M:%S} UTC"


def cmd_answer(args: argparse.Namespace) -> int:
    incident_id = normalise_incident_id(args.incident)
    text = " ".join(args.answer)

    async def work(service: IncidentService) -> str:
        state = await service.state(incident_id)
        ask = find_ask(state, args.ask)
        await command.answer_ask(service, state, ask, text)
        return f"answered {ask.id}: @{ask.owner} {for_terminal(ask.question)}"

    print(run(args, work))
    return 0


def cmd_asks(args: argparse.Namespace) -> int:
    incident_id = normalise_incident_id(args.incident)

    async def work(service: IncidentService) -> str:
        state = await service.state(incident_id)
        now = service.now()
        shown = open_asks(state) + (closed_asks(state) if args.all else [])
        if args.json:
            return "".join(
                json_text(json.dumps(_as_json(a, now), ensure_ascii=False)) + "\n" for a in shown
            )
        return format_asks(open_asks(state), closed_asks(state) if args.all else [], now)

    sys.stdout.write(run(args, work))
    return 0


def _as_json(ask: Ask, now: datetime) -> dict[str, Any]:
    return {
        "id": ask.id,
        "owner": ask.owner,
        "question": ask.question,
        "stream": ask.stream,
        "status": ask.status,
        "asked_at": ask.asked_at.isoformat(),
        "asked_by": ask.asked_by,
        "due": ask.due.isoformat(),
        "seconds_left": int(ask.remaining(now).total_seconds()) if ask.is_open else None,
        "overdue": ask.overdue(now),
        "answer": ask.answer,
        "owners": ask.owners,
    }


def format_asks(opened: list[Ask], closed: list[Ask], now: datetime) -> str:
    lines = [f"open asks ({len(opened)}):"] if opened else ["no open asks"]
    for stream, asks in by_stream(opened):
        lines.append(f"  {stream or '(no workstream)'}:")
        for ask in asks:
            left = countdown(ask, now)
            lines.append(f"    {ask.id}  {left:>14}  @{ask.owner}  {for_terminal(ask.question)}")
    if closed:
        lines.append(f"closed ({len(closed)}):")
        for ask in closed:
            said = f": {for_terminal(ask.answer)}" if ask.answer else ""
            lines.append(
                f"    {ask.id}  {ask.status:>8}  @{ask.owner}  {for_terminal(ask.question)}{said}"
            )
    return "\n".join(lines) + "\n"


def cmd_handoff(args: argparse.Namespace) -> int:
    config = open_config(args)
    settings = command_settings(config)
    incident_id = normalise_incident_id(args.incident)
    if args.name is not None and not args.accept:
        raise CommandError("--as goes with --accept (who takes command)")

    async def work(service: IncidentService) -> str:
        state = await service.state(incident_id)
        if args.accept:
            name = args.name if args.name is not None else service.author
            event = await command.take_command(service, state, name)
            previous = event.payload["previous"] or "nobody"
            return f"IC: {for_terminal(previous)} -> {for_terminal(str(event.payload['name']))}\n"
        now = service.now()
        brief = handoff_brief(state, service.ladder_of(state), now, settings.ic_stint)
        flags = [f"warroom: note: nobody holds {role}" for role in unheld_roles(state)]
        warning = stint_warning(state, now, settings.ic_stint)
        if warning:
            flags.append(f"warroom: note: {warning}")
        for flag in flags:
            print(flag, file=sys.stderr)
        return "\n".join(for_terminal(row) for row in brief.splitlines()) + "\n"

    sys.stdout.write(run(args, work, config))
    return 0
