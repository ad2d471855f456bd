"""The timer scheduler: runs the registered timed rules and fires each passed deadline once.

It sleeps until the soonest pending deadline (at most `MAX_WAIT` seconds, so a clock
that jumps, a laptop waking up, is noticed) or until `wake()` says the state changed,
then fires what is due through `fire` (which writes the `timer_fired` event with an id
derived from the incident and the key, stored once whoever writes it). A deadline this
console lost to another (`fire` returned False) is not tried again: the winner's event
arrives through the store. A rule that raises is reported once and skipped; a store that
refuses is retried after `RETRY_SECONDS`.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from warroom.model.incident import IncidentState
from warroom.model.text import inert
from warroom.model.timed import Deadline, TimedRule, pending

MAX_WAIT = 30.0
"""The longest sleep between two looks at the rules (seconds)."""
RETRY_SECONDS = 5.0
"""After a failed write, how long before the scheduler tries again."""
EARLY_TOLERANCE = 0.005
"""A timer may wake this early (seconds); the loop then sleeps again briefly."""


@dataclass
class _Guarded:
    """A rule whose errors are reported once instead of stopping every other rule."""

    rule: TimedRule
    report: Callable[[str], None]
    failed: bool = False

    @property
    def name(self) -> str:
        return self.rule.name

    def deadlines(self, state: IncidentState, now: datetime) -> Iterable[Deadline]:
        try:
            return list(self.rule.deadlines(state, now))
        except Exception as error:  # a rule's bug must not silence the other rules
            if not self.failed:
                self.failed = True
                self.report(f"Timed rule {self.rule.name} failed: {inert(str(error))}")
            return []


class TimerScheduler:
    """Fires the deadlines of `rules` over the state `state()` returns."""

    def __init__(
        self,
        rules: Sequence[TimedRule],
        state: Callable[[], IncidentState],
        fire: Callable[[Deadline], Awaitable[bool]],
        clock: Callable[[], datetime],
        *,
        can_fire: Callable[[], bool] = lambda: True,
        on_next: Callable[[Deadline | None], None] = lambda deadline: None,
        report: Callable[[str], None] = lambda text: None,
    ) -> None:
        self.rules: list[TimedRule] = [_Guarded(rule, report) for rule in rules]
        self._state = state
        self._fire = fire
        self._clock = clock
        self._can_fire = can_fire
        self._on_next = on_next
        self._report = report
        self._wake = asyncio.Event()
        self._lost: set[str] = set()
        self._retry_at: datetime | None = None
        self._shown_next: Deadline | None = None
        self._busy = asyncio.Lock()
        # The pending deadlines last read, with the state they were read from (its identity
        # and event count): a pass reads the rules once, not once to fire and again for
        # the next deadline, unless firing changed the state.
        self._read: tuple[int, int, list[Deadline]] | None = None

    def wake(self) -> None:
        """Look at the rules again now (the state changed, or the clock was moved)."""
        self._wake.set()

    def next_deadline(self) -> Deadline | None:
        """The soonest pending deadline still ahead."""
        now = self._clock()
        return next((d for d in self._pending(now) if not d.passed(now)), None)

    def _pending(self, now: datetime) -> list[Deadline]:
        state = self._state()
        read = self._read
        if read is not None and read[0] == id(state) and read[1] == len(state.events):
            return [d for d in read[2] if d.key not in state.fired_timers]
        found = pending(self.rules, state, now)
        self._read = (id(state), len(state.events), found)
        return found

    async def fire_due(self) -> list[Deadline]:
        """Fire every deadline due now (not yet fired, not lost to another console)."""
        async with self._busy:
            self._read = None  # the rules are read afresh once per pass
            now = self._clock()
            if not self._can_fire() or (self._retry_at is not None and now < self._retry_at):
                return []
            fired = []
            due = [deadline for deadline in self._pending(now) if deadline.passed(now)]
            for deadline in due:
                if deadline.key in self._lost:
                    continue
                try:
                    won = await self._fire(deadline)
                except Exception as error:  # the store refused or is away: try again later
                    self._retry_at = now + timedelta(seconds=RETRY_SECONDS)
                    self._report(
                        f"Could not record {deadline.rule} ({inert(str(error))}); retrying"
                    )
                    break
                self._retry_at = None
                if won:
                    fired.append(deadline)
                else:
                    self._lost.add(deadline.key)
            return fired

    def _show_next(self) -> Deadline | None:
        upcoming = self.next_deadline()
        if upcoming != self._shown_next:
            self._shown_next = upcoming
            self._on_next(upcoming)
        return upcoming

    def _delay(self, upcoming: Deadline | None) -> float:
        now = self._clock()
        delay = MAX_WAIT
        if upcoming is not None:
            delay = min(delay, (upcoming.at - now).total_seconds())
        if self._retry_at is not None:
            delay = min(delay, (self._retry_at - now).total_seconds())
        return max(delay, EARLY_TOLERANCE)

    async def run(self) -> None:
        """Fire what is due, sleep until the next deadline or a wake-up; until cancelled."""
        while True:
            self._wake.clear()
            await self.fire_due()
            upcoming = self._show_next()
            # asyncio.timeout, not wait_for: on Python 3.11 wait_for drops a cancellation
            # that comes as the event is set (a probe change woke us as Ctrl-C came), and
            # this loop then never ends (`warroom watch` did not stop).
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self._delay(upcoming)):
                    await self._wake.wait()
