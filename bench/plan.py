"""How big and how many: the sizes and run counts of a full run, `--quick` and the smoke test.

The full plan is what the issue asks for (and what docs/benchmarks.md reports). `quick`
keeps every figure but smaller and with fewer runs, for a look in a minute or two.
`tiny` only proves the machinery works (the smoke test uses it); its figures mean little.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Plan:
    name: str
    # 1. start-up: a fresh console process to its first full frame
    startup_services: int = 20
    startup_events: int = 10_000
    startup_runs: int = 9
    # 2. probe cycle (bench/probe_cycle.py) and 3. responsiveness
    cycle_targets: int = 500
    cycle_hung: int = 50
    cycle_timeout: float = 1.0
    cycle_concurrency: int = 50
    cycle_rounds: int = 7
    # 2b. probe cycle at scale (bench/cycle.py): one origin, and spread over origins
    scale_services: int = 2_000
    scale_origins: int = 200
    scale_timeout: float = 5.0
    scale_rounds: int = 3
    presses: int = 200
    responsiveness_services: int = 2_000
    responsiveness_events: int = 10_000
    # 4. big incident
    big_events: int = 100_000
    big_runs: int = 5
    render_runs: int = 5
    # 4b. `warroom incidents` over many big incidents
    incidents_count: int = 1_000
    incidents_events: int = 10_000
    incidents_sample: int = 20
    incidents_runs: int = 3
    # 5. append
    appends: int = 500
    append_runs: int = 5
    # 6. memory: the console with many services and a big incident
    memory_services: int = 500
    memory_hung: int = 50
    memory_events: int = 100_000
    memory_runs: int = 3
    memory_hold: float = 6.0  # seconds after the first frame (every service probed once)
    delivery_sends: int = 50
    runbook_bytes: int = 1_000_000
    runbook_runs: int = 5
    # seconds a launched console may take to show its first frame
    launch_timeout: float = 120.0
    # launch each program once before the measured runs (caches)
    warm_up: bool = True


FULL = Plan("full")

QUICK = Plan(
    "quick",
    startup_runs=3,
    cycle_targets=200,
    cycle_hung=20,
    cycle_timeout=0.5,
    cycle_rounds=3,
    scale_services=500,
    scale_origins=50,
    scale_rounds=1,
    presses=60,
    responsiveness_services=500,
    responsiveness_events=2_000,
    big_events=20_000,
    big_runs=3,
    incidents_count=200,
    incidents_events=2_000,
    incidents_sample=10,
    incidents_runs=3,
    render_runs=3,
    appends=100,
    append_runs=3,
    memory_services=100,
    memory_hung=10,
    memory_events=20_000,
    memory_runs=1,
    runbook_runs=3,
)

TINY = Plan(
    "tiny",
    startup_services=3,
    startup_events=50,
    startup_runs=1,
    cycle_targets=12,
    cycle_hung=2,
    cycle_timeout=0.2,
    cycle_concurrency=5,
    cycle_rounds=1,
    scale_services=20,
    scale_origins=4,
    scale_timeout=2.0,
    scale_rounds=1,
    presses=6,
    responsiveness_services=12,
    responsiveness_events=50,
    big_events=300,
    big_runs=1,
    incidents_count=5,
    incidents_events=20,
    incidents_sample=2,
    incidents_runs=1,
    render_runs=1,
    appends=10,
    append_runs=1,
    memory_services=4,
    memory_hung=1,
    memory_events=300,
    memory_runs=1,
    memory_hold=0.5,
    runbook_bytes=20_000,
    runbook_runs=1,
    delivery_sends=2,
    launch_timeout=30.0,
    warm_up=False,
)

PLANS = {plan.name: plan for plan in (FULL, QUICK, TINY)}
