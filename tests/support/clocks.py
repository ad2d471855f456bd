"""A probe-scheduler clock that stands still until the test moves it (`warroom.probes.clock.Clock`).

Flap damping and staleness are tested with it without sleeping.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta


class ManualClock:
    """A clock that stands still until `advance()` moves it."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = 0.0
        self.start = start or datetime(2024, 1, 1, tzinfo=UTC)
        self._waiters: list[tuple[float, asyncio.Future[None]]] = []

    def monotonic(self) -> float:
        return self.now

    def wall(self) -> datetime:
        return self.start + timedelta(seconds=self.now)

    def advance(self, seconds: float) -> None:
        """Move time forward and wake everything whose deadline has passed."""
        self.now += seconds
        due = [(d, f) for d, f in self._waiters if d <= self.now]
        self._waiters = [(d, f) for d, f in self._waiters if d > self.now]
        for _, future in due:
            if not future.done():
                future.set_result(None)

    @property
    def next_deadline(self) -> float | None:
        """The earliest moment someone is waiting for."""
        pending = [d for d, f in self._waiters if not f.done()]
        return min(pending) if pending else None

    async def wait_until(self, deadline: float, wake: asyncio.Event) -> None:
        if deadline <= self.now or wake.is_set():
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append((deadline, future))
        woken = asyncio.ensure_future(wake.wait())
        try:
            await asyncio.wait({future, woken}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            woken.cancel()
            if not future.done():
                future.cancel()
            self._waiters = [(d, f) for d, f in self._waiters if f is not future]
