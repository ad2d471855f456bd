"""Figure 2: one probe cycle over 500 loopback targets (50 hung), engine against bare httpx.

The measurement is `bench/probe_cycle.py` (written with the probe engine): each round
runs `ProbeEngine.run_once()` and a bare `asyncio.gather` of `httpx` requests with the
same timeout, concurrency cap and connection limits, in alternating order, over the same
targets. Here it is run for the plan's sizes, with the targets served by
`bench.targets` (the same server, in its own process), and once more over the answering
targets only, where per-probe overhead is not hidden by the timeouts.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from bench.plan import Plan
from bench.probe_cycle import measure
from bench.stats import Figure, ratio_at_most
from bench.targets import is_hung, serving


def measure_cycle(plan: Plan, folder: Path) -> list[Figure]:
    del folder  # nothing is written
    figures = []
    with serving(plan.cycle_targets, plan.cycle_hung) as urls:
        answering = [
            url
            for index, url in enumerate(urls)
            if not is_hung(index, plan.cycle_targets, plan.cycle_hung)
        ]
        for label, chosen, goal in (
            (f"{plan.cycle_targets} targets, {plan.cycle_hung} hung", urls, True),
            (f"{len(answering)} answering targets only", answering, False),
        ):
            engine, bare, _states = asyncio.run(
                measure(chosen, plan.cycle_timeout, plan.cycle_concurrency, plan.cycle_rounds)
            )
            (engine_wall, engine_cpu), (bare_wall, bare_cpu) = engine, bare
            figures.append(
                Figure(
                    f"probe cycle: {label} (timeout {plan.cycle_timeout:g} s, "
                    f"concurrency {plan.cycle_concurrency})",
                    engine_wall * 1000,
                    "ms",
                    baseline=bare_wall * 1000,
                    baseline_name="asyncio.gather of httpx",
                    runs=plan.cycle_rounds,
                    goal="ratio <= 1.1" if goal else "",
                    check=ratio_at_most(1.1) if goal else None,
                    note=f"client CPU {engine_cpu * 1000:,.0f} ms vs {bare_cpu * 1000:,.0f} ms",
                )
            )
    return figures
