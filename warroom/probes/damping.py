"""Flap damping: which raw results become a state change worth telling anyone about.

Pure logic, fed one result at a time with the (monotonic) time it arrived:

- A service becomes `down` only after `down_after` consecutive down results; any other
  change (back up, degraded, unknown, maintenance) needs `up_after` consecutive results
  of the new state. The first result sets the state at once, unless it is down.
- While a change is pending (a first failure, a first success after down), `pending` is
  true and the scheduler re-checks at the faster `retry_interval`.
- A service whose raw state changed `flap_changes` times within `flap_window` seconds is
  flapping. While flapping, its state is the worst state seen in the window (an
  up/down/up/down service is down), so it produces one change, not twenty. Flapping ends
  when the window holds fewer than half as many changes, or after `flap_changes`
  identical results in a row; normal damping then takes over again.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from warroom.probes.config import Damping
from warroom.probes.result import ProbeResult, ProbeState


@dataclass(frozen=True)
class Transition:
    """A debounced change of state."""

    state: ProbeState
    previous: ProbeState | None
    reason: str
    result: ProbeResult
    flapping: bool


class Debouncer:
    """The debounced state of one service."""

    def __init__(self, damping: Damping) -> None:
        self.damping = damping
        self.state: ProbeState | None = None
        self.reason = ""
        self.flapping = False
        self.candidate: ProbeState | None = None
        self.streak = 0
        self._last_raw: ProbeState | None = None
        self._changes: deque[float] = deque()
        self._window: deque[tuple[float, ProbeResult]] = deque()

    @property
    def pending(self) -> bool:
        """A change is waiting for confirmation (the scheduler re-checks sooner)."""
        return not self.flapping and self.candidate is not None and self.candidate != self.state

    def observe(self, result: ProbeResult, now: float) -> Transition | None:
        raw = result.state
        self._remember(result, now)
        if raw == self.candidate:
            self.streak += 1
        else:
            self.candidate, self.streak = raw, 1
        self._update_flapping()
        if self.flapping:
            return self._pin_to_worst()
        if raw == self.state:
            self.reason = result.reason
            return None
        needed = self.damping.down_after if raw is ProbeState.DOWN else self.damping.up_after
        if self.state is None and raw is not ProbeState.DOWN:
            needed = 1
        if self.streak < needed:
            return None
        return self._change(raw, result.reason, result)

    def _remember(self, result: ProbeResult, now: float) -> None:
        if self._last_raw is not None and result.state != self._last_raw:
            self._changes.append(now)
        self._last_raw = result.state
        self._window.append((now, result))
        horizon = now - self.damping.flap_window
        while self._changes and self._changes[0] < horizon:
            self._changes.popleft()
        while self._window and self._window[0][0] < horizon:
            self._window.popleft()

    def _update_flapping(self) -> None:
        changes = len(self._changes)
        if not self.flapping:
            self.flapping = changes >= self.damping.flap_changes
        elif changes < (self.damping.flap_changes + 1) // 2 or (
            self.streak >= self.damping.flap_changes
        ):
            self.flapping = False
            self._changes.clear()

    def _pin_to_worst(self) -> Transition | None:
        worst = max(self._window, key=lambda item: (item[1].state.severity, item[0]))[1]
        if worst.state == self.state:
            return None
        reason = (
            f"flapping ({len(self._changes)} changes in {self.damping.flap_window:g} s); "
            f"worst: {worst.reason}"
        )
        return self._change(worst.state, reason, worst)

    def _change(self, state: ProbeState, reason: str, result: ProbeResult) -> Transition:
        previous, self.state, self.reason = self.state, state, reason
        return Transition(state, previous, reason, result, self.flapping)
