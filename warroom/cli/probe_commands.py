"""Probe commands: `warroom check` (every service once) and `warroom watch ID` (headless).

`check` exits like a Nagios plugin: 0 all up, 1 some degraded (or in maintenance),
2 some down, 3 unknown or bad config; when services are both down and unknown, down
wins (2). `--json` prints one object per line: name, kind, state, latency_ms, detail
(plus reason, target and observed_at).

`watch ID` is the headless runtime (`warroom.runtime`): it runs the probes until
interrupted and writes their debounced changes into incident ID by the console's rule
(`runtime.probe_changes`: not a first "up", not a state the incident already shows, one
writer per shared incident), and fires the same timed rules as the console, printing
each fired reminder (its own or another console's) as one line on stdout.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import signal
import sys
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from warroom.cli.common import CommandError, open_config
from warroom.config import Config, ConfigError
from warroom.model.ids import normalise_incident_id
from warroom.probes.change import StateChange
from warroom.probes.config import ServiceSpec, parse_services
from warroom.probes.result import ProbeResult, ProbeState, clean_remote_text, format_ms
from warroom.probes.scheduler import ProbeEngine
from warroom.redact import redact_text
from warroom.runtime import (
    DeadlineFired,
    RuntimeContext,
    RuntimeMessage,
    RuntimeProblem,
    StateChanged,
)

EXIT_CODES = {
    ProbeState.UP: 0,
    ProbeState.DEGRADED: 1,
    ProbeState.MAINTENANCE: 1,
    ProbeState.UNKNOWN: 3,
    ProbeState.DOWN: 2,
}
STATE_STYLES = {
    ProbeState.UP: "green",
    ProbeState.DEGRADED: "yellow",
    ProbeState.MAINTENANCE: "cyan",
    ProbeState.UNKNOWN: "magenta",
    ProbeState.DOWN: "bold red",
}


def register(subparsers: Any) -> None:
    check = subparsers.add_parser(
        "check",
        help="probe every service once; exit 0 up, 1 degraded, 2 down, 3 unknown",
        description="Probe every [[service]] of the config once and print what each says. "
        "Exit status: 0 all up, 1 some degraded or in maintenance, 2 some down, "
        "3 unknown or bad config (down wins over unknown).",
    )
    check.add_argument("--json", action="store_true", help="one JSON object per line")
    _config_option(check)
    check.set_defaults(handler=cmd_check)

    watch = subparsers.add_parser(
        "watch",
        help="probe continuously and write state changes into incident ID",
        description="Run the probes on their intervals (no console) and append each "
        "debounced state change to the incident's timeline, until interrupted.",
    )
    watch.add_argument("incident", metavar="ID")
    _config_option(watch)
    watch.set_defaults(handler=cmd_watch)


def _config_option(parser: argparse.ArgumentParser) -> None:
    """`--config` also after the command (`warroom check --config x.toml`)."""
    parser.add_argument("--config", metavar="PATH", default=argparse.SUPPRESS, help="config file")


def load_specs(args: argparse.Namespace) -> tuple[Config, list[ServiceSpec]]:
    config = open_config(args)
    try:
        specs = parse_services(config)
    except ConfigError as error:
        raise CommandError(str(error), 3) from None
    if not specs:
        raise CommandError(f"{config.source}: no [[service]] to probe", 3)
    return config, specs


# check -----------------------------------------------------------------------------------


def cmd_check(args: argparse.Namespace) -> int:
    _, specs = load_specs(args)
    results = asyncio.run(check_all(specs))
    if args.json:
        for spec in specs:
            print(json.dumps(check_record(spec, results[spec.name]), ensure_ascii=False))
    else:
        print_table(specs, results)
    return exit_code(list(results.values()))


async def check_all(specs: list[ServiceSpec]) -> dict[str, ProbeResult]:
    engine = ProbeEngine(specs)  # the console's engine and cap (engine_concurrency)
    try:
        return await engine.run_once()
    finally:
        await engine.stop()


def exit_code(results: list[ProbeResult]) -> int:
    states = {result.state for result in results}
    if ProbeState.DOWN in states:
        return 2
    if ProbeState.UNKNOWN in states:
        return 3
    return max((EXIT_CODES[state] for state in states), default=0)


def check_record(spec: ServiceSpec, result: ProbeResult) -> dict[str, Any]:
    return {
        "name": spec.name,
        "kind": spec.kind,
        "state": str(result.state),
        "latency_ms": result.latency_ms,
        "detail": dict(result.detail),
        "reason": result.reason,
        "target": clean_remote_text(spec.target),
        "observed_at": result.to_dict()["observed_at"],
    }


def print_table(specs: list[ServiceSpec], results: dict[str, ProbeResult]) -> None:
    console = Console(highlight=False, soft_wrap=False)
    table = Table(box=None, pad_edge=False, show_edge=False)
    for column in ("SERVICE", "KIND", "STATE", "LATENCY", "REASON"):
        table.add_column(column, no_wrap=column != "REASON", overflow="fold")
    for spec in specs:
        result = results[spec.name]
        table.add_row(
            Text(spec.name),
            Text(spec.kind),
            Text(str(result.state), style=STATE_STYLES[result.state]),
            Text(format_ms(result.latency_ms), justify="right"),
            Text(result.reason),
        )
    console.print(table)


# watch -----------------------------------------------------------------------------------


def cmd_watch(args: argparse.Namespace) -> int:
    from warroom.cli.incident_commands import context_for

    config, specs = load_specs(args)
    incident_id = normalise_incident_id(args.incident)
    context = context_for(args, config)
    try:
        return asyncio.run(watch(context, incident_id, specs))
    except KeyboardInterrupt:
        print("stopped", file=sys.stderr)
        return 0


async def watch(context: RuntimeContext, incident_id: str, specs: list[ServiceSpec]) -> int:
    """The headless runtime: probes, probe changes into the timeline (the console's rule
    and lease), the timed rules' reminders printed one line each, until interrupted."""
    from warroom.store.base import UnknownIncident

    try:
        runtime = await context.open_runtime(incident_id)
    except UnknownIncident:
        await context.close()
        raise CommandError(f"unknown incident {incident_id}", 1) from None
    main = asyncio.current_task()
    loop = asyncio.get_running_loop()
    # Ctrl-C and SIGTERM stop it, also when it was started with SIGINT ignored (a
    # background job of a script: Python then leaves Ctrl-C ignored).
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(signum, main.cancel if main else lambda: None)
    print(
        f"watching {len(specs)} services for {incident_id}; Ctrl-C to stop",
        file=sys.stderr,
        flush=True,
    )
    runtime.subscribe(_print_message)
    engine = ProbeEngine(specs)
    try:
        async with engine, asyncio.TaskGroup() as group:
            group.create_task(runtime.run())
            group.create_task(
                runtime.run_probes(engine, lambda change: print(_change_line(change), flush=True))
            )
    except asyncio.CancelledError:
        print("stopped", file=sys.stderr)
        return 0
    finally:
        with contextlib.suppress(Exception):
            await runtime.close()
        with contextlib.suppress(Exception):
            await context.close()
    return 0


def _print_message(message: RuntimeMessage) -> None:
    """A fired reminder: one line on stdout; the runtime's troubles: one on stderr."""
    if isinstance(message, DeadlineFired):
        moment = message.event.at.strftime("%H:%M:%SZ")
        print(clean_remote_text(f"{moment} {message.rule}: {message.message}", 500), flush=True)
    elif isinstance(message, StateChanged):  # the outbox delivered a message late
        from warroom.model.events import EventKind
        from warroom.model.incident import describe

        for event in message.events:
            if event.kind is EventKind.COMMS_DELIVERY:
                moment = event.at.strftime("%H:%M:%SZ")
                print(clean_remote_text(f"{moment} {describe(event)}", 500), flush=True)
    elif isinstance(message, RuntimeProblem):
        line = clean_remote_text(redact_text(message.text), 500)
        print(f"warroom: {line}", file=sys.stderr, flush=True)


def _change_line(change: StateChange) -> str:
    moment = change.observed_at.strftime("%H:%M:%SZ")
    flapping = " [flapping]" if change.flapping else ""
    return clean_remote_text(f"{moment} {change.describe()}{flapping}", 500)
