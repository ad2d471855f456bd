"""Delivery in the runtime: the public-page drift rule is registered and fires once per
shared incident (two runtimes on one data folder) and not again after the page caught
up; the runtime drains the outbox (what the console and `warroom watch` run)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests.support.delivery_servers import WebhookReceiver
from warroom.config import parse_config
from warroom.delivery import senders
from warroom.model.events import EventKind
from warroom.probes.result import ProbeState
from warroom.probes.scheduler import StateChange
from warroom.runtime import open_context
from warroom.store.local import LocalStore

T0 = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
CONFIG = {
    "service": [{"name": "our-status", "kind": "statuspage", "url": "http://127.0.0.1:9/"}],
    "public_page": {"service": "our-status", "drift_after": 10},
}


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


def context(folder: Path, clock: Clock, config: dict):  # type: ignore[no-untyped-def]
    return open_context(parse_config(config), LocalStore(folder), folder, "ic", clock=clock)


async def fire_drift(runtime) -> list:  # type: ignore[no-untyped-def]
    """The drift deadlines fired now (the escalation rules fire their own beside them)."""
    return [d for d in await runtime.fire_due() if d.rule == "public-page-drift"]


def drift_entries(runtime) -> list:  # type: ignore[no-untyped-def]
    return [
        e
        for e in runtime.state.events
        if e.kind is EventKind.TIMER_FIRED and e.payload.get("rule") == "public-page-drift"
    ]


async def test_drift_fires_once_across_two_runtimes_and_not_after_the_page_caught_up(
    tmp_path: Path,
) -> None:
    clock = Clock()
    first = context(tmp_path, clock, CONFIG)
    incident = (await first.service.declare("Checkout fails", "SEV-1")).incident_id
    one = await first.open_runtime(incident)
    two = await context(tmp_path, clock, CONFIG).open_runtime(incident)
    assert any(rule.name == "public-page-drift" for rule in one.rules)
    clock.now = T0 + timedelta(minutes=9)
    assert await fire_drift(one) == []
    clock.now = T0 + timedelta(minutes=12)
    fired = await fire_drift(one)
    assert [d.message for d in fired] == [
        "SEV-1 for 10 minutes, public page still says Operational"
    ]
    two.absorb((await two.service.store.load(incident)).events)
    assert await fire_drift(two) == []  # the other console sees it fired
    assert len(drift_entries(one)) == 1
    # The page catches up; the incident goes to SEV-2 and back: a new stretch, but the
    # page shows the outage, so nothing fires.
    change = StateChange(
        "our-status", "statuspage", ProbeState.DOWN, ProbeState.UP, "major", None, clock.now
    )
    await one.probe_changed(change)
    await one.service.set_severity(one.state, "SEV-2")
    one.absorb((await one.service.store.load(incident)).events)
    await one.service.set_severity(one.state, "SEV-1")
    one.absorb((await one.service.store.load(incident)).events)
    clock.now = T0 + timedelta(minutes=40)
    assert await fire_drift(one) == []
    assert len(drift_entries(one)) == 1
    await one.close()
    await two.close()


async def test_the_runtime_drains_the_outbox(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(senders, "READ_TIMEOUT_SECONDS", 1.0)
    clock = Clock()
    with WebhookReceiver() as receiver:
        config = {"channel": [{"name": "room", "url": receiver.url(), "audiences": ["r"]}]}
        ctx = context(tmp_path, clock, config)
        incident = (await ctx.service.declare("Checkout fails", "SEV-1")).incident_id
        runtime = await ctx.open_runtime(incident)
        receiver.mode = "fail"
        report = await runtime.delivery.send(incident, "responders", "r", "late")
        assert report.delivered == 0
        receiver.mode = "ok"
        clock.now += timedelta(seconds=5)
        task = asyncio.create_task(runtime.run())
        try:
            runtime.delivery.wake()
            await asyncio.to_thread(receiver.wait_for, 1)
            for _ in range(200):
                if any(e.kind is EventKind.COMMS_DELIVERY for e in runtime.state.events):
                    break
                await asyncio.sleep(0.02)
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        assert len(runtime.state.comms) == 1  # the late delivery restarted the countdown
        await runtime.close()
    assert len(receiver.received) == 1
