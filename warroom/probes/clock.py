"""The scheduler's sense of time: the real clock, or a manual one that tests move by hand.

A clock gives monotonic seconds (for intervals and staleness), the wall time (for
`observed_at`), and `wait_until(deadline, wake)`, which returns when the deadline has
passed or the `wake` event is set, whichever comes first. `ManualClock` only moves when
`advance()` is called, so flap damping and staleness are tested without sleeping.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def monotonic(self) -> float: ...

    def wall(self) -> datetime: ...

    async def wait_until(self, deadline: float, wake: asyncio.Event) -> None: ...


class SystemClock:
    """The real time."""

    def monotonic(self) -> float:
        return time.monotonic()

    def wall(self) -> datetime:
        return datetime.now(UTC)

    async def wait_until(self, deadline: float, wake: asyncio.Event) -> None:
        delay = deadline - self.monotonic()
        if delay <= 0 or wake.is_set():
            return
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(delay):
                await wake.wait()


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

    def advance_to(self, moment: float) -> None:
        self.advance(max(0.0, moment - self.now))

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
