"""The scheduler's sense of time: the `Clock` protocol and the real clock.

A clock gives monotonic seconds (for intervals and staleness), the wall time (for
`observed_at`), and `wait_until(deadline, wake)`, which returns when the deadline has
passed or the `wake` event is set, whichever comes first. Tests use a manual clock that
only moves when they say so (`tests/support/clocks.py`).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from datetime import UTC, datetime
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
