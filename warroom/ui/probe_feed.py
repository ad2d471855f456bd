"""The real probe feed: the `warroom.probes` engine, adapted to what the console shows."""

from __future__ import annotations

import asyncio
import contextlib
import sys
import threading
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import UTC, datetime

from warroom.config import Config, ConfigError
from warroom.probes.config import ServiceSpec, parse_services
from warroom.probes.scheduler import ProbeEngine, ServiceStatus
from warroom.probes.shown import ShownState
from warroom.ui.feed import FixedProbeFeed, ProbeFeed, StateChange
from warroom.ui.panes.status import ServiceRow

REFRESH_SECONDS = 0.5
GIL_SWITCH_SECONDS = 0.0005


def row_of(status: ServiceStatus, now: datetime) -> ServiceRow:
    """One service's status as a pane row (worst states sort first in `rows`)."""
    last = status.last
    state = ShownState.of(status.state or (last.state if last is not None else None))
    reason = last.reason if last else "waiting for the first result"
    if last is not None and status.state is not None and last.state != status.state:
        reason = f"{reason} (confirming {last.state})"
    recent = tuple(
        f"{r.observed_at.astimezone(UTC):%H:%M:%S}  {r.state!s:<11} "
        f"{'-' if r.latency_ms is None else f'{r.latency_ms:.0f}ms':>8}  {r.reason}"
        for r in reversed(status.history[-10:])
    )
    return ServiceRow(
        name=status.name,
        kind=status.kind,
        state=state,
        reason=reason,
        latency_ms=last.latency_ms if last else None,
        history_ms=tuple(status.latencies),
        age_s=(now - last.observed_at).total_seconds() if last else None,
        stale=status.stale,
        flapping=status.flapping,
        detail=dict(last.detail) if last else {},
        recent=recent,
    )


Built = dict[str, tuple[tuple[int, bool], ServiceRow, datetime | None]]


def snapshot_rows(engine: ProbeEngine, built: Built, now: datetime) -> list[ServiceRow]:
    """Every service's row, worst first. A row is built again (status snapshot, recent
    results formatted) only when its service ran or went stale since `built` was filled;
    otherwise only its age moves. With 2,000 services, rebuilding every row twice a
    second took the probe thread's share of the interpreter from the console."""
    rows = []
    for name, version in engine.versions().items():
        known = built.get(name)
        if known is None or known[0] != version:
            status = engine.status(name)
            row = row_of(status, now)
            built[name] = (version, row, status.last.observed_at if status.last else None)
        else:
            row, observed_at = known[1], known[2]
            if observed_at is not None:
                row = replace(row, age_s=(now - observed_at).total_seconds())
        rows.append(row)
    return sorted(rows, key=lambda r: (r.shown.rank, r.name))


class EngineFeed:
    """Runs a `ProbeEngine` on its own thread and event loop for the console's lifetime.

    On the console's loop, a frame being drawn holds everything else up for a while; a
    probe measured there would count that wait as the service's latency (and call a
    healthy service degraded). On a loop of its own the probes time only the network,
    and their work never delays a key press. Rows are snapshotted on the probe thread
    and read here as one list; changes are handed to the console's loop in order.
    """

    def __init__(self, specs: list[ServiceSpec]) -> None:
        self.specs = specs
        self.engine: ProbeEngine | None = None
        self._rows: list[ServiceRow] = [
            ServiceRow(name=spec.name, kind=spec.kind, state=ShownState.PENDING, reason="starting")
            for spec in specs
        ]
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None

    def rows(self) -> list[ServiceRow]:
        return self._rows

    def recheck(self, name: str | None = None) -> None:
        if self._loop is not None and self.engine is not None:
            self._loop.call_soon_threadsafe(self.engine.run_now, name)

    def idle(self) -> bool:
        """No probe running right now (benchmarks use it)."""
        engine = self.engine
        return engine is not None and not engine.busy()

    async def run(
        self,
        on_rows: Callable[[], None],
        on_change: Callable[[StateChange], Awaitable[None]],
    ) -> None:
        console_loop = asyncio.get_running_loop()
        failure: list[BaseException] = []

        def probe_thread() -> None:
            try:
                asyncio.run(self._probe(console_loop, on_change))
            except BaseException as error:  # reported on the console's side
                failure.append(error)

        thread = threading.Thread(target=probe_thread, name="warroom-probes", daemon=True)
        # A busy probe thread holds the interpreter for up to the switch interval (5 ms)
        # each time the console's thread wants it back, several times per frame; 0.5 ms
        # took the median key press while probing 2,000 services from 73 to 46 ms.
        switch = sys.getswitchinterval()
        sys.setswitchinterval(min(switch, GIL_SWITCH_SECONDS))
        thread.start()
        try:
            while thread.is_alive():
                on_rows()
                await asyncio.sleep(REFRESH_SECONDS)
            if failure:
                raise failure[0]
        finally:
            loop, stop = self._loop, self._stop
            if loop is not None and stop is not None and not loop.is_closed():
                with contextlib.suppress(RuntimeError):
                    loop.call_soon_threadsafe(stop.set)
            await asyncio.to_thread(thread.join, 10)
            sys.setswitchinterval(switch)

    async def _probe(
        self,
        console_loop: asyncio.AbstractEventLoop,
        on_change: Callable[[StateChange], Awaitable[None]],
    ) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        engine = self.engine = ProbeEngine(self.specs)

        async def forward() -> None:
            async for change in engine.changes():
                handed = asyncio.run_coroutine_threadsafe(on_change(change), console_loop)
                await asyncio.wrap_future(handed)  # one at a time: the timeline keeps order

        engine.start()
        forwarder = asyncio.create_task(forward())
        built: Built = {}
        try:
            while not self._stop.is_set():
                self._rows = snapshot_rows(engine, built, datetime.now(UTC))
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stop.wait(), REFRESH_SECONDS)
        finally:
            forwarder.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await forwarder
            await engine.stop()


def feed_from_config(config: Config) -> ProbeFeed:
    """A feed probing the config's services (none configured: an empty feed)."""
    try:
        specs = parse_services(config)
    except ConfigError:
        raise
    if not specs:
        return FixedProbeFeed([])
    return EngineFeed(specs)
