"""The probe engine's measure of its own load: how late its event loop runs a timer.

A probe's timeout is meant for the target. When the engine's own process is the slow
part (hundreds of probes at once on a busy machine), every probe waits for the loop, and
that wait would count as the target's: a healthy service reported down (measured: 304 of
500 with a 1 s timeout on a machine at load 10, with 256 probes at once). `LoopLoad`
samples the loop's lag every `period` seconds; the engine admits a new probe only while
the lag is under `limit` (or fewer than `floor` probes are running), so the number of
probes at once follows what the machine can do now instead of a constant.
"""

from __future__ import annotations

import asyncio
import contextlib

LAG_LIMIT = 0.02  # seconds a timer may run late before new probes wait
SAMPLE_PERIOD = 0.01
MIN_RUNNING = 8  # probes that always may run, however loaded the loop


class LoopLoad:
    def __init__(self, limit: float = LAG_LIMIT, floor: int = MIN_RUNNING) -> None:
        self.limit = limit
        self.floor = floor
        self.lag = 0.0
        self.running = 0
        self.waits = 0  # how many probes had to wait for the loop (benchmarks report it)
        self._calm = asyncio.Event()
        self._calm.set()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._sample(), name="probe loop lag")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._calm.set()

    async def admit(self) -> None:
        """Wait until the loop is calm enough for one more probe (never below `floor`)."""
        while self.running >= self.floor and not self._calm.is_set():
            self.waits += 1
            await self._calm.wait()
        self.running += 1

    def done(self) -> None:
        self.running -= 1

    async def _sample(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            before = loop.time()
            await asyncio.sleep(SAMPLE_PERIOD)
            self.lag = loop.time() - before - SAMPLE_PERIOD
            if self.lag <= self.limit:
                self._calm.set()
            else:
                self._calm.clear()
