"""The probe engine: runs every service on its interval and reports debounced changes.

One task per service, so one service never has two runs at once; a global semaphore caps
how many probes run together, and a new probe also waits while the engine's own event
loop runs late (`warroom.probes.load`: its wait would count as the target's time);
intervals get a little jitter so that services do not all fire in the same instant; a
pending change (first failure, first success after down) is re-checked at the faster
`retry_interval`. `run_now()` wakes one or all services at once (a request while a run
is under way is served by that run). The cap is
`engine_concurrency()` unless given: `warroom check`, `watch` and the console all run
this engine with it.

Only debounced changes (see `warroom.probes.damping`) leave the engine: through the
`on_change` callback and the `changes()` async iterator. What the console shows is read
with `status(name)` / `statuses()`: last result, debounced state, flapping, stale (no
result for twice the interval), recent latencies for a sparkline and recent results for
a detail view.

`run_once()` probes every service once, concurrently under the same cap, with no
damping: that is what `warroom check` reports.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import resource
from collections import deque
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from warroom.probes.change import StateChange, drain
from warroom.probes.clock import Clock, SystemClock
from warroom.probes.config import ServiceSpec
from warroom.probes.damping import Debouncer
from warroom.probes.load import LoopLoad
from warroom.probes.result import ProbeResult, ProbeState
from warroom.probes.runner import ProbeRunner

log = logging.getLogger(__name__)

# The most probes at once (the console, `check` and `watch` alike): measured on 2,000
# loopback services (docs/benchmarks.md), a cycle's wall time is flat from 64 to 512 at
# once; 256 lets 50 hung targets of 500 all start their clocks in the first moments, so
# the cycle ends one timeout after it starts, and stays far below common open-file limits.
MAX_CONCURRENCY = 256


def engine_concurrency(services: int) -> int:
    """How many probes run at once for `services` services (and at most a quarter of the
    open-file limit: each probe holds a socket)."""
    try:
        files = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    except (ValueError, OSError):
        files = 1024
    if files <= 0:  # RLIM_INFINITY is -1
        files = 1 << 16
    return max(1, min(services, MAX_CONCURRENCY, files // 4))


HISTORY = 30
LATENCIES = 60


@dataclass(frozen=True)
class ServiceStatus:
    """A snapshot of one service for the console."""

    name: str
    kind: str
    target: str
    interval: float
    state: ProbeState | None
    last: ProbeResult | None
    flapping: bool
    stale: bool
    running: bool
    runs: int
    latencies: list[float | None] = field(default_factory=list)
    history: list[ProbeResult] = field(default_factory=list)
    changed_at: datetime | None = None
    next_run_in: float | None = None

    @property
    def shown_state(self) -> str:
        """The word to show: the debounced state, "stale", or "pending" before any result."""
        if self.stale:
            return "stale"
        return str(self.state) if self.state else "pending"


class _Service:
    """The engine's mutable record of one service."""

    def __init__(self, spec: ServiceSpec) -> None:
        self.spec = spec
        # Redacting the target parses the URL: once here, not on every status() call
        # (the console snapshots all services twice a second).
        self.target = spec.target
        self.debouncer = Debouncer(spec.damping)
        self.history: deque[ProbeResult] = deque(maxlen=HISTORY)
        self.latencies: deque[float | None] = deque(maxlen=LATENCIES)
        self.last: ProbeResult | None = None
        self.last_at: float | None = None
        self.changed_at: datetime | None = None
        self.running = False
        self.runs = 0
        self.next_due: float | None = None
        self.wake = asyncio.Event()
        self.lock = asyncio.Lock()  # one run at a time, from the loop or run_once()
        self.task: asyncio.Task[None] | None = None


class ProbeEngine:
    """Runs the probes of a set of services; see the module docstring."""

    def __init__(
        self,
        specs: Iterable[ServiceSpec],
        *,
        concurrency: int | None = None,
        jitter: float = 0.1,
        clock: Clock | None = None,
        rng: random.Random | None = None,
        on_change: Callable[[StateChange], None] | None = None,
        runner: ProbeRunner | None = None,
    ) -> None:
        specs = list(specs)
        self.clock: Clock = clock or SystemClock()
        if concurrency is None:
            concurrency = engine_concurrency(len(specs))
        self.concurrency = max(1, concurrency)
        self.jitter = max(0.0, min(jitter, 0.5))
        self.rng = rng or random.Random()
        self.on_change = on_change
        self._owns_runner = runner is None
        self.runner = runner or ProbeRunner(self.concurrency, wall=self.clock.wall)
        self._services = {spec.name: _Service(spec) for spec in specs}
        self._semaphore = asyncio.Semaphore(self.concurrency)
        self.load = LoopLoad()
        self._changes: asyncio.Queue[StateChange] = asyncio.Queue()
        self._progress = asyncio.Event()
        self._started_at: float | None = None

    # Lifecycle ---------------------------------------------------------------------------

    async def __aenter__(self) -> ProbeEngine:
        self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    def start(self) -> None:
        """Start one task per service (the first runs are spread over the jitter)."""
        self._started_at = self.clock.monotonic()
        self.load.start()
        for service in self._services.values():
            if service.task is None:
                spread = service.spec.interval * self.jitter
                service.next_due = self._started_at + self.rng.uniform(0, spread)
                service.task = asyncio.create_task(
                    self._loop(service), name=f"probe {service.spec.name}"
                )

    async def stop(self) -> None:
        tasks = [s.task for s in self._services.values() if s.task is not None]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        for service in self._services.values():
            service.task = None
        await self.load.stop()
        if self._owns_runner:
            await self.runner.aclose()

    # Requests ----------------------------------------------------------------------------

    def run_now(self, name: str | None = None) -> None:
        """Probe one service (or all) now instead of at the next interval."""
        targets = [self._services[name]] if name else self._services.values()
        for service in targets:
            service.wake.set()

    async def run_once(self, names: Iterable[str] | None = None) -> dict[str, ProbeResult]:
        """Probe each service once, concurrently under the cap, without damping."""
        chosen = [self._services[n] for n in names] if names else list(self._services.values())
        # Slowest first (by their last run): a target that hung last time holds a slot
        # for a whole timeout, so it starts before the quick ones, not after them.
        ordered = sorted(chosen, key=_expected_seconds, reverse=True)
        results = await asyncio.gather(*(self._probe(service) for service in ordered))
        found = {
            service.spec.name: result for service, result in zip(ordered, results, strict=True)
        }
        return {service.spec.name: found[service.spec.name] for service in chosen}

    # Reading -----------------------------------------------------------------------------

    @property
    def names(self) -> list[str]:
        return list(self._services)

    def spec(self, name: str) -> ServiceSpec:
        return self._services[name].spec

    def status(self, name: str) -> ServiceStatus:
        service = self._services[name]
        now = self.clock.monotonic()
        return ServiceStatus(
            name=service.spec.name,
            kind=service.spec.kind,
            target=service.target,
            interval=service.spec.interval,
            state=service.debouncer.state,
            last=service.last,
            flapping=service.debouncer.flapping,
            stale=self._is_stale(service, now),
            running=service.running,
            runs=service.runs,
            latencies=list(service.latencies),
            history=list(service.history),
            changed_at=service.changed_at,
            next_run_in=None if service.next_due is None else max(0.0, service.next_due - now),
        )

    def statuses(self) -> list[ServiceStatus]:
        return [self.status(name) for name in self._services]

    def versions(self) -> dict[str, tuple[int, bool]]:
        """Per service, what its status snapshot depends on besides the clock: the number
        of runs and whether it is stale. Cheap: a snapshot is needed only when it moved."""
        now = self.clock.monotonic()
        return {
            name: (service.runs, self._is_stale(service, now))
            for name, service in self._services.items()
        }

    def busy(self) -> bool:
        """Whether any probe is running now (cheap: no status snapshots are made)."""
        return any(service.running for service in self._services.values())

    async def changes(self) -> AsyncIterator[StateChange]:
        """Every debounced change, in order, for as long as the caller keeps reading."""
        while True:
            yield await self._changes.get()

    def pending_changes(self) -> list[StateChange]:
        """The changes queued and not yet read through `changes()` (and drop them)."""
        return drain(self._changes)

    async def wait_until(self, predicate: Callable[[], bool], timeout: float = 10.0) -> None:
        """Wait (at most `timeout` real seconds) until `predicate()` holds after a result."""
        async with asyncio.timeout(timeout):
            while not predicate():
                self._progress.clear()
                await self._progress.wait()

    def _is_stale(self, service: _Service, now: float) -> bool:
        since = service.last_at if service.last_at is not None else self._started_at
        return since is not None and now - since > 2 * service.spec.interval

    # Running -----------------------------------------------------------------------------

    async def _run(self, service: _Service) -> ProbeResult:
        """One run, once the cap and the loop's load admit it (caller holds the lock and
        a slot of the cap); the probe's clock starts only after that."""
        await self.load.admit()
        service.running = True
        try:
            return await self.runner.run(service.spec)
        finally:
            service.running = False
            self.load.done()

    async def _probe(self, service: _Service) -> ProbeResult:
        self.load.start()
        async with service.lock, self._semaphore:
            result = await self._run(service)
        self._record(service, result)
        return result

    def _record(self, service: _Service, result: ProbeResult) -> None:
        service.last = result
        service.last_at = self.clock.monotonic()
        service.runs += 1
        service.history.append(result)
        service.latencies.append(result.latency_ms)
        self._progress.set()

    async def _loop(self, service: _Service) -> None:
        spec = service.spec
        while True:
            assert service.next_due is not None
            await self.clock.wait_until(service.next_due, service.wake)
            service.wake.clear()
            try:
                async with service.lock, self._semaphore:
                    started = self.clock.monotonic()
                    result = await self._run(service)
                service.wake.clear()
                transition = service.debouncer.observe(result, self.clock.monotonic())
                self._record(service, result)
                if transition is not None:
                    service.changed_at = result.observed_at
                    self._emit(
                        StateChange(
                            service=spec.name,
                            probe_kind=spec.kind,
                            state=transition.state,
                            previous=transition.previous,
                            reason=transition.reason,
                            latency_ms=transition.result.latency_ms,
                            observed_at=result.observed_at,
                            flapping=transition.flapping,
                        )
                    )
            except Exception:  # keep probing whatever happened
                log.exception("probe loop of %s", spec.name)
                started = self.clock.monotonic()
            base = spec.damping.retry_interval if service.debouncer.pending else spec.interval
            delay = base * (1 + self.rng.uniform(-self.jitter, self.jitter))
            service.next_due = max(started + delay, self.clock.monotonic())

    def _emit(self, change: StateChange) -> None:
        self._changes.put_nowait(change)
        if self.on_change is not None:
            try:
                self.on_change(change)
            except Exception:  # a listener's bug must not stop the probes
                log.exception("on_change listener failed for %s", change.service)


def _expected_seconds(service: _Service) -> float:
    """How long the service's last run took (a run without a latency: its timeout)."""
    last = service.last
    if last is None:
        return 0.0
    if last.latency_ms is None:
        return service.spec.timeout
    return last.latency_ms / 1000
