"""The outbox against real loopback receivers: every message arrives exactly once across
an outage, a hang and a restart; failures are retried on the backoff schedule; the
update countdown resets only when something was delivered."""

from __future__ import annotations

import os
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.support.delivery_servers import WebhookReceiver
from warroom.delivery import senders
from warroom.delivery.channels import Channel, parse_channels
from warroom.delivery.outbox import DELIVERED, FAILED, IN_DOUBT, Backoff, Outbox
from warroom.delivery.worker import Delivery
from warroom.model.events import EventKind
from warroom.model.figures import next_update_due
from warroom.model.severity import PRESETS
from warroom.services.incidents import IncidentService
from warroom.store.local import LocalStore

T0 = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture(autouse=True)
def short_timeouts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(senders, "READ_TIMEOUT_SECONDS", 1.0)
    monkeypatch.setattr(senders, "CONNECT_TIMEOUT_SECONDS", 1.0)


def channel(receiver: WebhookReceiver, name: str = "incident-room") -> Channel:
    return parse_channels([{"name": name, "url": receiver.url(), "audiences": ["responders"]}])[0]


async def open_incident(data_dir: Path, clock: Clock) -> tuple[IncidentService, str]:
    service = IncidentService(LocalStore(data_dir), "alice", PRESETS["sev1-sev3"], clock=clock)
    event = await service.declare("Checkout 502s", "SEV-1")
    return service, event.incident_id


def delivery(data_dir: Path, channels: list[Channel], service, clock: Clock) -> Delivery:
    return Delivery(Outbox(data_dir, Backoff()), channels, service, clock=clock)


async def test_a_send_arrives_once_and_is_an_event(tmp_path: Path, receiver) -> None:
    clock = Clock()
    service, incident = await open_incident(tmp_path, clock)
    worker = delivery(tmp_path, [channel(receiver)], service, clock)
    report = await worker.send(incident, "update", "responders", "UPDATE: pool exhausted")
    assert report.delivered == 1
    bodies = receiver.wait_for(1)
    assert bodies[0]["message"] == "UPDATE: pool exhausted"
    assert bodies[0]["idempotency_key"] == f"{report.message}:incident-room"
    assert receiver.headers[0]["Idempotency-Key"] == f"{report.message}:incident-room"
    event = report.event
    assert event is not None and event.kind is EventKind.COMMS_SENT
    assert event.payload["channels"] == [
        {"name": "incident-room", "service": "json", "pager": False, "outcome": "delivered"}
    ]
    assert await worker.drain() == []  # nothing due: nothing sent again
    assert len(receiver.received) == 1
    assert worker.unsent_count == 0


async def test_outage_retried_on_the_backoff_schedule_and_delivered_once(
    tmp_path: Path, receiver
) -> None:
    clock = Clock()
    service, incident = await open_incident(tmp_path, clock)
    worker = delivery(tmp_path, [channel(receiver)], service, clock)
    receiver.mode = "fail"
    report = await worker.send(incident, "update", "responders", "first")
    assert report.delivered == 0
    assert report.outcomes[0]["detail"]  # a reason, one line
    assert worker.unsent_count == 1
    state = await service.state(incident)
    assert state.comms == []  # nothing delivered: the countdown does not reset
    due_before = next_update_due(state, PRESETS["sev1-sev3"])
    # The endpoint is down for a minute: tries at +5, +15, +35 fail (5, 10, 20 s waits).
    retries = []
    for _ in range(60):
        clock.advance(1)
        entry = worker.outbox.entries()[0]
        if entry.due(clock.now):
            retries.append((clock.now - T0).total_seconds())
            assert await worker.drain() == []
    assert retries == [5, 15, 35]
    assert worker.outbox.entries()[0].status == FAILED
    receiver.mode = "ok"
    clock.advance(14)  # the next try is at +75
    assert await worker.drain() == []
    clock.advance(1)
    events = await worker.drain()
    assert len(events) == 1 and events[0].kind is EventKind.COMMS_DELIVERY
    assert events[0].payload["attempts"] == 5
    assert [b["message"] for b in receiver.wait_for(1)] == ["first"]
    state = await service.state(incident)
    assert len(state.comms) == 1 and state.last_comms_at == clock.now
    assert next_update_due(state, PRESETS["sev1-sev3"]) != due_before
    clock.advance(600)
    assert await worker.drain() == []
    assert len(receiver.received) == 1


async def test_restart_resumes_and_never_sends_twice(tmp_path: Path, receiver) -> None:
    clock = Clock()
    service, incident = await open_incident(tmp_path, clock)
    first = delivery(tmp_path, [channel(receiver)], service, clock)
    await first.send(incident, "update", "responders", "sent before the outage")
    receiver.mode = "fail"
    await first.send(incident, "update", "responders", "sent during the outage")
    # The app stops; a new one (another Delivery on the same data folder) takes over.
    receiver.mode = "ok"
    service2 = IncidentService(LocalStore(tmp_path), "alice", PRESETS["sev1-sev3"], clock=clock)
    second = delivery(tmp_path, [channel(receiver)], service2, clock)
    clock.advance(5)
    events = await second.drain()
    assert [e.payload["outcome"] for e in events] == ["delivered"]
    clock.advance(3600)
    assert await second.drain() == []
    third = delivery(tmp_path, [channel(receiver)], service2, clock)
    assert await third.drain() == []
    messages = [b["message"] for b in receiver.wait_for(2)]
    assert messages == ["sent before the outage", "sent during the outage"]


async def test_queued_before_a_crash_is_sent_after_the_restart(tmp_path: Path, receiver) -> None:
    """The process died after the fsync of `queued`, before any try: the next one sends."""
    clock = Clock()
    service, incident = await open_incident(tmp_path, clock)
    outbox = Outbox(tmp_path)
    entry = _entry(incident, "queued then crashed")
    outbox.enqueue([entry])
    again = delivery(tmp_path, [channel(receiver)], service, clock)
    await again.drain()
    await again.drain()
    assert [b["message"] for b in receiver.wait_for(1)] == ["queued then crashed"]
    assert len(receiver.received) == 1


async def test_in_doubt_after_a_crash_mid_try_is_retried_with_the_same_key(
    tmp_path: Path, receiver
) -> None:
    """The crash window, stated: `attempt` is on disk, the outcome is not. The entry is
    in doubt and tried again with the same idempotency key (a receiver honouring it
    drops the copy; this one counts both, which is what a chat webhook would show)."""
    clock = Clock()
    service, incident = await open_incident(tmp_path, clock)
    outbox = Outbox(tmp_path)
    entry = _entry(incident, "in doubt")
    outbox.enqueue([entry])
    outbox.mark_attempt(entry, clock.now)
    assert outbox.entries()[0].status == IN_DOUBT
    worker = delivery(tmp_path, [channel(receiver)], service, clock)
    await worker.drain()
    assert receiver.wait_for(1)[0]["idempotency_key"] == entry.key
    assert outbox.entries()[0].status == DELIVERED


async def test_a_hanging_endpoint_is_a_failed_try_then_recovers(tmp_path: Path, receiver) -> None:
    clock = Clock()
    service, incident = await open_incident(tmp_path, clock)
    worker = delivery(tmp_path, [channel(receiver)], service, clock)
    receiver.mode = "hang"
    report = await worker.send(incident, "update", "responders", "while hung")
    assert receiver.hung.is_set()
    assert report.delivered == 0
    receiver.release()
    receiver.mode = "ok"
    clock.advance(5)
    await worker.drain()
    assert [b["message"] for b in receiver.wait_for(1)] == ["while hung"]


async def test_the_outbox_file_is_private_and_holds_no_url(tmp_path: Path, receiver) -> None:
    clock = Clock()
    service, incident = await open_incident(tmp_path, clock)
    worker = delivery(tmp_path, [channel(receiver)], service, clock)
    await worker.send(incident, "update", "responders", "text")
    path = tmp_path / "outbox" / "outbox.jsonl"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(path.parent).st_mode) == 0o700
    assert str(receiver.port) not in path.read_text()


def test_a_torn_last_line_is_skipped_and_the_next_record_starts_clean(tmp_path: Path) -> None:
    outbox = Outbox(tmp_path)
    entry = _entry("INC-1", "x")
    outbox.enqueue([entry])
    with open(outbox.path, "ab") as handle:
        handle.write(b'{"op": "delivered", "key": "')
    assert outbox.entries()[0].status == "queued"
    outbox.mark_delivered(entry, T0)
    assert outbox.entries()[0].status == DELIVERED


def test_backoff_schedule() -> None:
    assert Backoff().schedule(8) == [5, 10, 20, 40, 80, 120, 120, 120]


def _entry(incident: str, text: str):
    from warroom.delivery.outbox import Entry

    return Entry(
        key=f"m-{text}:incident-room",
        message=f"m-{text}",
        incident=incident,
        channel="incident-room",
        audience="responders",
        template="update",
        title=text,
        text=text,
        queued_at=T0,
    )


def test_retry_now_discard_and_the_remote_id_of_an_incident(tmp_path: Path) -> None:
    outbox = Outbox(tmp_path)
    first, second = _entry("INC-1", "a"), _entry("INC-1", "b")
    outbox.enqueue([first, second])
    outbox.mark_attempt(first, T0)
    retry_at = outbox.mark_failed(outbox.get(first.key), T0, "HTTP 500")
    assert retry_at == T0 + timedelta(seconds=10)  # the second failure of that entry
    assert outbox.due(T0) == [outbox.get(second.key)]
    assert outbox.retry_now(T0, [first.key]) == 1
    assert [e.key for e in outbox.due(T0)] == [first.key, second.key]
    assert outbox.discard([second.key], T0) == 1
    assert outbox.discard([second.key], T0) == 0
    assert [e.key for e in outbox.unsent()] == [first.key]
    assert outbox.retry_now(T0) == 1
    assert outbox.last_remote_id("INC-1", "incident-room") == ""
    outbox.mark_delivered(first, T0, remote_id="inc7")
    assert outbox.last_remote_id("INC-1", "incident-room") == "inc7"
    assert outbox.last_remote_id("INC-2", "incident-room") == ""
    assert outbox.last_remote_id("INC-1", "other") == ""
    assert outbox.unsent() == [] and outbox.next_retry() is None
    outbox.mark_failed(first, T0, "late failure")  # a delivered entry stays delivered
    assert outbox.get(first.key).status == DELIVERED
