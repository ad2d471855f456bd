"""Every shipped drill over 200 seeds each (pure scheduling, no fleet: fast).

For each drill and seed: an effect never comes before its cause (nor less than
`CAUSE_GAP` after it); only the steps the script names set off a recovery; and the
report matches each fault and recovery to the probe change it caused. The probe changes
are made up here the way the real probes word them (the vendor's through the real
Statuspage judge on the drill's own vendor page), with seeded detection delays that
often land a fault's change after the next fault was applied (the case the old report
got wrong), and a state the next action replaced before the probes saw it is not seen.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from warroom.drill.journal import FAULT, RECOVERY, Journal
from warroom.drill.library import load_drills
from warroom.drill.report import detections
from warroom.drill.script import CAUSE_GAP, RECOVERY_KIND, DrillScript, plan
from warroom.drill.vendor_page import VendorPage
from warroom.model.events import Event, EventKind, format_utc, new_event
from warroom.probes.statuspage import judge_summary
from warroom.scenarios.loader import load_scenarios

SEEDS = range(200)
SPEED = 4.0
OBSERVE = 0.25
"""Seconds a state must last for the probes to observe it."""
T0 = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
SCRIPTS = load_drills().all()
CATALOGUE = load_scenarios(include_user=False)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


class ProbeDouble:
    """What the real probes would report for one service, worded as they word it."""

    def __init__(self) -> None:
        self.http: dict[str, dict[str, Any]] = {}
        self.vendor = VendorPage()
        self.pool, self.lock = 0.0, False

    def apply(self, service: str, changes: dict[str, Any]) -> None:
        if service == "vendor":
            self.vendor.apply(changes)
        elif service == "db":
            self.pool = float(changes.get("pool", self.pool))
            self.lock = bool(changes.get("lock", self.lock))
        else:
            self.http.setdefault(service, {"status": 200, "latency_ms": 15}).update(
                {k: v for k, v in changes.items() if k in ("status", "latency_ms")}
            )

    def result(self, service: str) -> tuple[str, str]:
        if service == "vendor":
            judged = judge_summary(self.vendor.summary())
            return str(judged.state), judged.reason
        if service == "db":
            if self.pool >= 1.0:
                return "down", "too many clients: remaining connection slots are reserved"
            if self.pool >= 0.8:
                return "degraded", f"pool {self.pool:.0%} >= 80% (15/17 connections)"
            if self.lock:
                return (
                    "degraded",
                    "1 session idle in transaction > 5 s; 2 sessions blocked by others",
                )
            return "up", "SELECT 1 in 4 ms, pool 6% (1/17)"
        state = self.http.get(service, {"status": 200, "latency_ms": 15})
        if not 200 <= state["status"] < 300:
            return "down", f"status {state['status']}, expected 2xx"
        if state["latency_ms"] >= 600:
            return "degraded", f"latency {state['latency_ms']:.0f} ms >= 600 ms"
        return "up", f"status 200 in {state['latency_ms']:.0f} ms"


def same(one: tuple[str, str], other: tuple[str, str]) -> bool:
    """The same state and reason, latency figures aside."""
    return one[0] == other[0] and one[1].split(" in ")[0] == other[1].split(" in ")[0]


def play_out(script: DrillScript, seed: int):  # type: ignore[no-untyped-def]
    """The runner's rules, replayed on a made-up clock: (journal, probe events, expected),
    where expected maps a journal entry's index to the probe event it caused (or None)."""
    rng = random.Random(seed)
    planned = plan(script, seed, SPEED)
    end = max(p.offset for p in planned) + 5
    # Half the runs tick something: a step that fixes it, or any other step of any scenario.
    tick: tuple[float, str, str] | None = None
    if rng.random() < 0.5:
        scenario = rng.choice(CATALOGUE.all())
        step = rng.choice(list(scenario.steps()))
        tick = (rng.uniform(0, end), scenario.id, step.id)
    elif script.on_tick and rng.random() < 0.8:
        rule = rng.choice(script.on_tick)
        scenario_id, _, step_id = rng.choice(rule.steps).partition("/")
        tick = (rng.uniform(0, end), scenario_id, step_id)
    actions: list[tuple[float, str, Any, dict[str, Any]]] = []  # (time, kind, service, detail)
    called_off: set[int] = set()
    fired = [r for r in script.on_tick if tick and r.matches(tick[1], tick[2])]
    for rule in fired[:1]:
        assert tick is not None
        fixed = {action.service for action in rule.then}
        for item in planned:
            late = item.offset > tick[0] and item.kind != RECOVERY_KIND
            if (late and item.action.service in fixed) or item.cause in called_off:
                called_off.add(item.index)
        for action in rule.then:
            detail = {"changes": dict(action.changes), "tick_at": format_utc(at(tick[0]))}
            actions.append((tick[0] + rule.delay / SPEED, RECOVERY, action.service, detail))
    for item in planned:
        if item.index not in called_off:
            kind = RECOVERY if item.kind == RECOVERY_KIND else FAULT
            actions.append(
                (item.offset, kind, item.action.service, {"changes": dict(item.action.changes)})
            )
    actions.sort(key=lambda a: a[0])
    journal = Journal()
    entries = [
        journal.add(kind, service, "x", at=at(t), **detail) for t, kind, service, detail in actions
    ]
    # The probes: each service's result after each action, seen after a delay unless the
    # service's next action came first.
    double = ProbeDouble()
    shown = {s: double.result(s) for s in ("api", "web", "webhooks", "vendor", "db")}
    events: list[Event] = []
    expected: dict[int, Event | None] = {}
    applied = dict(shown)
    last_seen: dict[str, float] = {}
    for index, (t, _, service, detail) in enumerate(actions):
        double.apply(service, detail["changes"])
        result = double.result(service)
        later = [a[0] for a in actions[index + 1 :] if a[2] == service]
        # Seen if the probes had a moment to observe it before the next action; recorded
        # up to 2 s later (damping), often after the next action was applied.
        seen_at = max(t + rng.uniform(0.3, 2.0), last_seen.get(service, 0) + 0.01)
        if same(result, applied[service]):
            continue  # nothing the probes can tell apart
        applied[service] = result
        if same(result, shown[service]) or (later and later[0] <= t + OBSERVE):
            expected[index] = None  # no change to see, or replaced before the probes saw it
            continue
        previous = shown[service][0]
        shown[service] = result
        last_seen[service] = seen_at
        event = new_event(
            "DRILL-20261130-1",
            EventKind.PROBE_STATE_CHANGED,
            "ana",
            {"service": service, "state": result[0], "previous": previous, "reason": result[1]},
            now=at(seen_at),
        )
        events.append(event)
        expected[index] = event
    events.sort(key=lambda e: e.at)
    return journal, entries, events, expected, fired


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda s: s.id)
def test_causes_come_first_only_named_steps_fix_and_the_report_matches(script) -> None:  # type: ignore[no-untyped-def]
    named = script.fix_steps
    for scenario in CATALOGUE.all():  # every step of every shipped scenario
        for step in scenario.steps():
            fixes = any(rule.matches(scenario.id, step.id) for rule in script.on_tick)
            assert fixes == (f"{scenario.id}/{step.id}" in named), f"{scenario.id}/{step.id}"
    mismatches = []
    for seed in SEEDS:
        planned = plan(script, seed, SPEED)
        by_index = {item.index: item for item in planned}
        assert planned == plan(script, seed, SPEED)
        assert min(item.offset for item in planned) >= 0
        for item in planned:
            if item.cause is not None:
                cause = by_index[item.cause]
                assert item.offset >= cause.offset + CAUSE_GAP / SPEED - 1e-9
                assert planned.index(item) > planned.index(cause)
        journal, entries, events, expected, fired = play_out(script, seed)
        # a recovery set off by a tick exactly when a named step was ticked
        assert bool(fired) == any(e.detail.get("tick_at") for e in entries)
        found = detections(journal.of_kind(FAULT, RECOVERY), events)
        for index, detection in enumerate(found):
            if index not in expected:
                assert not detection.visible, (seed, detection)
                continue
            want = expected[index]
            got = detection.seen
            if (want.id if want else None) != (got.id if got else None):
                mismatches.append((seed, entries[index].service, want, got))
    assert mismatches == []
