"""Incident commands: declare, incidents, note, status, severity, role, export."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Awaitable, Callable
from datetime import datetime, tzinfo
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from warroom.cli.common import CommandError, emit_text, open_config
from warroom.config import Config
from warroom.model.actions import actions_csv, actions_json
from warroom.model.events import NoteKind, utc_now
from warroom.model.figures import format_duration
from warroom.model.ids import is_drill_id, normalise_incident_id
from warroom.model.incident import IncidentState
from warroom.model.text import for_terminal, inert, shorten
from warroom.model.timeparse import TimeParseError, check_backdate, describe_backdate, parse_at
from warroom.paths import data_dir, drills_folder
from warroom.runtime import ContextError, RuntimeContext, open_context
from warroom.runtime.export import export_filename, export_text
from warroom.services.incidents import IncidentError, IncidentService
from warroom.services.stores import open_store
from warroom.store.base import IncidentStore, StoreError
from warroom.store.local import LocalStore

T = TypeVar("T")
# The action items for a tracker (`--format actions-csv | actions-json`).
ACTION_FORMATS: dict[str, Callable[[IncidentState, datetime], str]] = {
    "actions-csv": lambda state, now: actions_csv(state),
    "actions-json": actions_json,
}


def register(subparsers: Any) -> None:
    declare = subparsers.add_parser("declare", help="declare a new incident; prints its id")
    declare.add_argument("title")
    declare.add_argument("--severity", "-s", required=True, help="e.g. SEV-1 (see the ladder)")
    declare.add_argument("--scenario", help="scenario id (warroom scenarios list)")
    declare.add_argument("--ic", help="Incident Commander's name")
    declare.add_argument("--impact", default="", help="who is affected, how")
    declare.add_argument("--drill", action="store_true", help="mark the incident as a drill")
    declare.set_defaults(handler=cmd_declare)

    incidents = subparsers.add_parser("incidents", help="list incidents, newest first")
    incidents.add_argument("--open", action="store_true", help="only open incidents")
    incidents.add_argument(
        "--drills", action="store_true", help="list drill incidents (DRILL-...) instead"
    )
    incidents.set_defaults(handler=cmd_incidents)

    note = subparsers.add_parser("note", help="add a note to an incident's timeline")
    note.add_argument("incident")
    note.add_argument("text")
    note.add_argument("--kind", "-k", choices=[k.value for k in NoteKind], default="note")
    note.add_argument("--at", help="when it happened: -5m, -1h30m, 14:02 (local), ISO 8601")
    note.add_argument("--tz", help="zone for --at clock times (default: config or local)")
    note.set_defaults(handler=cmd_note)

    status = subparsers.add_parser("status", help="set the status (investigating..resolved)")
    status.add_argument("incident")
    status.add_argument("value")
    status.add_argument(
        "--summary", help="resolving: the one-line resolution summary for updates and post-mortem"
    )
    status.set_defaults(handler=cmd_status)

    severity = subparsers.add_parser("severity", help="change the severity")
    severity.add_argument("incident")
    severity.add_argument("level")
    severity.set_defaults(handler=cmd_severity)

    role = subparsers.add_parser("role", help="assign a role (IC, Ops, Dev, Comms, ...)")
    role.add_argument("incident")
    role.add_argument("role")
    role.add_argument("name", nargs="?", default="")
    role.add_argument("--clear", action="store_true", help="unassign the role (no NAME)")
    role.set_defaults(handler=cmd_role)

    export = subparsers.add_parser(
        "export",
        help="export the post-mortem (Markdown or JSON) or the action items (CSV or JSON)",
    )
    export.add_argument("incident")
    export.add_argument(
        "--format", "-f", choices=["md", "json", "actions-csv", "actions-json"], default="md"
    )
    export.add_argument("--tz", help="also show times in this zone, e.g. Europe/Berlin")
    export.add_argument(
        "--output",
        "-o",
        help="write to this file instead of stdout; a folder: ID-<UTC time>.md in it",
    )
    export.set_defaults(handler=cmd_export)


def context_for(args: argparse.Namespace, config: Config | None = None) -> RuntimeContext:
    """What the command works on (`open_context`): the configured store, or the drills
    folder for a drill (`declare --drill`, `incidents --drills`, or an id `DRILL-...`)."""
    config = config or open_config(args)
    incident = getattr(args, "incident", None)
    if (
        getattr(args, "drill", False) is True
        or getattr(args, "drills", False)
        or (isinstance(incident, str) and is_drill_id(incident))
    ):
        folder = drills_folder(data_dir(getattr(args, "data_dir", None)))
        store: IncidentStore = LocalStore(folder)
    else:
        folder = data_dir(getattr(args, "data_dir", None))
        store = open_store(config, getattr(args, "store", None), getattr(args, "data_dir", None))
    author = getattr(args, "author", None) or config.author
    try:
        return open_context(config, store, folder, author)
    except ContextError as error:
        raise CommandError(str(error)) from None


def service_for(args: argparse.Namespace, config: Config | None = None) -> IncidentService:
    """The service of `context_for` (most commands need only it)."""
    return context_for(args, config).service


def run(
    args: argparse.Namespace,
    work: Callable[[IncidentService], Awaitable[T]],
    config: Config | None = None,
) -> T:
    """Run one async piece of work against the store, turning errors into one line."""
    service = service_for(args, config)

    async def main() -> T:
        try:
            return await work(service)
        finally:
            await service.store.close()

    try:
        return asyncio.run(main())
    except (IncidentError, StoreError, TimeParseError) as error:
        raise CommandError(str(error)) from None


def zone_of(name: str | None, config: Config | None = None) -> tzinfo | None:
    name = name or (config.timezone if config else None)
    if not name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise CommandError(f"unknown time zone {name!r} (e.g. Europe/Berlin, UTC)") from None


def known_scenario(scenario_id: str | None) -> str | None:
    """The scenario id if the catalogue has it; else a CommandError listing the known ids."""
    if scenario_id is None:
        return None
    from warroom.scenarios.loader import load_scenarios

    catalogue = load_scenarios()
    if scenario_id in catalogue:
        return scenario_id
    known = ", ".join(s.id for s in catalogue.all()) or "none"
    raise CommandError(
        f"unknown scenario {for_terminal(scenario_id)!r}; known: {known} (warroom scenarios list)"
    )


def cmd_declare(args: argparse.Namespace) -> int:
    roles = {"IC": args.ic} if args.ic else {}
    scenario = known_scenario(args.scenario)

    async def work(service: IncidentService) -> str:
        event = await service.declare(
            args.title,
            args.severity,
            scenario=scenario,
            roles=roles,
            drill=args.drill,
            impact=args.impact,
        )
        return event.incident_id

    print(run(args, work))
    return 0


def cmd_incidents(args: argparse.Namespace) -> int:
    async def work(service: IncidentService) -> tuple[list[Any], list[Any]]:
        return await service.list_incidents_with_problems()

    states, problems = run(args, work)
    states = [s for s in states if s.drill == args.drills]
    unreadable = [p for p in problems if isinstance(p, StoreError)]
    for problem in problems:
        print(f"warroom: warning: {for_terminal(str(problem))}", file=sys.stderr)
    if args.open:
        states = [s for s in states if s.is_open]
    if not states and unreadable:
        raise CommandError(
            f"cannot read {len(unreadable)} incident file(s); the list may be incomplete"
        )
    if not states:
        if args.drills:
            print("No drill incidents. Start a drill: warroom drill")
            return 0
        print("No incidents. Declare one: warroom declare TITLE --severity SEV-1")
        return 0
    now = utc_now()
    rows = [("ID", "SEVERITY", "STATUS", "AGE", "TITLE")]
    for state in states:
        title = inert(state.title, single_line=True) + (" [DRILL]" if state.drill else "")
        rows.append(
            (
                state.id,
                state.severity,
                str(state.status),
                format_duration(state.elapsed(now)),
                shorten(title, 60),
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    for row in rows:
        print("  ".join(value.ljust(widths[i]) for i, value in enumerate(row[:4])) + "  " + row[4])
    if unreadable:
        print(
            f"warroom: error: {len(unreadable)} incident file(s) could not be read"
            " and are not listed",
            file=sys.stderr,
        )
        return 1
    return 0


async def ensure_known(service: IncidentService, incident_id: str) -> bool:
    """Refuse an unknown incident, unless a shared store is unreachable: then the write is
    queued locally if this machine has seen the incident there (the store refuses it
    otherwise), and sent when the database is back. True when offline."""
    return await known_state(service, incident_id) is None


async def known_state(service: IncidentService, incident_id: str) -> IncidentState | None:
    """The incident's state; None when a shared store is unreachable (see `ensure_known`)."""
    try:
        return await service.state(incident_id)
    except StoreError:
        connection = service.store.connection_state()
        if connection.online or connection.refused:
            raise
        return None


def say_queued(incident_id: str) -> None:
    print(
        f"warroom: database unreachable; queued for {incident_id}, sent when it is back",
        file=sys.stderr,
    )


def cmd_note(args: argparse.Namespace) -> int:
    config = open_config(args)
    zone = zone_of(args.tz, config)
    incident_id = normalise_incident_id(args.incident)

    async def work(service: IncidentService) -> str:
        state = await known_state(service, incident_id)
        declared_at = state.declared_at if state else None
        at = parse_at(args.at, service.now(), zone) if args.at else None
        if at is not None:
            check_backdate(at, declared_at, args.at)
        event = await service.note(incident_id, args.text, NoteKind(args.kind), at, declared_at)
        before = describe_backdate(event.at, declared_at) if at is not None else None
        if before:
            print(f"warroom: note: --at {for_terminal(args.at)} {before}", file=sys.stderr)
        if state is None:
            say_queued(incident_id)
        return event.id

    print(run(args, work, config))
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    incident_id = normalise_incident_id(args.incident)

    summary = (args.summary or "").strip()

    async def work(service: IncidentService) -> str:
        state = await service.state(incident_id)
        if summary:
            await service.set_fact(state, "resolution", summary)
        await service.set_status(state, args.value)
        state = await service.state(incident_id)
        if state.status.value == "resolved" and not state.record.fact("resolution"):
            return (
                f"warroom: no resolution summary yet: "
                f'warroom set {incident_id} resolution "what fixed it"'
            )
        return ""

    hint = run(args, work)
    if hint:
        print(hint, file=sys.stderr)
    return 0


def cmd_severity(args: argparse.Namespace) -> int:
    incident_id = normalise_incident_id(args.incident)

    async def work(service: IncidentService) -> None:
        await service.set_severity(await service.state(incident_id), args.level)

    run(args, work)
    return 0


def cmd_role(args: argparse.Namespace) -> int:
    incident_id = normalise_incident_id(args.incident)

    if args.clear and args.name.strip():
        raise CommandError("give a NAME or --clear, not both")

    async def work(service: IncidentService) -> None:
        offline = await ensure_known(service, incident_id)
        await service.assign_role(incident_id, args.role, args.name, clear=args.clear)
        if offline:
            say_queued(incident_id)

    run(args, work)
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    config = open_config(args)
    zone = zone_of(args.tz, config)  # --tz, else the config's [incident] timezone
    zone_name = args.tz or config.timezone
    incident_id = normalise_incident_id(args.incident)

    async def work(service: IncidentService) -> tuple[str, datetime]:
        loaded = await service.load(incident_id)
        for problem in loaded.problems:
            print(f"warroom: warning: {for_terminal(str(problem))}", file=sys.stderr)
        state = loaded.state
        now = service.now()
        if args.format in ACTION_FORMATS:
            return ACTION_FORMATS[args.format](state, now), now
        return export_text(state, service.ladder_of(state), now, zone, zone_name, args.format), now

    text, now = run(args, work, config)
    output = args.output
    if output and Path(output).is_dir():  # a folder: named as the console's `e` names it
        name = export_filename(incident_id, now, args.format)
        if args.format in ACTION_FORMATS:  # INC-...-<UTC time>-actions.csv
            name = export_filename(incident_id, now, "actions").replace(
                ".actions", "-actions." + args.format.removeprefix("actions-")
            )
        output = str(Path(output) / name)
    return emit_text(text, output)
