"""Escalations from the command line: `warroom escalate` and `warroom escalations`.

`warroom escalate ID --to "DBA team" [--how phone] [--at -2m]` records that the IC
escalated (the rule is found by its contact, rule id or key; a contact no rule names is
recorded as an escalation by hand). `--snooze 10m --reason ...` puts the prompt off,
`--dismiss --reason ...` decides against it; both are timeline events. `warroom
escalations ID [--json]` lists what is due, what is coming and what was done, with the
`when`s of the incident's scenarios that name no time (escalate those by hand).
"""

from __future__ import annotations

import argparse
import json
from datetime import datetime
from typing import Any

from warroom.cli.common import CommandError, open_config
from warroom.cli.incident_commands import run, zone_of
from warroom.model.escalation import Escalation, EscalationRule, board, stopped_at
from warroom.model.escalation_events import escalated_payload
from warroom.model.escalation_report import outcome
from warroom.model.escalation_when import Start, Trigger
from warroom.model.events import format_utc
from warroom.model.figures import format_duration
from warroom.model.ids import normalise_incident_id
from warroom.model.incident import IncidentState
from warroom.model.text import inert, json_text
from warroom.model.timeparse import parse_ahead, parse_at
from warroom.scenarios.escalation_rules import slug, unread_whens
from warroom.services import escalations as actions
from warroom.services.incidents import IncidentError, IncidentService


def register(subparsers: Any) -> None:
    escalate = subparsers.add_parser(
        "escalate",
        help="record an escalation: escalated (who, how), snoozed or dismissed (with a reason)",
        description=(
            "--to names the escalation (its contact, as `warroom escalations ID` lists it) "
            "and who was reached. Add --snooze TIME or --dismiss, each with --reason."
        ),
    )
    escalate.add_argument("incident")
    escalate.add_argument("--to", required=True, help='the contact, e.g. "DBA team"')
    escalate.add_argument("--how", default="", help="phone, page, slack, email... (one line)")
    escalate.add_argument("--at", help="when it was done, if not now: -2m, 14:17")
    choice = escalate.add_mutually_exclusive_group()
    choice.add_argument("--snooze", metavar="TIME", help="put the prompt off: 10m, +30m, 15:30")
    choice.add_argument("--dismiss", action="store_true", help="decide not to escalate")
    escalate.add_argument("--reason", default="", help="why (required with --snooze, --dismiss)")
    escalate.add_argument("--tz", help="zone for clock times (default: config or local)")
    escalate.set_defaults(handler=cmd_escalate)

    listing = subparsers.add_parser(
        "escalations", help="list an incident's escalations: due, upcoming, done"
    )
    listing.add_argument("incident")
    listing.add_argument("--json", action="store_true", help="one JSON object per escalation")
    listing.set_defaults(handler=cmd_escalations)


def _adhoc(to: str) -> Escalation:
    """An escalation no rule names (a `when` read by a person: "when notified")."""
    rule = EscalationRule(
        id=f"adhoc/{slug(to)}", contact=to, trigger=Trigger(Start.DECLARED), source="by hand"
    )
    return Escalation(key=f"escalation:{rule.id}", rule=rule, started_at=datetime.min, due_at=None)


def cmd_escalate(args: argparse.Namespace) -> int:
    config = open_config(args)
    zone = zone_of(getattr(args, "tz", None), config)
    incident_id = normalise_incident_id(args.incident)
    book = actions.rule_book(config)
    if (args.snooze or args.dismiss) and args.at:
        raise CommandError("--at goes with an escalation done, not a snooze or dismissal", 2)

    async def work(service: IncidentService) -> str:
        state = await service.state(incident_id)
        rules = book.rules_for(state, service.ladder_of(state))
        ladder = service.ladder_of(state)
        if args.snooze:
            escalation = actions.pick(state, rules, ladder, args.to)
            until = parse_ahead(args.snooze, service.now(), zone)
            await actions.snooze(service, state, escalation, until, args.reason)
            return f"snoozed: {escalation.rule.contact} until {until:%H:%M UTC}: {args.reason}"
        if args.dismiss:
            escalation = actions.pick(state, rules, ladder, args.to)
            await actions.dismiss(service, state, escalation, args.reason)
            return f"dismissed: {escalation.rule.contact}: {args.reason}"
        when = parse_at(args.at, service.now(), zone) if args.at else None
        try:
            escalation = actions.pick(state, rules, ladder, args.to)
        except IncidentError:
            escalation = _adhoc(" ".join(args.to.split()))
            if not escalation.rule.contact:
                raise
            payload = escalated_payload(escalation.key, escalation.rule.contact, args.to, args.how)
            await service.record_escalation(state, payload, when)
            return f"escalated to {escalation.rule.contact} (no rule names them: recorded by hand)"
        event = await actions.escalate(service, state, escalation, args.to, args.how, when)
        late = escalation.due_at and event.at - escalation.due_at
        tail = (
            f", {format_duration(late)} after it fell due"
            if late and late.total_seconds() > 0
            else ""
        )
        return (
            f"escalated to {escalation.rule.contact}{' by ' + args.how if args.how else ''}{tail}"
        )

    print(inert(run(args, work, config), single_line=True))
    return 0


def _row(escalation: Escalation, now: datetime) -> str:
    rule = escalation.rule
    reach = f" ({rule.reach})" if rule.reach else ""
    why = f" [{rule.situation}]" if rule.situation else ""
    prompt_at = escalation.next_at()
    if escalation.closed:
        done = escalation.done or escalation.dismissed
        moment = f" at {done.at:%H:%M UTC}" if done else ""
        return f"  {rule.contact}{reach}: {outcome(escalation)}{moment}{why}"
    if prompt_at is None:
        return (
            f"  {rule.contact}{reach}: {rule.trigger.describe()} (the ladder sets no figure){why}"
        )
    span = prompt_at - now
    when = (
        f"in {format_duration(span)}"
        if span.total_seconds() > 0
        else f"{format_duration(-span)} ago"
    )
    snoozed = ""
    if escalation.snoozes:
        last = escalation.snoozes[-1]
        snoozed = f", snoozed: {last.reason}"
    backup = f"; backup: {rule.backup}" if rule.backup else ""
    return (
        f"  {rule.contact}{reach}: {rule.trigger.describe()}, due {escalation.due_at:%H:%M UTC}"
        f" -> prompt {prompt_at:%H:%M UTC} ({when}){snoozed}{why}{backup}"
    )


def _as_json(escalation: Escalation, status: str) -> dict[str, Any]:
    rule = escalation.rule
    done = escalation.done
    return {
        "key": escalation.key,
        "status": status,
        "contact": rule.contact,
        "reach": rule.reach,
        "backup": rule.backup,
        "situation": rule.situation,
        "when": rule.trigger.describe(),
        "source": rule.source,
        "due_at": format_utc(escalation.due_at) if escalation.due_at else None,
        "done_at": format_utc(done.at) if done else None,
        "late_seconds": late.total_seconds()
        if (late := escalation.late_by()) is not None
        else None,
        "snoozes": [
            {
                "at": format_utc(s.at),
                "until": format_utc(s.until) if s.until else None,
                "reason": s.reason,
            }
            for s in escalation.snoozes
        ],
        "dismissed": escalation.dismissed.reason if escalation.dismissed else None,
    }


def format_escalations(
    state: IncidentState, rules: list[EscalationRule], service: IncidentService, catalogue: Any
) -> str:
    now = service.now()
    ladder = service.ladder_of(state)
    listing = board(state, rules, ladder, now)
    lines = [f"{state.id}  {state.severity}  {state.status}  now {now:%H:%M UTC}"]
    if stopped_at(state) is not None:
        lines.append("timers stopped: the incident is mitigated")
    for title, items in (
        ("due now", listing.due),
        ("upcoming", listing.upcoming),
        ("done / closed", listing.closed),
    ):
        lines.append(f"{title} ({len(items)}):")
        lines += [_row(e, now) for e in items] or ["  -"]
    unread = []
    for scenario_id in dict.fromkeys(
        r.source.split()[1] for r in rules if r.source.startswith("scenario")
    ):
        scenario = catalogue.get(scenario_id) if catalogue is not None else None
        unread += unread_whens(scenario) if scenario is not None else []
    if state.scenario and catalogue is not None and (chosen := catalogue.get(state.scenario)):
        unread += [u for u in unread_whens(chosen) if u not in unread]
    if unread:
        lines.append("by hand (no time warroom can read):")
        lines += [f"  {u.contact}: {u.when}" for u in unread]
    return "\n".join(inert(line, single_line=True) for line in lines) + "\n"


def cmd_escalations(args: argparse.Namespace) -> int:
    config = open_config(args)
    incident_id = normalise_incident_id(args.incident)
    book = actions.rule_book(config)

    async def work(service: IncidentService) -> str:
        state = await service.state(incident_id)
        rules = book.rules_for(state, service.ladder_of(state))
        if args.json:
            now = service.now()
            listing = board(state, rules, service.ladder_of(state), now)
            stop = stopped_at(state)
            rows = [
                _as_json(e, e.status(now, stop))
                for e in (*listing.due, *listing.upcoming, *listing.closed)
            ]
            return "".join(json_text(json.dumps(row, ensure_ascii=False)) + "\n" for row in rows)
        return format_escalations(state, rules, service, book.catalogue)

    print(run(args, work, config), end="")
    return 0
