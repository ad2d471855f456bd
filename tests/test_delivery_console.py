"""Sending from the console as an IC would (Pilot): `S` in the comms pane previews each
destination and sends on `y`; with the chat endpoint down for a minute (a controlled
clock and the real backoff) the header says "1 unsent", `O` shows the failed channel and
copies the text, the outbox delivers it once the endpoint is back, a customer update
goes to a Statuspage-shaped API, and a restarted console sends nothing twice. Plus SVG
snapshots of the preview and the outbox view."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

import pytest
from textual.widgets import DataTable

from tests.support.delivery_servers import STATUSPAGE_API_KEY, StatuspageServer, WebhookReceiver
from tests.test_comms_journey import Clock, console, declare, wait_for
from tests.ui_support import make_app, still
from warroom.config import parse_config
from warroom.delivery import senders
from warroom.model.events import EventKind
from warroom.ui.panes.comms import CommsComposer
from warroom.ui.screens.main import MainScreen
from warroom.ui.screens.outbox import OutboxScreen, SendPreviewScreen


@pytest.fixture(autouse=True)
def short_timeouts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(senders, "READ_TIMEOUT_SECONDS", 1.0)
    monkeypatch.setattr(senders, "CONNECT_TIMEOUT_SECONDS", 1.0)


def main_ready(app) -> bool:  # type: ignore[no-untyped-def]
    """The main screen is up and mounted (the console draws a loading frame first, and
    the main screen takes the runtime's outbox in its on_mount)."""
    screen = app.screen
    return isinstance(screen, MainScreen) and screen.delivery is not None


def config(receiver: WebhookReceiver, page: StatuspageServer | None = None):  # type: ignore[no-untyped-def]
    channels = [
        {
            "name": "incident-room",
            "url": receiver.url("/T0ROOM/xoxb9secret7"),
            "audiences": ["responders"],
        }
    ]
    if page is not None:
        channels.append(
            {
                "name": "public-status",
                "kind": "statuspage",
                "page_id": page.page_id,
                "api_key": STATUSPAGE_API_KEY,
                "api_url": page.api_url,
                "audiences": ["customers"],
            }
        )
    return parse_config({"channel": channels})


async def pick(pilot, screen: MainScreen, template_id: str) -> None:  # type: ignore[no-untyped-def]
    composer = screen.query_one(CommsComposer)
    await pilot.press("4")
    for _ in range(len(composer.templates)):
        if composer.template is not None and composer.template.id == template_id:
            return
        await pilot.press("right")
        await pilot.pause()
    raise AssertionError(f"no template {template_id}")


async def send(pilot, app, screen: MainScreen) -> None:  # type: ignore[no-untyped-def]
    count = len([e for e in screen.session.state.events if e.kind is EventKind.COMMS_SENT])
    await pilot.press("S")
    await wait_for(pilot, lambda: isinstance(app.screen, SendPreviewScreen), "the preview")
    await pilot.press("y")
    await wait_for(
        pilot,
        lambda: (
            len([e for e in screen.session.state.events if e.kind is EventKind.COMMS_SENT]) > count
        ),
        "the send event",
    )


async def test_console_sends_through_a_minute_long_outage_and_a_restart(
    tmp_path: Path, receiver, statuspage
) -> None:
    clock = Clock()
    app = console(tmp_path, clock, config(receiver, statuspage))
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await declare(pilot, app)
        await pick(pilot, screen, "responders")
        await pilot.press("S")
        await wait_for(pilot, lambda: isinstance(app.screen, SendPreviewScreen), "the preview")
        head = str(app.screen.query_one("#send-head").render())
        assert "incident-room (json)" in head and "xoxb9secret7" not in head
        await pilot.press("n")  # not sent
        await pilot.pause()
        assert receiver.received == []
        await send(pilot, app, screen)
        assert len(await asyncio.to_thread(receiver.wait_for, 1)) == 1
        assert len(screen.session.state.comms) == 1  # delivered: the countdown restarted

        receiver.stop()  # chat goes down for a minute
        clock.now += timedelta(minutes=2)
        await pilot.press("ctrl+r")  # the draft refills within a second; now, for the test
        await send(pilot, app, screen)
        header = screen.query_one("#header")
        header.tick()
        assert "1 unsent (O)" in str(header.render())
        assert len(screen.session.state.comms) == 1  # nothing delivered: no reset
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("O")
        await wait_for(pilot, lambda: isinstance(app.screen, OutboxScreen), "the outbox")
        table = app.screen.query_one(DataTable)
        assert table.row_count == 2  # the failed one first, then the delivered one
        assert "FAILED" in str(table.get_row_at(0)[1])
        await pilot.press("y")
        assert app.clipboard.startswith("[UPDATE]")
        await pilot.press("escape")
        await pilot.pause()

        # The customer update goes to the status page meanwhile.
        await pick(pilot, screen, "customers")
        await send(pilot, app, screen)
        assert len(await asyncio.to_thread(statuspage.wait_for, 1)) == 1

        for _ in range(60):  # a minute of retries on the backoff schedule, all failing
            clock.now += timedelta(seconds=1)
            await screen.delivery.drain()
        assert screen.delivery.outbox.unsent()[0].attempts == 4
        receiver.start()
        clock.now += timedelta(seconds=40)
        screen.delivery.wake()
        bodies = await asyncio.to_thread(receiver.wait_for, 2)
        await wait_for(pilot, lambda: screen.delivery.unsent_count == 0, "the outbox empty")
        await wait_for(pilot, lambda: len(screen.session.state.comms) == 3, "the late delivery")
        assert len(bodies) == 2

    # A restarted console drains the same outbox: nothing is sent again.
    again = console(tmp_path, clock, config(receiver, statuspage))
    async with again.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: main_ready(again), "the main screen")
        await again.screen.delivery.drain()
        clock.now += timedelta(hours=1)
        await again.screen.delivery.drain()
    assert len(receiver.received) == 2 and len(statuspage.received) == 1


async def test_send_without_a_channel_says_how_to_add_one(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: main_ready(app), "the main screen")
        await pilot.press("4", "S")
        await pilot.pause()
        assert not isinstance(app.screen, SendPreviewScreen)
        assert any("add a [[channel]]" in str(n.message) for n in app._notifications)


def _preview(receiver: WebhookReceiver):  # type: ignore[no-untyped-def]
    async def run_before(pilot) -> None:  # type: ignore[no-untyped-def]
        await wait_for(pilot, lambda: main_ready(pilot.app), "main")
        await pilot.press("4", "S")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, SendPreviewScreen), "preview")
        still(pilot.app)
        await pilot.pause()

    return run_before


def test_send_preview_snapshot(snap_compare, tmp_path: Path, receiver) -> None:
    app = make_app(tmp_path, config=config(receiver))
    assert snap_compare(app, terminal_size=(120, 40), run_before=_preview(receiver))


def test_outbox_snapshot(snap_compare, tmp_path: Path, receiver) -> None:
    receiver.mode = "fail"

    async def run_before(pilot) -> None:  # type: ignore[no-untyped-def]
        await _preview(receiver)(pilot)
        screen = pilot.app.screen_stack[1]
        await pilot.press("y")
        await wait_for(pilot, lambda: screen.delivery.unsent_count == 1, "the failed send")
        for notification in list(pilot.app._notifications):
            pilot.app._unnotify(notification)
        await pilot.press("O")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, OutboxScreen), "outbox")
        await pilot.pause()

    app = make_app(tmp_path, config=config(receiver))
    assert snap_compare(app, terminal_size=(120, 40), run_before=run_before)


async def test_page_from_the_palette_and_read_only_refuses(tmp_path: Path, receiver) -> None:
    pager = parse_config(
        {"channel": [{"name": "oncall", "url": receiver.url(), "audiences": ["escalation"]}]}
    )
    app = make_app(tmp_path, config=pager)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: main_ready(app), "the main screen")
        screen = app.screen
        screen.action_page()
        await wait_for(pilot, lambda: isinstance(app.screen, SendPreviewScreen), "the preview")
        await send_confirmed(pilot, screen)
        body = (await asyncio.to_thread(receiver.wait_for, 1))[0]["message"]
        assert body.startswith("[SEV-2] INC-20261123-1: ")
    viewer = make_app(tmp_path / "ro", config=pager, read_only=True)
    async with viewer.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: main_ready(viewer), "the main screen")
        viewer.screen.action_page()
        await pilot.pause()
        assert not isinstance(viewer.screen, SendPreviewScreen)
    assert len(receiver.received) == 1


async def send_confirmed(pilot, screen: MainScreen) -> None:  # type: ignore[no-untyped-def]
    before = len(screen.session.state.events)
    await pilot.press("y")
    await wait_for(pilot, lambda: len(screen.session.state.events) > before, "the send event")
