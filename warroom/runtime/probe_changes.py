"""Probe change -> timeline: the one rule, and the writer that applies it once per incident.

The rule (`worth_recording`): a debounced change of a service is written to the incident
unless the incident already says that state (a restart, or another console wrote it),
or it is a first "up" of a service the incident knows nothing of (nobody learns anything
from it). The event is backdated to when the probe saw it, its reason has secrets masked
(the service masks every payload too).

On a shared incident one process writes probe changes: the holder of a lease
(`warroom.store.leases`, an advisory lock on PostgreSQL). The others keep the latest
change of every service; when one takes the lease over (the holder died or quit), it
writes what the incident is missing, so a change seen while nobody held the lease is
not lost.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Sequence

from warroom.model.events import Event
from warroom.model.incident import IncidentState
from warroom.probes.change import StateChange
from warroom.probes.result import ProbeState
from warroom.redact import redact_text
from warroom.services.incidents import IncidentService
from warroom.store.leases import Lease

LEASE_RETRY_SECONDS = 3.0
"""How often a process that does not hold the lease tries to take it (and the holder
checks it still holds it): with a killed holder, the takeover takes at most this long."""


def worth_recording(change: StateChange, state: IncidentState) -> bool:
    """The rule: whether `change` should become a timeline event of `state`'s incident."""
    return _worth(change, state.probe_states.get(change.service, {}).get("state"))


def worth_recording_all(changes: Iterable[StateChange], state: IncidentState) -> list[StateChange]:
    """The rule over a burst, in order: each change judged against what the incident says
    once the ones before it are written (a service down then up again: both)."""
    said: dict[str, object] = {}
    found = []
    for change in changes:
        name = change.service
        known = said[name] if name in said else state.probe_states.get(name, {}).get("state")
        if _worth(change, known):
            found.append(change)
            said[name] = str(change.state)
    return found


def _worth(change: StateChange, known: object) -> bool:
    if known == str(change.state):
        return False  # the timeline says so already
    return not (change.previous is None and known is None and change.state is ProbeState.UP)


class ProbeChangeWriter:
    """Writes probe changes into one incident while it holds the lease."""

    def __init__(
        self,
        service: IncidentService,
        incident_id: str,
        state: Callable[[], IncidentState],
        absorb: Callable[[list[Event]], object],
        lease: Lease,
    ) -> None:
        self.service = service
        self.incident_id = incident_id
        self._state = state
        self._absorb = absorb
        self.lease = lease
        self.latest: dict[str, StateChange] = {}
        self.holding = False
        self._behind = False  # a catch-up failed: try it again while holding the lease
        self._seen = asyncio.Event()
        self._lock = asyncio.Lock()

    async def changed_many(self, changes: Sequence[StateChange]) -> list[Event]:
        """A burst of debounced changes, in order: those the rule keeps are written in
        one append (one fsync) when this process holds the lease. Store errors raise."""
        for change in changes:
            self.latest[change.service] = change
        if changes:
            self._seen.set()
        if self.service.read_only or not worth_recording_all(changes, self._state()):
            return []
        async with self._lock:
            was_holding, self.holding = self.holding, await self.lease.acquire()
            if not self.holding:
                return []
            written = await self._write(worth_recording_all(changes, self._state()))
            if not was_holding:  # just took the lease: what did the incident miss?
                written += await self._catch_up()
            return written

    async def _write(self, changes: list[StateChange]) -> list[Event]:
        events = []
        for change in changes:
            payload = change.payload()
            events.append(
                self.service.probe_change_event(
                    self.incident_id,
                    service=payload["service"],
                    probe_kind=payload["probe_kind"],
                    state=payload["state"],
                    previous=payload["previous"],
                    reason=redact_text(payload["reason"]),
                    latency_ms=payload["latency_ms"],
                    at=change.observed_at,
                )
            )
        if not events:
            return []
        await self.service.record_all(events)
        self._absorb(events)
        return events

    async def catch_up(self) -> list[Event]:
        """Write the latest change of every service the incident does not show yet."""
        async with self._lock:
            return await self._catch_up()

    async def _catch_up(self) -> list[Event]:
        return await self._write(worth_recording_all(list(self.latest.values()), self._state()))

    async def keep_lease(self, report: Callable[[str], None]) -> None:
        """Until cancelled, once probes report: check the lease every
        LEASE_RETRY_SECONDS; on taking it over, write what the incident missed."""
        await self._seen.wait()
        while True:
            if not self.service.read_only:
                try:
                    async with self._lock:
                        held = await self.lease.check() or await self.lease.acquire()
                        taken_over, self.holding = held and not self.holding, held
                        if held and (taken_over or self._behind):
                            self._behind = True
                            await self._catch_up()
                            self._behind = False
                except Exception as error:  # the store or the lock is away: next round
                    report(f"Could not record probe changes: {redact_text(str(error))}")
            await asyncio.sleep(LEASE_RETRY_SECONDS)

    async def close(self) -> None:
        await self.lease.release()
        self.holding = False
