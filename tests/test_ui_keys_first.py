"""Keys first: while someone types, redraws that can wait (probe latencies, drafts
refilled for probe churn) wait, within a bound; a service turning bad never waits.

The feed is the real `ProcessFeed` (its worker is not started: its reports are handed
to it as the worker's reader would); the drafts are the real console's, with Pilot.
Every wait is on a condition, bounded; the only clock assertions are lower bounds the
code guarantees (a held redraw cannot come before its hold ends).
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from tests.ui_support import make_app
from warroom.config import Config
from warroom.probes.snapshot import ServiceSnapshot
from warroom.ui import probe_feed
from warroom.ui.probe_feed import ProcessFeed, feed_from_config
from warroom.ui.screens import main as main_screen
from warroom.ui.screens.main import MainScreen


def feed(tmp_path: Path) -> ProcessFeed:
    config = Config(path=tmp_path / "warroom.toml")
    config.services = [
        {"name": "api", "kind": "http", "url": "http://127.0.0.1:9/ok", "interval": 60},
        {"name": "web", "kind": "http", "url": "http://127.0.0.1:9/web", "interval": 60},
    ]
    made = feed_from_config(config)
    assert isinstance(made, ProcessFeed)
    return made


def up(name: str, latency: float) -> ServiceSnapshot:
    return ServiceSnapshot(name, "http", "up", f"status 200 in {latency:g} ms", latency)


class Shown:
    def __init__(self) -> None:
        self.times: list[float] = []
        self.event = asyncio.Event()

    def __call__(self) -> None:
        self.times.append(time.monotonic())
        self.event.set()

    async def next(self) -> float:
        async with asyncio.timeout(10):
            await self.event.wait()
        self.event.clear()
        return self.times[-1]


async def test_new_latencies_wait_while_keys_are_typed_a_failure_does_not(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(probe_feed, "ROWS_SECONDS", 0.0)
    monkeypatch.setattr(probe_feed, "HOLD_RETRY_SECONDS", 0.01)
    monkeypatch.setattr(probe_feed, "MAX_HOLD_SECONDS", 0.3)
    fed = feed(tmp_path)
    shown = Shown()
    fed._on_rows = shown
    typing = True
    fed.hold_while(lambda: typing)
    fed._updated([up("api", 3), up("web", 4)])  # first results: urgent
    first = await shown.next()
    # A new latency while typing waits for the hold to end (0.3 s after the last redraw).
    fed._updated([up("api", 5)])
    held = await shown.next()
    assert held - first >= 0.25  # the hold counts from just before the first redraw
    assert fed.rows()[0].latency_ms in (4, 5)
    # No hold limit now: a service going down is shown at once, typing or not...
    monkeypatch.setattr(probe_feed, "MAX_HOLD_SECONDS", 1000.0)
    fed._updated([ServiceSnapshot("web", "http", "down", "status 503")])
    await shown.next()
    assert fed.rows()[0].name == "web"
    # ...and a held latency is shown once the keys pause.
    fed._updated([up("api", 6)])
    await asyncio.sleep(0.05)
    assert len(shown.times) == 3  # held: still typing, far from the limit
    typing = False
    await shown.next()
    assert {row.name: row.latency_ms for row in fed.rows()}["api"] == 6


async def test_drafts_refilled_for_probe_churn_wait_for_a_pause_in_typing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        async with asyncio.timeout(30):
            while not (isinstance(app.screen, MainScreen) and app.screen._comms_ready):
                await pilot.pause(0.02)
        screen = app.screen
        refills: list[int] = []
        monkeypatch.setattr(screen, "refill_comms", lambda force=False: refills.append(1))
        await pilot.press("j")  # typing now (no await below until the next press)
        assert app.typing()
        stale_since = time.monotonic() - main_screen.PROBE_REFILL_SECONDS - 1
        screen._comms_stale, screen._comms_filled_at = True, stale_since
        screen._refill_if_dirty()
        assert refills == []  # probe churn waits while keys come
        screen._comms_filled_at = time.monotonic() - main_screen.PROBE_REFILL_MAX_SECONDS - 1
        screen._refill_if_dirty()
        assert refills == [1]  # but not forever
        screen._comms_stale, screen._comms_filled_at = True, stale_since
        app._key_at = float("-inf")  # the keys paused
        screen._refill_if_dirty()
        assert refills == [1, 1]
        await pilot.press("j")
        screen._comms_dirty = True  # what people did is never held
        screen._refill_if_dirty()
        assert refills == [1, 1, 1]
