"""The one command: run every figure and print the table.

    .venv/bin/python -m bench                 # the full run (several minutes)
    .venv/bin/python -m bench --quick         # every figure, smaller, fewer runs
    .venv/bin/python -m bench --only open,append --json results.json

Each suite works in a throwaway folder of its own (under `--dir`, default the system
temporary folder: that is the disk the append figure measures) and its failure is
reported without stopping the others. The table goes to stdout, progress to stderr.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path

from bench.fixtures import scratch
from bench.plan import PLANS, Plan
from bench.stats import Figure, table

Suite = Callable[[Plan, Path], list[Figure]]


def _suites() -> dict[str, Suite]:
    # Imported here, so that `--help` is instant and a broken suite breaks only itself.
    from bench.append import measure_append
    from bench.big_incident import measure_big_incident
    from bench.cycle import measure_cycle
    from bench.delivery import measure_delivery
    from bench.incidents import measure_incidents
    from bench.responsiveness import measure_responsiveness
    from bench.runbook_import import measure_runbook_import
    from bench.startup import measure_memory, measure_startup

    return {
        "startup": measure_startup,
        "cycle": measure_cycle,
        "responsiveness": measure_responsiveness,
        "big": measure_big_incident,
        "incidents": measure_incidents,
        "append": measure_append,
        "memory": measure_memory,
        "runbook": measure_runbook_import,
        "delivery": measure_delivery,
    }


SUITE_NAMES = (
    *("startup", "cycle", "responsiveness", "big", "incidents", "append", "memory", "runbook"),
    "delivery",
)


@dataclass
class Report:
    plan: str
    figures: list[Figure] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    machine: dict[str, object] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        return {
            "plan": self.plan,
            "machine": self.machine,
            "figures": [figure.as_dict() for figure in self.figures],
            "errors": self.errors,
            "seconds": self.seconds,
        }


def machine() -> dict[str, object]:
    return {
        "python": platform.python_version(),
        "textual": version("textual"),
        "cpus": os.cpu_count(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "platform": platform.platform(),
    }


def run(
    plan: Plan,
    only: list[str] | None = None,
    base: Path | None = None,
    progress: Callable[[str], None] | None = None,
) -> Report:
    """Run the chosen suites (all by default) and collect their figures."""
    say = progress or (lambda _text: None)
    report = Report(plan.name, machine={"at_start": machine()})
    suites = _suites()
    for name in only or SUITE_NAMES:
        say(f"{name}: running ({plan.name} plan)")
        started = time.perf_counter()
        try:
            with scratch(f"warroom-bench-{name}-", base) as folder:
                report.figures += suites[name](plan, folder)
        except Exception as error:
            report.errors[name] = f"{type(error).__name__}: {error}"
            say(traceback.format_exc())
        report.seconds[name] = round(time.perf_counter() - started, 1)
        say(f"{name}: done in {report.seconds[name]:.1f} s")
    report.machine["at_end"] = {"load_average": [round(x, 2) for x in os.getloadavg()]}
    return report


def render(report: Report) -> str:
    start = report.machine["at_start"]
    assert isinstance(start, dict)
    end = report.machine["at_end"]
    assert isinstance(end, dict)
    head = (
        f"warroom benchmarks, {report.plan} plan: Python {start['python']}, "
        f"Textual {start['textual']}, {start['cpus']} CPUs, "
        f"load average {start['load_average'][0]} at start, {end['load_average'][0]} at end"
    )
    lines = [head, "", table(report.figures)]
    for name, error in report.errors.items():
        lines.append(f"FAILED {name}: {error}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench", description="warroom benchmarks against same-run baselines"
    )
    parser.add_argument("--quick", action="store_true", help="smaller sizes, fewer runs")
    parser.add_argument("--plan", choices=sorted(PLANS), help="full, quick or tiny (smoke)")
    parser.add_argument(
        "--only", help=f"comma-separated suites to run, of: {', '.join(SUITE_NAMES)}"
    )
    parser.add_argument("--dir", type=Path, help="folder for scratch data (default: temp)")
    parser.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    args = parser.parse_args(argv)
    plan = PLANS[args.plan or ("quick" if args.quick else "full")]
    only = [name.strip() for name in args.only.split(",")] if args.only else None
    unknown = [name for name in only or [] if name not in SUITE_NAMES]
    if unknown:
        parser.error(f"unknown suite {', '.join(unknown)} (choose from {', '.join(SUITE_NAMES)})")
    report = run(plan, only, args.dir, lambda text: print(text, file=sys.stderr, flush=True))
    print(render(report))
    if args.json:
        args.json.write_text(json.dumps(report.as_dict(), indent=2) + "\n", encoding="utf-8")
    return 1 if report.errors else 0
