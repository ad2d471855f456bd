"""The engine's admission by its own loop's lag: a late loop holds new probes back (never
below the floor), a calm one lets them through."""

from __future__ import annotations

import asyncio
import time

from warroom.probes.load import LoopLoad


async def test_a_late_loop_holds_probes_back_until_it_is_calm_again() -> None:
    load = LoopLoad(limit=0.005, floor=2)
    load.start()
    try:
        await asyncio.sleep(0.03)  # a few calm samples
        time.sleep(0.1)  # the loop is blocked: the next sample is 90 ms late
        await asyncio.wait_for(_until(lambda: load.lag > 0.05), 5)
        await load.admit()
        await load.admit()  # the floor: these two always run
        third = asyncio.create_task(load.admit())
        await asyncio.sleep(0)
        assert not third.done()  # over the floor, on a late loop: it waits
        await asyncio.wait_for(third, 5)  # calm samples follow: it is let through
        assert load.running == 3 and load.waits >= 1
        for _ in range(3):
            load.done()
        assert load.running == 0
    finally:
        await load.stop()


async def test_a_stopped_monitor_never_holds_anyone() -> None:
    load = LoopLoad(limit=0.0, floor=0)
    load.start()
    time.sleep(0.05)
    await asyncio.sleep(0.02)
    await load.stop()
    await asyncio.wait_for(load.admit(), 1)


async def _until(predicate) -> None:  # type: ignore[no-untyped-def]
    while not predicate():
        await asyncio.sleep(0.001)
