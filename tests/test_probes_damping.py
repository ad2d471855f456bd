"""Flap damping, fed result by result with explicit times (pure, no I/O)."""

from __future__ import annotations

from warroom.probes.config import Damping
from warroom.probes.damping import Debouncer, Transition
from warroom.probes.result import ProbeResult, ProbeState

UP, DOWN, DEGRADED = ProbeState.UP, ProbeState.DOWN, ProbeState.DEGRADED
UNKNOWN, MAINTENANCE = ProbeState.UNKNOWN, ProbeState.MAINTENANCE


def result(state: ProbeState, reason: str = "") -> ProbeResult:
    return ProbeResult(state, reason or f"raw {state}", latency_ms=1.0)


def feed(
    debouncer: Debouncer, states: list[ProbeState], start: float = 0.0, step: float = 10.0
) -> list[Transition]:
    changes = []
    for n, state in enumerate(states):
        change = debouncer.observe(result(state), start + n * step)
        if change is not None:
            changes.append(change)
    return changes


def test_first_result_sets_the_state_unless_it_is_down() -> None:
    debouncer = Debouncer(Damping())
    [first] = feed(debouncer, [UP])
    assert (first.previous, first.state) == (None, UP)

    failing = Debouncer(Damping())
    assert feed(failing, [DOWN, DOWN]) == []
    assert failing.pending
    [down] = feed(failing, [DOWN], start=20)
    assert (down.previous, down.state) == (None, DOWN)


def test_down_after_three_consecutive_failures_up_after_two_successes() -> None:
    debouncer = Debouncer(Damping(down_after=3, up_after=2))
    feed(debouncer, [UP])
    assert feed(debouncer, [DOWN, DOWN], start=10) == []
    assert debouncer.pending  # the scheduler re-checks sooner
    [down] = feed(debouncer, [DOWN], start=30)
    assert (down.previous, down.state, down.reason) == (UP, DOWN, "raw down")
    assert not debouncer.pending
    assert feed(debouncer, [UP], start=40) == []
    [up] = feed(debouncer, [UP], start=50)
    assert (up.previous, up.state) == (DOWN, UP)


def test_an_interrupted_failure_streak_starts_again() -> None:
    debouncer = Debouncer(Damping(down_after=3, flap_changes=50))
    feed(debouncer, [UP])
    assert feed(debouncer, [DOWN, DOWN, UP, DOWN, DOWN, UP], start=10) == []
    assert debouncer.state is UP


def test_other_changes_need_up_after_results() -> None:
    debouncer = Debouncer(Damping(up_after=2, flap_changes=50))
    feed(debouncer, [UP])
    assert feed(debouncer, [DEGRADED], start=10) == []
    [degraded] = feed(debouncer, [DEGRADED], start=20)
    assert degraded.state is DEGRADED
    [maintenance] = feed(debouncer, [MAINTENANCE, MAINTENANCE], start=30)
    assert maintenance.state is MAINTENANCE
    [unknown] = feed(debouncer, [UNKNOWN, UNKNOWN], start=50)
    assert (unknown.previous, unknown.state) == (MAINTENANCE, UNKNOWN)


def test_a_flapping_service_gives_one_down_and_one_up_not_twenty() -> None:
    debouncer = Debouncer(Damping(down_after=3, up_after=2, flap_changes=5, flap_window=300))
    changes = feed(debouncer, [UP])
    changes += feed(debouncer, [DOWN, UP] * 10, start=10)
    assert debouncer.flapping
    changes += feed(debouncer, [UP] * 6, start=300)
    assert not debouncer.flapping
    assert [(c.previous, c.state) for c in changes] == [(None, UP), (UP, DOWN), (DOWN, UP)]
    assert changes[1].flapping
    assert changes[1].reason.startswith("flapping (5 changes in 300 s); worst: raw down")


def test_flapping_between_up_and_degraded_shows_degraded() -> None:
    debouncer = Debouncer(Damping(flap_changes=4, flap_window=100))
    changes = feed(debouncer, [UP, DEGRADED, UP, DEGRADED, UP, DEGRADED, UP], step=5)
    assert [c.state for c in changes] == [UP, DEGRADED]
    assert debouncer.flapping
    assert not debouncer.pending  # no fast re-checks while flapping


def test_flapping_ends_when_the_window_calms_down() -> None:
    debouncer = Debouncer(Damping(flap_changes=4, flap_window=60, up_after=2))
    feed(debouncer, [UP, DOWN, UP, DOWN, UP], step=5)
    assert debouncer.flapping and debouncer.state is DOWN
    # Long after the window, two calm results: the changes have aged out.
    [up] = feed(debouncer, [UP, UP], start=200)
    assert not debouncer.flapping
    assert up.state is UP and not up.flapping
