"""IncidentRuntime: one open incident, its live state and every rule that runs over time.

The runtime owns the `IncidentSession` (the folded state, kept current from the store)
and the timer scheduler that runs the registered timed rules. Front ends subscribe to its
typed messages (`warroom.runtime.messages`) and call it; it never imports Textual, so the
console, `warroom watch` and the headless drill run the same behaviour.

`run()` follows the store (events written elsewhere) and runs the scheduler until
cancelled; a store that fails is reported and followed again. Events this process writes
are handed to `absorb`, which folds them, tells subscribers and wakes the scheduler.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from datetime import datetime

from warroom.model.events import Event, EventKind, utc_now
from warroom.model.incident import IncidentState
from warroom.model.severity import SeverityLadder
from warroom.model.text import inert
from warroom.model.timed import Deadline, TimedRule
from warroom.runtime.messages import (
    DeadlineFired,
    NextDeadline,
    RuntimeMessage,
    RuntimeProblem,
    StateChanged,
)
from warroom.runtime.scheduler import TimerScheduler
from warroom.services.incidents import IncidentService
from warroom.services.session import IncidentSession

FOLLOW_RETRY_SECONDS = 2.0

Listener = Callable[[RuntimeMessage], None]


class IncidentRuntime:
    """The behaviour of one open incident, shared by every front end."""

    def __init__(
        self,
        session: IncidentSession,
        rules: Sequence[TimedRule] = (),
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.session = session
        self.clock = clock
        self._listeners: list[Listener] = []
        self.scheduler = TimerScheduler(
            rules,
            lambda: self.session.state,
            self._fire,
            clock,
            can_fire=lambda: not self.service.read_only,
            on_next=lambda deadline: self._emit(NextDeadline(deadline)),
            report=lambda text: self._emit(RuntimeProblem(text)),
        )

    # What the runtime holds ------------------------------------------------------------

    @property
    def service(self) -> IncidentService:
        return self.session.service

    @property
    def incident_id(self) -> str:
        return self.session.incident_id

    @property
    def state(self) -> IncidentState:
        return self.session.state

    @property
    def ladder(self) -> SeverityLadder:
        return self.session.ladder

    @property
    def rules(self) -> list[TimedRule]:
        return self.scheduler.rules

    def next_deadline(self) -> Deadline | None:
        return self.scheduler.next_deadline()

    # Messages --------------------------------------------------------------------------

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call `listener` with every message from now on; returns the unsubscribe."""
        self._listeners.append(listener)

        def unsubscribe() -> None:
            with contextlib.suppress(ValueError):
                self._listeners.remove(listener)

        return unsubscribe

    async def messages(self) -> AsyncIterator[RuntimeMessage]:
        """Every message from now on, as an async stream (for loops like `watch`)."""
        queue: asyncio.Queue[RuntimeMessage] = asyncio.Queue()
        unsubscribe = self.subscribe(queue.put_nowait)
        try:
            while True:
                yield await queue.get()
        finally:
            unsubscribe()

    def _emit(self, message: RuntimeMessage) -> None:
        for listener in list(self._listeners):
            listener(message)

    # Events ----------------------------------------------------------------------------

    def absorb(self, events: Iterable[Event]) -> list[Event]:
        """Fold new events (ours or anyone's), tell subscribers, look at the rules again."""
        fresh = self.session.absorb(events)
        if fresh:
            self._announce(fresh)
        return fresh

    def _announce(self, fresh: list[Event]) -> None:
        """Tell subscribers about events just folded into the state."""
        self._emit(StateChanged(tuple(fresh)))
        for event in fresh:
            if event.kind is EventKind.TIMER_FIRED:
                fired = DeadlineFired.from_event(event)
                first = self.state.fired_timers.get(fired.key)
                if first is not None and first.id == event.id:  # a second firing: ignored
                    self._emit(fired)
        self.scheduler.wake()

    async def _fire(self, deadline: Deadline) -> bool:
        event = await self.service.timer_fired(self.incident_id, deadline)
        if event is None:
            return False
        self.absorb([event])
        return True

    async def fire_due(self) -> list[Deadline]:
        """Fire what is due now (the scheduler does it by itself; tests call it)."""
        return await self.scheduler.fire_due()

    def wake(self) -> None:
        """Look at the rules again (the clock moved, a setting changed)."""
        self.scheduler.wake()

    # Running ---------------------------------------------------------------------------

    async def follow(self) -> None:
        """Absorb events written elsewhere; a failing store is reported and retried."""
        while True:
            try:
                await self.session.follow(self._announce)
                return
            except asyncio.CancelledError:
                raise
            except Exception as error:  # the runtime must outlive any store trouble
                self._emit(
                    RuntimeProblem(f"Live updates interrupted ({inert(str(error))}); retrying")
                )
                await self.session.close()
                await asyncio.sleep(FOLLOW_RETRY_SECONDS)

    async def run_timers(self) -> None:
        await self.scheduler.run()

    async def run(self) -> None:
        """Follow the store and run the timed rules until cancelled."""
        async with asyncio.TaskGroup() as group:
            group.create_task(self.follow())
            group.create_task(self.run_timers())

    async def close(self) -> None:
        await self.session.close()
