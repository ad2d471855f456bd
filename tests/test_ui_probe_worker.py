"""The console with its real probe feed: the worker process, killed and restarted.

Driven with Pilot against a loopback server; every wait is on a condition, bounded.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable
from pathlib import Path

from tests.support.probe_servers import LoopbackServer
from tests.ui_support import make_app
from warroom.config import Config
from warroom.ui.panes.status import StatusTable
from warroom.ui.probe_feed import ProcessFeed, feed_from_config
from warroom.ui.screens.main import MainScreen


async def until(pilot, holds: Callable[[], bool], what: str, timeout: float = 30.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not holds():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")
        await pilot.pause(0.02)


def probing_app(tmp_path: Path, server: LoopbackServer) -> tuple[object, ProcessFeed]:
    config = Config(path=tmp_path / "warroom.toml")
    config.services = [
        {"name": "api", "kind": "http", "url": server.url("/ok"), "interval": 60},
        {"name": "web", "kind": "http", "url": server.url("/web"), "interval": 60},
    ]
    feed = feed_from_config(config)
    assert isinstance(feed, ProcessFeed)
    feed.engine.restart_delays = (0.2,)
    app = make_app(tmp_path)
    app.feed = feed
    return app, feed


async def test_a_killed_probe_worker_shows_red_and_comes_back(
    tmp_path: Path, server: LoopbackServer
) -> None:
    server.route("/ok", body="fine")
    server.route("/web", body="fine")
    app, feed = probing_app(tmp_path, server)
    async with app.run_test(size=(120, 40)) as pilot:  # type: ignore[attr-defined]
        await until(
            pilot,
            lambda: isinstance(app.screen, MainScreen) and bool(app.screen.query(StatusTable)),  # type: ignore[attr-defined]
            "the main screen",
        )
        screen = app.screen  # type: ignore[attr-defined]
        table = screen.query_one(StatusTable)
        pane = screen.query_one("#pane-status")
        await until(pilot, lambda: {r.state for r in feed.rows()} == {"up"}, "both services up")
        await until(pilot, lambda: "✔ up" in str(table.get_cell("api", "state")), "rows shown")
        pid = feed.engine.pid
        assert pid is not None
        os.kill(pid, signal.SIGKILL)
        await until(pilot, lambda: pane.has_class("-probes-stopped"), "the red state")
        title = str(pane.border_title)
        assert "PROBES STOPPED: probe worker was killed by SIGKILL" in title
        assert "restarting" in title
        await until(  # a notification is posted to the app: it lands a moment later
            pilot,
            lambda: any("Service probes stopped" in str(n.message) for n in app._notifications),  # type: ignore[attr-defined]
            "the notification",
        )
        assert "STALE" in str(table.get_cell("api", "service"))
        # Keys still work while the worker is down: the screen never froze.
        await pilot.press("2")
        assert screen.focused is screen.query_one("#checklist")
        await until(pilot, lambda: not pane.has_class("-probes-stopped"), "the restart")
        assert feed.engine.pid not in (None, pid)
        assert "PROBES STOPPED" not in str(pane.border_title)
        await pilot.press("r")  # re-check: the new worker probes and the rows come back
        await until(
            pilot, lambda: "STALE" not in str(table.get_cell("api", "service")), "fresh rows"
        )
    assert feed.engine.pid is None  # quitting the console ends its worker
