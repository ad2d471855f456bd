"""The real probe feed: the `warroom.probes` engine, adapted to what the console shows."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from warroom.config import Config, ConfigError
from warroom.probes.config import ServiceSpec, parse_services
from warroom.probes.scheduler import ProbeEngine, ServiceStatus
from warroom.ui.feed import FixedProbeFeed, ProbeFeed, StateChange
from warroom.ui.panes.status import ServiceRow

REFRESH_SECONDS = 0.5


def row_of(status: ServiceStatus, now: datetime) -> ServiceRow:
    """One service's status as a pane row (worst states sort first in `rows`)."""
    last = status.last
    state = str(status.state) if status.state else ("pending" if last is None else str(last.state))
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


STATE_ORDER = {"down": 0, "degraded": 1, "unknown": 2, "maintenance": 3, "pending": 4, "up": 5}


class EngineFeed:
    """Runs a `ProbeEngine` for the console's lifetime."""

    def __init__(self, specs: list[ServiceSpec], engine: ProbeEngine | None = None) -> None:
        self.engine = engine or ProbeEngine(specs)

    def rows(self) -> list[ServiceRow]:
        now = datetime.now(UTC)
        rows = [row_of(status, now) for status in self.engine.statuses()]
        return sorted(rows, key=lambda row: (STATE_ORDER.get(row.state, 2), row.name))

    def recheck(self, name: str | None = None) -> None:
        self.engine.run_now(name)

    async def run(
        self,
        on_rows: Callable[[], None],
        on_change: Callable[[StateChange], Awaitable[None]],
    ) -> None:
        async def forward() -> None:
            async for change in self.engine.changes():
                await on_change(
                    StateChange(
                        service=change.service,
                        probe_kind=change.probe_kind,
                        state=str(change.state),
                        previous=str(change.previous) if change.previous else None,
                        reason=change.reason,
                        latency_ms=change.latency_ms,
                    )
                )

        self.engine.start()
        forwarder = asyncio.create_task(forward())
        try:
            while True:
                on_rows()
                await asyncio.sleep(REFRESH_SECONDS)
        finally:
            forwarder.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await forwarder
            await self.engine.stop()


def feed_from_config(config: Config) -> ProbeFeed:
    """A feed probing the config's services (none configured: an empty feed)."""
    try:
        specs = parse_services(config)
    except ConfigError:
        raise
    if not specs:
        return FixedProbeFeed([])
    return EngineFeed(specs)
