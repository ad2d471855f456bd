"""Scenario commands: `scenarios list|show|validate` and `import-runbook`.

Problems in scenario files print as one line each (`file:line: field: message`); a broken
file never hides the others. Text from scenario files is printed through `inert`, so no
escape sequence in a runbook reaches the terminal.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from warroom.cli.common import CommandError, open_config
from warroom.model.scenario import Scenario
from warroom.model.severity import SeverityError, get_ladder
from warroom.model.text import inert
from warroom.scenarios import (
    Catalogue,
    Problem,
    load_paths,
    load_scenarios,
    scenario_to_dict,
    shipped_text,
    user_scenario_dir,
)
from warroom.scenarios.escalation_rules import print_escalation_rules
from warroom.scenarios.loader import SHIPPED_PREFIX


def register(subparsers: Any) -> None:
    scenarios = subparsers.add_parser(
        "scenarios", help="list, show and validate scenarios (runbook checklists)"
    )
    commands = scenarios.add_subparsers(title="scenario commands", metavar="ACTION")
    scenarios.set_defaults(handler=lambda args: _usage(scenarios))

    listing = commands.add_parser("list", help="every scenario: shipped and your own")
    listing.add_argument("--json", action="store_true", help="one JSON object per line")
    listing.set_defaults(handler=cmd_list)

    show = commands.add_parser("show", help="one scenario as a checklist")
    show.add_argument("id")
    show.add_argument("--severity", "-s", help="only the steps that apply at this severity")
    show.add_argument("--ladder", help="severity ladder id (default: the config's)")
    output = show.add_mutually_exclusive_group()
    output.add_argument("--toml", action="store_true", help="print the TOML (to copy and edit)")
    output.add_argument("--json", action="store_true", help="print it as JSON")
    show.set_defaults(handler=cmd_show)

    validate = commands.add_parser(
        "validate", help="check scenario files (default: shipped and your own)"
    )
    validate.add_argument("paths", nargs="*", metavar="PATH", help="files or folders")
    validate.set_defaults(handler=cmd_validate)

    importer = subparsers.add_parser(
        "import-runbook", help="turn a Markdown runbook into scenario files"
    )
    importer.add_argument("file", metavar="FILE.md")
    importer.add_argument(
        "--out", metavar="DIR", help=f"where to write (default: {user_scenario_dir()})"
    )
    importer.add_argument(
        "--prefix", help="start of every scenario id (default: the file name; '' for none)"
    )
    importer.add_argument("--force", action="store_true", help="overwrite existing files")
    importer.add_argument(
        "--dry-run", action="store_true", help="report what would be written; write nothing"
    )
    importer.add_argument(
        "--explain",
        action="store_true",
        help="print how each section was read (incident, general, reference...) and why;"
        " write nothing",
    )
    importer.set_defaults(handler=cmd_import)


def _usage(parser: argparse.ArgumentParser) -> int:
    """The command without its subcommand: one line saying what it takes."""
    needs = "needs a command: list, show ID, validate [PATH...]"
    raise CommandError(f"{parser.prog} {needs} (see {parser.prog} --help)", 2)


def _print_problems(problems: list[Problem]) -> None:
    for problem in problems:
        print(inert(str(problem), single_line=True), file=sys.stderr)


def _origin(scenario: Scenario) -> str:
    if scenario.origin.startswith(SHIPPED_PREFIX):
        return "shipped"
    return scenario.origin


def cmd_list(args: argparse.Namespace) -> int:
    catalogue = load_scenarios()
    for scenario in catalogue.all():
        if args.json:
            record = {
                "id": scenario.id,
                "title": scenario.title,
                "phases": len(scenario.phases),
                "steps": scenario.step_count,
                "services": list(scenario.services),
                "origin": _origin(scenario),
            }
            print(json.dumps(record, ensure_ascii=False))
        else:
            print(
                inert(
                    f"{scenario.id:<28} {scenario.step_count:>3} steps  {scenario.title}"
                    + ("" if _origin(scenario) == "shipped" else f"  [{_origin(scenario)}]"),
                    single_line=True,
                )
            )
    _print_problems(catalogue.problems)
    if catalogue.errors:
        print(
            f"warroom: {len(catalogue.errors)} scenario file(s) could not be loaded;"
            " see `warroom scenarios validate`",
            file=sys.stderr,
        )
    return 0


def _find(catalogue: Catalogue, scenario_id: str) -> Scenario:
    scenario = catalogue.get(scenario_id)
    if scenario is None:
        known = ", ".join(s.id for s in catalogue.all()[:8])
        raise CommandError(f"no scenario {scenario_id!r} (known: {known}...)", 1)
    return scenario


def cmd_show(args: argparse.Namespace) -> int:
    catalogue = load_scenarios()
    scenario = _find(catalogue, args.id)
    if args.toml:
        if scenario.origin.startswith(SHIPPED_PREFIX):
            text = shipped_text(scenario.id) or ""
        else:
            text = Path(scenario.origin).read_text(encoding="utf-8-sig")
        sys.stdout.write(inert(text))
        return 0
    if args.json:
        print(json.dumps(scenario_to_dict(scenario), ensure_ascii=False, indent=2))
        return 0
    ladder = None
    if args.severity or args.ladder:
        config = open_config(args)
        try:
            ladder = (
                get_ladder(args.ladder, config.custom_ladders) if args.ladder else config.ladder
            )
            if args.severity:
                ladder.get(args.severity)
        except SeverityError as error:
            raise CommandError(str(error), 2) from None
    print(inert(render_scenario(scenario, ladder, args.severity)), end="")
    print_escalation_rules(scenario)
    return 0


def render_scenario(scenario: Scenario, ladder: Any = None, severity: str | None = None) -> str:
    """A scenario as plain text: symptoms, phases with step ids and commands, causes."""
    lines = [f"{scenario.title}  ({scenario.id})"]
    if scenario.summary:
        lines += ["", scenario.summary]
    facts = []
    if scenario.severity_hint:
        facts.append(f"usually {scenario.severity_hint}")
    if scenario.services:
        facts.append("services: " + ", ".join(scenario.services))
    if facts:
        lines += ["", "; ".join(facts)]
    if scenario.symptoms:
        lines += ["", "Symptoms"] + [f"  - {symptom}" for symptom in scenario.symptoms]
    if ladder is not None and severity:
        phases = scenario.visible_phases(ladder, severity)
        lines += ["", f"(steps for {ladder.get(severity).label})"]
    else:
        phases = [(phase, phase.steps) for phase in scenario.phases]
    for number, (phase, steps) in enumerate(phases, start=1):
        lines += ["", f"{number}. {phase.title}"]
        if phase.notes:
            lines += [f"   {line}" for line in phase.notes.splitlines()]
        for step in steps:
            gate = f"  [{step.min_severity} or worse]" if step.min_severity else ""
            lines.append(f"   [ ] {step.text}{gate}  ({step.id})")
            for command in step.commands:
                lines += [
                    f"         $ {line}" if i == 0 else f"           {line}"
                    for i, line in enumerate(command.splitlines())
                ]
            lines += [f"         {line}" for line in step.notes.splitlines()]
    if scenario.causes:
        lines += ["", "Causes and fixes"]
        lines += [f"  - {c.cause}" + (f" -> {c.fix}" if c.fix else "") for c in scenario.causes]
    if scenario.contacts:
        lines += ["", "Contacts"]
        for contact in scenario.contacts:
            extra = "; ".join(x for x in (contact.when, contact.notes) if x)
            reach = f": {contact.reach}" if contact.reach else ""
            lines.append(f"  - {contact.role}{reach}" + (f" ({extra})" if extra else ""))
    if scenario.links:
        lines += ["", "Links"] + [f"  - {link.title}: {link.url}" for link in scenario.links]
    if scenario.source:
        lines += ["", f"source: {scenario.source}"]
    return "\n".join(line.rstrip() for line in lines) + "\n"


def cmd_validate(args: argparse.Namespace) -> int:
    paths = [Path(path) for path in args.paths]
    catalogue = load_paths(paths) if paths else load_scenarios()
    problems = list(catalogue.problems) + _unknown_services(args, catalogue)
    for problem in problems:
        print(inert(str(problem), single_line=True))
    errors = sum(1 for problem in problems if problem.is_error)
    warnings = len(problems) - errors
    print(f"{len(catalogue)} scenario(s) valid; {errors} error(s), {warnings} warning(s)")
    return 1 if errors else 0


def _unknown_services(args: argparse.Namespace, catalogue: Catalogue) -> list[Problem]:
    """Warnings for `services` names no `[[service]]` of the config declares."""
    try:
        config = open_config(args)
    except CommandError:
        return []
    names = {str(service.get("name", "")) for service in config.services}
    if not names:
        return []
    problems = []
    for scenario in catalogue.all():
        for name in scenario.services:
            if name not in names:
                where = scenario.origin.removeprefix(SHIPPED_PREFIX)
                message = f"service {name!r} is not a [[service]] in {config.source}"
                problems.append(Problem(where, message, "services", level="warning"))
    return problems


def cmd_import(args: argparse.Namespace) -> int:
    from warroom.scenarios.importer import RunbookImportError, import_runbook, write_scenarios

    source = Path(args.file)
    out_dir = Path(args.out).expanduser() if args.out else user_scenario_dir()
    dry_run = args.dry_run or args.explain
    try:
        result = import_runbook(source, args.prefix)
        written = [] if dry_run else write_scenarios(result, out_dir, force=args.force)
    except RunbookImportError as error:
        if args.explain:
            _print_readings(error.readings)
        raise CommandError(str(error), 1) from None
    if args.explain:
        _print_readings(result.readings)
    for note in result.notes:
        print(inert(f"note: {note}", single_line=True))
    verb = "would write" if dry_run else "wrote"
    place = out_dir if dry_run else (written[0].parent if written else out_dir)
    print(f"{verb} {len(result.scenarios)} scenario(s) to {place}:")
    for scenario in result.scenarios:
        counts = f"{len(scenario.phases)} phases, {scenario.step_count} steps"
        if scenario.causes:
            counts += f", {len(scenario.causes)} causes"
        print(inert(f"  {scenario.id}.toml  {scenario.title} ({counts})", single_line=True))
    if result.skipped:
        print(f"skipped {len(result.skipped)} part(s) of {source.name}:")
        for skip in result.skipped:
            print(inert(f"  {skip}", single_line=True))
    return 0


def _print_readings(readings: list[Any]) -> None:
    """One line per section: how it was read and why (`import-runbook --explain`)."""
    if not readings:
        return
    print("how each section was read:")
    for reading in readings:
        indent = "  " * max(0, min(reading.section.level, 6) - 1)
        print(inert(f"  {indent}{reading}", single_line=True))
