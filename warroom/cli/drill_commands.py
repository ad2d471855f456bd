"""`warroom drill`: practise an incident on a simulated outage on 127.0.0.1.

    warroom drill [DRILL] [--speed N] [--seed S] [--no-postgres]   open the console on it
    warroom drill --list                                          the drills there are
    warroom drill [DRILL] --headless SECONDS [--play FILE]         run without the console
    warroom drill --report DRILL-ID                                write a drill's report again

DRILL is a drill id or the id of the scenario it drills (default: `bad-deploy`). The
fleet stops when the console exits, however it exits, and the report's path is printed.
Textual is imported only to open the console.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import timedelta
from pathlib import Path

from warroom.cli.common import CommandError, open_config
from warroom.config import Config, ConfigError
from warroom.drill import cleanup
from warroom.drill.journal import START, Journal
from warroom.drill.library import DEFAULT_DRILL, load_drills
from warroom.drill.play import PlayFileError, PlayStep, parse_play
from warroom.drill.session import (
    Drill,
    DrillSettings,
    journal_path,
    write_drill_report,
)
from warroom.model.figures import format_duration
from warroom.model.ids import normalise_incident_id
from warroom.model.text import for_terminal
from warroom.paths import data_dir, drills_folder
from warroom.redact import redact_text
from warroom.store.base import StoreError


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser(
        "drill",
        help="practise on a simulated outage (no configuration needed)",
        description=(
            "Start a small fleet of fake services on 127.0.0.1 that fail on a script, point "
            "the real probes at it, declare a DRILL incident and open the console. Tick the "
            "checklist step that fixes it to make the fleet recover (only that step: the "
            "drill names it by id). A report is written when the console exits."
        ),
    )
    parser.add_argument(
        "drill", nargs="?", metavar="DRILL", help=f"drill or scenario id (default {DEFAULT_DRILL})"
    )
    parser.add_argument("--list", action="store_true", help="list the drills and exit")
    parser.add_argument(
        "--speed", type=float, default=1.0, metavar="N", help="run the script N times faster"
    )
    parser.add_argument(
        "--seed", type=int, metavar="S", help="seed for the script's timing (replays a drill)"
    )
    parser.add_argument(
        "--headless",
        type=float,
        metavar="SECONDS",
        help="no console: run the fleet and the probes this long, print changes, report",
    )
    parser.add_argument(
        "--play",
        metavar="FILE",
        help="with --headless: play the IC's part from FILE (lines of TIME ACTION ...)",
    )
    parser.add_argument(
        "--no-postgres", action="store_true", help="leave PostgreSQL out even if installed"
    )
    parser.add_argument("--report", metavar="ID", help="write the report of a past drill again")
    parser.set_defaults(handler=run_drill)


def run_drill(args: argparse.Namespace) -> int:
    library = load_drills()
    for problem in library.problems:
        print(f"warroom: warning: {for_terminal(redact_text(problem))}", file=sys.stderr)
    if args.list:
        return list_drills(library)
    folder = drills_folder(data_dir(args.data_dir))
    if args.report is not None:  # an empty id is an error, never a new drill
        return rewrite_report(library, folder, normalise_incident_id(args.report))
    if args.speed <= 0 or args.speed > 1000:
        raise CommandError("--speed must be greater than 0 and at most 1000", 2)
    if args.headless is not None and args.headless <= 0:
        raise CommandError("--headless needs a number of seconds greater than 0", 2)
    steps = read_play(args.play) if args.play else None
    if steps is not None and args.headless is None:
        raise CommandError("--play needs --headless SECONDS (the console is played by hand)", 2)
    script = library.find(args.drill)
    if script is None:
        known = ", ".join(s.id for s in library.all()) or "none"
        raise CommandError(f"no drill {args.drill!r} (drills: {known})", 2)
    user_config = open_config(args)
    author = args.author or user_config.author
    settings = DrillSettings(
        script=script,
        folder=folder,
        speed=args.speed,
        seed=args.seed,
        author=author,
        user_config=user_config,
        use_postgres=not args.no_postgres,
    )
    drill = Drill(settings)
    print(
        f"warroom: starting drill {script.id} (seed {drill.seed}, speed {args.speed:g}x)...",
        file=sys.stderr,
    )
    try:
        try:
            drill.start()
        except (StoreError, ConfigError, OSError) as error:
            raise CommandError(f"cannot start the drill: {error}") from None
        if args.headless is not None:
            code = run_headless(drill, args.headless, author, steps)
        else:
            code = run_console(drill, args, user_config)
    except KeyboardInterrupt:
        code = 130
    finally:
        report = drill.stop()
    if report is not None:
        print(f"Drill report: {report}")
    return code


def list_drills(library) -> int:  # type: ignore[no-untyped-def]
    scripts = library.all()
    if not scripts:
        print("no drills found")
        return 1
    width = max(len(s.id) for s in scripts)
    for script in scripts:
        extra = "  (uses PostgreSQL when installed)" if script.needs_postgres else ""
        default = "  [default]" if script.id == DEFAULT_DRILL else ""
        cadence = format_duration(timedelta(seconds=script.update_cadence))
        print(
            f"{script.id:<{width}}  {script.scenario:<28}  {script.severity}, update every"
            f" {cadence:<7}  {script.title}{extra}{default}"
        )
    return 0


def rewrite_report(library, folder, incident_id: str) -> int:  # type: ignore[no-untyped-def]
    path = journal_path(folder, incident_id)
    if not path.is_file():
        raise CommandError(f"no drill journal for {incident_id} in {folder}")
    start = Journal.read(path).first(START)
    script = library.find(str(start.detail.get("script"))) if start else None
    if script is None:
        raise CommandError(f"the drill script of {incident_id} is no longer available")
    print(f"Drill report: {write_drill_report(folder, incident_id, script)}")
    return 0


def read_play(path: str) -> list[PlayStep]:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise CommandError(f"cannot read the play file {path}: {error}", 2) from None
    try:
        return parse_play(text, path)
    except PlayFileError as error:
        raise CommandError(str(error), 2) from None


def run_headless(
    drill: Drill, seconds: float, author: str, steps: list[PlayStep] | None = None
) -> int:
    from warroom.drill.headless import run_headless as headless

    def interrupt(signum: int) -> None:
        raise KeyboardInterrupt

    print(f"Drill {drill.incident_id}: watching for {seconds:g} s (ctrl+c stops)", flush=True)
    if not steps:
        print(
            f"Tick a step from another terminal: warroom tick {drill.incident_id} STEP", flush=True
        )
    with cleanup.on_signals(interrupt):
        asyncio.run(headless(drill, seconds, author, lambda line: print(line, flush=True), steps))
    return 0


def run_console(drill: Drill, args: argparse.Namespace, user_config: Config) -> int:
    from warroom.runtime import ContextError, open_context
    from warroom.ui.app import WarroomApp
    from warroom.ui.probe_feed import feed_from_config

    config = drill.config
    try:
        context = open_context(config, drill.store, drill.settings.folder, config.author)
    except ContextError:
        raise CommandError(f"{user_config.source}: incident.timezone: unknown zone") from None
    app = WarroomApp(
        context.service,
        config,
        drill.settings.folder,
        incident_id=drill.incident_id,
        feed=feed_from_config(config),
        zone=context.zone,
        zone_name=config.timezone,
        theme=args.theme,
        context=context,
    )

    def quit_console(signum: int) -> None:
        loop = getattr(app, "_loop", None)  # set by Textual while the app runs
        if loop is None:
            raise KeyboardInterrupt
        loop.call_soon_threadsafe(lambda: app.exit(None, return_code=130))

    with cleanup.on_signals(quit_console):
        app.run()
    return app.return_code or 0
