"""The real probe feed: the probe engine in its worker process, as the console's rows.

The engine runs in `python -m warroom.probes.worker` (`warroom.probes.remote`), so its
work never holds the console's interpreter: the console decodes only the services that
changed, at most five times a second, and turns them into pane rows; the pane is told
at once when a state moved, otherwise at most once a second. A row carries the time of
its last result; the status pane counts ages itself, for the rows on screen.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

from warroom.config import Config
from warroom.probes.config import ServiceSpec, parse_services
from warroom.probes.remote import RemoteEngine
from warroom.probes.shown import ShownState
from warroom.probes.snapshot import ServiceSnapshot
from warroom.ui.feed import FixedProbeFeed, ProbeFeed, StateChange
from warroom.ui.panes.status import ServiceRow

ROWS_SECONDS = 1.0
CHANGES_SLICE = 0.015
URGENT_SECONDS = 0.02
"""An urgent redraw waits this long, so the lines of one worker frame make one redraw."""
MAX_HOLD_SECONDS = 3.0
"""While keys are being typed other redraws wait (each redraws the whole pane: tens of
milliseconds a key press would wait behind), but never longer than this."""
HOLD_RETRY_SECONDS = 0.1
# Moves between these can wait for the pane's next redraw.
QUIET = frozenset({ShownState.UP, ShownState.PENDING})


def row_of(snapshot: ServiceSnapshot) -> ServiceRow:
    """One service's snapshot as a pane row."""
    return ServiceRow(
        name=snapshot.name,
        kind=snapshot.kind,
        state=ShownState.of(snapshot.state),
        reason=snapshot.reason,
        latency_ms=snapshot.latency_ms,
        history_ms=snapshot.history_ms,
        stale=snapshot.stale,
        flapping=snapshot.flapping,
        detail=snapshot.detail,
        recent=snapshot.recent,
        observed_at=snapshot.observed_at,
    )


def worst_first(rows: dict[str, ServiceRow]) -> list[str]:
    return sorted(rows, key=lambda name: (rows[name].shown.rank, name))


class ProcessFeed:
    """The console's probe feed over a `RemoteEngine` (see the module docstring)."""

    def __init__(self, specs: list[ServiceSpec], config: Config) -> None:
        self.engine = RemoteEngine(
            specs, config.services, source=config.source, on_update=self._updated
        )
        self._rows = {name: row_of(s) for name, s in self.engine.snapshots.items()}
        self._order: list[str] | None = None
        self._list: list[ServiceRow] | None = None
        self._on_rows: Callable[[], None] | None = None
        self._shown_at = 0.0
        self._problem_shown: str | None = None
        self._later: asyncio.TimerHandle | None = None
        self._urgent = False
        self._typing: Callable[[], bool] = lambda: False

    def rows(self) -> list[ServiceRow]:
        """Every service, worst first (the same list until a report changes it)."""
        if self._order is None:
            self._order = worst_first(self._rows)
        if self._list is None:
            self._list = [self._rows[name] for name in self._order]
        return self._list

    def recheck(self, name: str | None = None) -> None:
        self.engine.run_now(name)

    def hold_while(self, typing: Callable[[], bool]) -> None:
        """Redraws that are not urgent wait while `typing()` says keys are being typed
        (at most MAX_HOLD_SECONDS): the keys' frames come first."""
        self._typing = typing

    def problem(self) -> str | None:
        """Why the probes are not running (a dead worker, being restarted), or None."""
        return self.engine.problem

    def idle(self) -> bool:
        """A worker runs and no probe is running right now (benchmarks use it)."""
        return self.engine.pid is not None and self.engine.problem is None and not self.busy()

    def busy(self) -> bool:
        return self.engine.busy()

    async def close(self) -> None:
        """End the worker (the console's workers are cancelled, not awaited, on exit)."""
        await self.engine.stop()

    async def run(
        self,
        on_rows: Callable[[], None],
        on_changes: Callable[[list[StateChange]], Awaitable[None]],
    ) -> None:
        self._on_rows = on_rows
        self.engine.start()
        try:
            on_rows()
            slice_started = time.monotonic()
            async for change in self.engine.changes():
                # What the worker reported together is recorded together, in order: one
                # append (one fsync) and one refresh for a burst of hundreds (a first cycle).
                await on_changes([change, *self.engine.pending_changes()])
                if time.monotonic() - slice_started > CHANGES_SLICE:  # let key presses in
                    await asyncio.sleep(0)
                    slice_started = time.monotonic()
        finally:
            self._on_rows = None
            if self._later is not None:
                self._later.cancel()
            await self.engine.stop()

    def _updated(self, snapshots: list[ServiceSnapshot]) -> None:
        urgent = self.engine.problem != self._problem_shown
        for snapshot in snapshots:
            before = self._rows.get(snapshot.name)
            row = row_of(snapshot)
            self._rows[snapshot.name] = row
            if before is None or before.shown != row.shown:
                self._order = None
                urgent = urgent or before is None or not {before.shown, row.shown} <= QUIET
        self._list = None
        if self._on_rows is None:
            return
        # A service turning bad or good again, or probes that stopped, are shown at once
        # (the lines of one worker frame together); new latencies, reasons and first
        # results at most once per ROWS_SECONDS, and after the keys being typed (every
        # cell update redraws the whole pane; a first cycle brings 2,000 "up").
        self._urgent = self._urgent or urgent
        wait = ROWS_SECONDS - (time.monotonic() - self._shown_at)
        self._show_in(URGENT_SECONDS if urgent else max(wait, 0.0))

    def _show_in(self, delay: float) -> None:
        loop = asyncio.get_running_loop()
        due = loop.time() + delay
        if self._later is not None:
            if self._later.when() <= due:
                return
            self._later.cancel()
        self._later = loop.call_at(due, self._show_when_free)

    def _show_when_free(self) -> None:
        self._later = None
        held = time.monotonic() - self._shown_at < MAX_HOLD_SECONDS
        if not self._urgent and held and self._typing():
            self._show_in(HOLD_RETRY_SECONDS)
            return
        self._show()

    def _show(self) -> None:
        if self._later is not None:
            self._later.cancel()
            self._later = None
        self._urgent = False
        self._shown_at = time.monotonic()
        self._problem_shown = self.engine.problem
        if self._on_rows is not None:
            self._on_rows()


def feed_from_config(config: Config) -> ProbeFeed:
    """A feed probing the config's services (none configured: an empty feed); the
    services are parsed here first, so a bad config is a ConfigError before any worker
    starts, and this process knows their secrets too."""
    specs = parse_services(config)
    if not specs:
        return FixedProbeFeed([])
    return ProcessFeed(specs, config)
