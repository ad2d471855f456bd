"""IncidentRuntime: one open incident, its live state and every rule that runs over time.

The runtime owns the `IncidentSession` (the folded state, kept current from the store)
and the timer scheduler that runs the registered timed rules. Front ends subscribe to its
typed messages (`warroom.runtime.messages`) and call it; it never imports Textual, so the
console, `warroom watch` and the headless drill run the same behaviour.

`run()` follows the store (events written elsewhere) and runs the scheduler until
cancelled; a store that fails is reported and followed again. Events this process writes
are handed to `absorb`, which folds them, tells subscribers and wakes the scheduler.
Probe changes come in through `probe_changed` (the console's probe thread, `watch` and
the drill's engine alike) and are written by the one rule of `probe_changes`.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING

from warroom.model.escalation import EscalationRule
from warroom.model.events import Event, EventKind, utc_now
from warroom.model.incident import IncidentState
from warroom.model.severity import SeverityLadder
from warroom.model.text import inert
from warroom.model.timed import Deadline, TimedRule
from warroom.probes.change import StateChange
from warroom.redact import redact_text
from warroom.runtime.delivery import Delivery, drain_outbox
from warroom.runtime.export import write_export
from warroom.runtime.live_probes import LiveProbe, steps_done, with_live_probes
from warroom.runtime.messages import (
    DeadlineFired,
    NextDeadline,
    RuntimeMessage,
    RuntimeProblem,
    StateChanged,
)
from warroom.runtime.probe_changes import ProbeChangeWriter
from warroom.runtime.scheduler import TimerScheduler
from warroom.services.incidents import IncidentError, IncidentService
from warroom.services.session import IncidentSession
from warroom.store.base import StoreError
from warroom.store.leases import HeldLease, Lease

if TYPE_CHECKING:  # the engine brings httpx and asyncpg: the console runs it in a worker
    from warroom.probes.remote import RemoteEngine
    from warroom.probes.scheduler import ProbeEngine

FOLLOW_RETRY_SECONDS = 2.0

Listener = Callable[[RuntimeMessage], None]


class MessageStream:
    """A runtime's messages as an async iterator, subscribed from its creation."""

    def __init__(self, runtime: IncidentRuntime) -> None:
        self._queue: asyncio.Queue[RuntimeMessage] = asyncio.Queue()
        self._unsubscribe = runtime.subscribe(self._queue.put_nowait)

    def __aiter__(self) -> MessageStream:
        return self

    async def __anext__(self) -> RuntimeMessage:
        return await self._queue.get()

    async def aclose(self) -> None:
        self._unsubscribe()


class IncidentRuntime:
    """The behaviour of one open incident, shared by every front end."""

    def __init__(
        self,
        session: IncidentSession,
        rules: Sequence[TimedRule] = (),
        clock: Callable[[], datetime] = utc_now,
        lease: Lease | None = None,
    ) -> None:
        self.session = session
        self.clock = clock
        self._listeners: list[Listener] = []
        # The data folder's outbox (warroom.delivery.worker.Delivery), drained by `run`.
        self.delivery: Delivery | None = None
        self.probes = ProbeChangeWriter(
            session.service,
            session.incident_id,
            lambda: self.session.state,
            self.absorb,
            lease or HeldLease(),
        )
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

    def draft_state(self, live: Iterable[LiveProbe]) -> IncidentState:
        """The state drafts are rendered from: live probe results stand in for services
        the timeline has no probe event of, or an older one (pending and stale rows say
        nothing and are left out)."""
        return with_live_probes(self.state, live)

    def steps_done(self, scenario_id: str) -> int:
        """How many steps of the scenario are ticked (the checklist pane's title)."""
        return steps_done(self.state, scenario_id)

    def export(
        self,
        folder: Path,
        zone: tzinfo | None,
        zone_name: str | None,
        fmt: str = "md",
        escalation_rules: Sequence[EscalationRule] | None = None,
    ) -> Path:
        """Write the post-mortem into `folder`, named as `warroom export -o DIR` names it."""
        return write_export(
            folder, self.state, self.ladder, self.clock(), zone, zone_name, fmt, escalation_rules
        )

    # Messages --------------------------------------------------------------------------

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call `listener` with every message from now on; returns the unsubscribe."""
        self._listeners.append(listener)

        def unsubscribe() -> None:
            with contextlib.suppress(ValueError):
                self._listeners.remove(listener)

        return unsubscribe

    def messages(self) -> MessageStream:
        """Every message from this call on, as an async stream (`aclose()` ends it)."""
        return MessageStream(self)

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

    # Probes ----------------------------------------------------------------------------

    async def probe_changed(self, change: StateChange) -> Event | None:
        """A debounced probe change: into the timeline by the one rule, when this process
        holds the incident's probe lease (`probe_changes`). A store error is reported."""
        written = await self.probe_changes([change])
        return written[0] if written else None

    async def probe_changes(self, changes: Sequence[StateChange]) -> list[Event]:
        """A burst of debounced probe changes, in order, written in one append (one fsync)
        and absorbed together (one StateChanged). A store error is reported."""
        try:
            return await self.probes.changed_many(changes)
        except (StoreError, IncidentError, OSError) as error:
            self._emit(
                RuntimeProblem(f"Could not record a probe change: {redact_text(str(error))}")
            )
            return []

    async def run_probes(
        self,
        engine: ProbeEngine | RemoteEngine,
        seen: Callable[[StateChange], None] = lambda change: None,
    ) -> None:
        """Feed `engine`'s changes to `probe_changed` until cancelled (`watch`, drill; the
        engine in this process or in a worker); `seen` is told of each change first."""
        async for change in engine.changes():
            burst = [change, *engine.pending_changes()]  # what came together: one append
            for each in burst:
                seen(each)
            await self.probe_changes(burst)

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
            group.create_task(self.probes.keep_lease(lambda text: self._emit(RuntimeProblem(text))))
            if self.delivery is not None and not self.service.read_only:  # the outbox
                group.create_task(drain_outbox(self.delivery, self.incident_id, self.absorb))

    async def close(self) -> None:
        await self.probes.close()
        await self.session.close()
