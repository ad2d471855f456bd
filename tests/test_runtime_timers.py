"""The runtime's timer scheduler: registered rules fire once, wake on state changes, and
two runtimes on one data folder (or three on one PostgreSQL) store one `timer_fired`."""

from __future__ import annotations

import asyncio
import multiprocessing
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.support.pgstore import WAIT, make_store
from warroom.config import Config
from warroom.model.events import EventKind, new_event
from warroom.model.incident import IncidentState, fold
from warroom.model.timed import Deadline
from warroom.runtime import (
    DeadlineFired,
    IncidentRuntime,
    NextDeadline,
    RuleContext,
    RuntimeMessage,
    RuntimeProblem,
    StateChanged,
    open_context,
    registered,
)
from warroom.runtime.zone import ContextError
from warroom.services.incidents import IncidentService, timer_event_id
from warroom.store.base import StoreError
from warroom.store.local import LocalStore

T0 = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now

    def at(self, minutes: float) -> None:
        self.now = T0 + timedelta(minutes=minutes)


@dataclass(frozen=True)
class FiveMinutesIn:
    """A test rule: one deadline five minutes after the declaration."""

    name: str = "five-in"

    def deadlines(self, state: IncidentState, now: datetime) -> Iterable[Deadline]:
        if state.declared_at is None:
            return ()
        at = state.declared_at + timedelta(minutes=5)
        return (Deadline("five-in:1", self.name, at, "Five minutes in", {"n": 1}),)


@dataclass(frozen=True)
class Broken:
    name: str = "broken"

    def deadlines(self, state: IncidentState, now: datetime) -> Iterable[Deadline]:
        raise RuntimeError("rule bug [/x]")


def five_in(context: RuleContext) -> FiveMinutesIn:
    return FiveMinutesIn()


class Heard:
    """Collects a runtime's messages; `wait` blocks (bounded) until one matches."""

    def __init__(self, runtime: IncidentRuntime) -> None:
        self.messages: list[RuntimeMessage] = []
        self._changed = asyncio.Event()
        runtime.subscribe(self._add)

    def _add(self, message: RuntimeMessage) -> None:
        self.messages.append(message)
        self._changed.set()

    def fired(self) -> list[DeadlineFired]:
        return [m for m in self.messages if isinstance(m, DeadlineFired)]

    async def wait(self, check, what: str) -> None:  # type: ignore[no-untyped-def]
        async def loop() -> None:
            while not check():
                self._changed.clear()
                await self._changed.wait()

        try:
            await asyncio.wait_for(loop(), WAIT)
        except TimeoutError:
            raise AssertionError(f"never happened: {what}; heard {self.messages}") from None


async def declared(data_dir: Path, clock: Clock) -> str:
    store = LocalStore(data_dir)
    store.ensure_folder()
    service = IncidentService(store, "alice", Config().ladder, clock=clock)
    event = await service.declare("Checkout down", "SEV-2")
    return event.incident_id


async def open_runtime(data_dir: Path, clock: Clock, incident_id: str, **kw) -> IncidentRuntime:  # type: ignore[no-untyped-def]
    context = open_context(Config(), LocalStore(data_dir), data_dir, "bob", clock=clock, **kw)
    return await context.open_runtime(incident_id)


async def test_a_registered_rule_fires_once_when_its_deadline_passes(tmp_path: Path) -> None:
    clock = Clock()
    incident = await declared(tmp_path, clock)
    with registered(five_in):
        runtime = await open_runtime(tmp_path, clock, incident)
    heard = Heard(runtime)
    task = asyncio.create_task(runtime.run())
    try:
        await heard.wait(
            lambda: any(isinstance(m, NextDeadline) and m.deadline for m in heard.messages),
            "the next deadline announced",
        )
        nexts = [m for m in heard.messages if isinstance(m, NextDeadline)]
        assert nexts[-1].deadline is not None and nexts[-1].deadline.key == "five-in:1"
        clock.at(4)
        runtime.wake()
        await asyncio.sleep(0)
        assert heard.fired() == []
        clock.at(5)
        runtime.wake()
        await heard.wait(lambda: heard.fired(), "the deadline fired")
        for _ in range(3):
            runtime.wake()
            await runtime.fire_due()
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await runtime.close()
    [fired] = heard.fired()
    assert (fired.key, fired.rule, fired.message, dict(fired.payload)) == (
        "five-in:1",
        "five-in",
        "Five minutes in",
        {"n": 1},
    )
    event = fired.event
    assert event.id == timer_event_id(incident, "five-in:1")
    assert event.at == T0 + timedelta(minutes=5) and event.automatic
    assert event.payload["automatic"] is True
    stored = LocalStore(tmp_path).load_sync(incident).events
    assert [e.id for e in stored if e.kind is EventKind.TIMER_FIRED] == [event.id]


async def test_two_runtimes_on_one_folder_store_one_event_and_both_hear_it(
    tmp_path: Path,
) -> None:
    clock = Clock()
    incident = await declared(tmp_path, clock)
    with registered(five_in):
        first = await open_runtime(tmp_path, clock, incident)
        second = await open_runtime(tmp_path, clock, incident)
    heard = [Heard(first), Heard(second)]
    tasks = [asyncio.create_task(r.run()) for r in (first, second)]
    try:
        clock.at(6)
        results = await asyncio.gather(first.fire_due(), second.fire_due())
        assert sorted(len(r) for r in results) == [0, 1]  # one wrote it, one lost
        for each in heard:
            await each.wait(lambda each=each: each.fired(), "both consoles heard it")
        await asyncio.gather(first.fire_due(), second.fire_due())  # the loser does not retry
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await first.close()
        await second.close()
    assert [len(each.fired()) for each in heard] == [1, 1]
    assert heard[0].fired()[0].event.author == heard[1].fired()[0].event.author
    stored = LocalStore(tmp_path).load_sync(incident).events
    assert sum(e.kind is EventKind.TIMER_FIRED for e in stored) == 1


def _append_once(data_dir: str, line: dict, start: object) -> bool:  # type: ignore[type-arg]
    from warroom.model.events import Event

    start.wait()  # type: ignore[attr-defined]
    return LocalStore(Path(data_dir)).append_once_sync(Event.from_dict(line))


async def test_processes_appending_the_same_event_together_store_it_once(tmp_path: Path) -> None:
    clock = Clock()
    incident = await declared(tmp_path, clock)
    service = IncidentService(LocalStore(tmp_path), "bob", Config().ladder, clock=clock)
    deadline = Deadline("k", "r", T0, "m")
    made = service._event(incident, EventKind.TIMER_FIRED, {"key": "k"}, T0)
    line = replace(made, id=timer_event_id(incident, deadline.key)).to_dict()
    context = multiprocessing.get_context("spawn")
    start = context.Manager().Event()
    with context.Pool(4) as pool:
        pending = [pool.apply_async(_append_once, (str(tmp_path), line, start)) for _ in range(4)]
        start.set()
        outcomes = [result.get(WAIT) for result in pending]
    assert sorted(outcomes) == [False, False, False, True]
    stored = LocalStore(tmp_path).load_sync(incident).events
    assert sum(e.id == line["id"] for e in stored) == 1


async def test_a_failing_rule_is_reported_once_and_the_others_still_fire(tmp_path: Path) -> None:
    clock = Clock()
    incident = await declared(tmp_path, clock)
    with registered(lambda context: [Broken(), FiveMinutesIn()]):
        runtime = await open_runtime(tmp_path, clock, incident)
    heard = Heard(runtime)
    clock.at(10)
    assert [d.key for d in await runtime.fire_due()] == ["five-in:1"]
    await runtime.fire_due()
    problems = [m.text for m in heard.messages if isinstance(m, RuntimeProblem)]
    assert problems == ["Timed rule broken failed: rule bug [/x]"]
    await runtime.close()


class RefusingOnce(LocalStore):
    """A local store whose first write fails as a full disk would (root ignores modes)."""

    refused = False

    async def append_once(self, event):  # type: ignore[no-untyped-def]
        if not self.refused:
            self.refused = True
            raise StoreError("cannot write: No space left on device")
        return await super().append_once(event)


async def test_a_store_that_refuses_is_reported_and_retried(tmp_path: Path) -> None:
    clock = Clock()
    incident = await declared(tmp_path, clock)
    context = open_context(Config(), RefusingOnce(tmp_path), tmp_path, "bob", clock=clock)
    with registered(five_in):
        runtime = await context.open_runtime(incident)
    heard = Heard(runtime)
    clock.at(6)
    assert await runtime.fire_due() == []
    problems = [m.text for m in heard.messages if isinstance(m, RuntimeProblem)]
    assert problems == [
        "Could not record five-in (cannot write: No space left on device); retrying"
    ]
    assert await runtime.fire_due() == []  # waits RETRY_SECONDS before trying again
    clock.at(6.1)
    assert [d.key for d in await runtime.fire_due()] == ["five-in:1"]
    assert len(heard.fired()) == 1
    await runtime.close()


async def test_a_read_only_runtime_never_fires_but_shows_the_next_deadline(
    tmp_path: Path,
) -> None:
    clock = Clock()
    incident = await declared(tmp_path, clock)
    with registered(five_in):
        runtime = await open_runtime(tmp_path, clock, incident, read_only=True)
    clock.at(3)
    upcoming = runtime.next_deadline()
    assert upcoming is not None and upcoming.key == "five-in:1"
    clock.at(6)
    assert await runtime.fire_due() == []
    assert runtime.state.fired_timers == {}
    await runtime.close()


def test_an_unknown_time_zone_is_one_line_naming_the_config(tmp_path: Path) -> None:
    config = Config(path=tmp_path / "warroom.toml", timezone="Mars/Olympus")
    with pytest.raises(ContextError, match=r"warroom.toml: incident.timezone: unknown zone$"):
        open_context(config, LocalStore(tmp_path), tmp_path, "bob")


@pytest.mark.postgres
async def test_three_runtimes_on_postgres_store_one_event(dsn: str, tmp_path: Path) -> None:
    clock = Clock()
    setup = make_store(dsn, tmp_path / "setup")
    service = IncidentService(setup, "alice", Config().ladder, clock=clock)
    incident = (await service.declare("Checkout down", "SEV-2")).incident_id
    await setup.close()
    runtimes = []
    with registered(five_in):
        for name in ("a", "b", "c"):
            store = make_store(dsn, tmp_path / name)
            context = open_context(Config(), store, tmp_path / name, name, clock=clock)
            runtimes.append(await context.open_runtime(incident))
    heard = [Heard(r) for r in runtimes]
    tasks = [asyncio.create_task(r.run()) for r in runtimes]
    try:
        clock.at(6)
        results = await asyncio.gather(*(r.fire_due() for r in runtimes))
        assert sorted(len(r) for r in results) == [0, 0, 1]
        for each in heard:
            await each.wait(lambda each=each: each.fired(), "every console heard it")
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for runtime in runtimes:
            await runtime.close()
            await runtime.service.store.close()
    authors = {each.fired()[0].event.author for each in heard}
    assert [len(each.fired()) for each in heard] == [1, 1, 1] and len(authors) == 1
    check = make_store(dsn, tmp_path / "check")
    events = (await check.load(incident)).events
    await check.close()
    assert sum(e.kind is EventKind.TIMER_FIRED for e in events) == 1


async def test_the_message_stream_yields_what_subscribers_hear(tmp_path: Path) -> None:
    clock = Clock()
    incident = await declared(tmp_path, clock)
    with registered(five_in):
        runtime = await open_runtime(tmp_path, clock, incident)
    stream = runtime.messages()
    clock.at(5)
    await runtime.fire_due()
    message = await asyncio.wait_for(anext(stream), WAIT)
    assert isinstance(message, StateChanged) and message.events[0].kind is EventKind.TIMER_FIRED
    fired = await asyncio.wait_for(anext(stream), WAIT)
    assert isinstance(fired, DeadlineFired) and fired.key == "five-in:1"
    await stream.aclose()
    await runtime.close()


def test_the_scheduler_sleeps_until_the_next_deadline_or_a_retry() -> None:
    from warroom.runtime.scheduler import EARLY_TOLERANCE, MAX_WAIT, TimerScheduler

    clock = Clock()
    shown: list[Deadline | None] = []

    async def never(deadline: Deadline) -> bool:
        raise AssertionError("not fired here")

    scheduler = TimerScheduler(
        [], lambda: IncidentState(id="INC-1"), never, clock, on_next=shown.append
    )
    soon = Deadline("k", "r", T0 + timedelta(seconds=10), "m")
    assert scheduler._delay(None) == MAX_WAIT
    assert scheduler._delay(soon) == 10.0
    assert scheduler._delay(Deadline("k", "r", T0 + timedelta(hours=1), "m")) == MAX_WAIT
    assert scheduler._delay(Deadline("k", "r", T0 - timedelta(seconds=1), "m")) == EARLY_TOLERANCE
    scheduler._retry_at = T0 + timedelta(seconds=2)
    assert scheduler._delay(soon) == 2.0
    assert scheduler._delay(None) == 2.0
    assert scheduler._show_next() is None
    assert shown == []  # nothing ahead, as before: nobody is told
    declared_event = new_event(
        "INC-1", EventKind.DECLARED, "a", {"title": "t", "severity": "SEV-2"}, now=T0
    )
    state = fold([declared_event])
    scheduler = TimerScheduler([FiveMinutesIn()], lambda: state, never, clock, on_next=shown.append)
    first = scheduler._show_next()
    assert first is not None and scheduler._show_next() == first
    assert shown == [first]  # told once, not at every wake-up


def test_the_update_overdue_rule_has_one_deadline_per_promise() -> None:
    from warroom.model.severity import PRESETS
    from warroom.runtime.reminders import UpdateOverdue

    ladder = PRESETS["sev1-sev3"]
    rule = UpdateOverdue(lambda state: ladder)
    declared_event = new_event(
        "INC-1", EventKind.DECLARED, "a", {"title": "t", "severity": "SEV-2"}, now=T0
    )
    state = fold([declared_event])
    [deadline] = rule.deadlines(state, T0)
    cadence = ladder.get("SEV-2").update_cadence
    assert cadence is not None
    due = T0 + cadence
    assert deadline == Deadline(
        key=f"update-overdue:{due.strftime('%Y-%m-%dT%H:%M:%S.000000Z')}",
        rule="update-overdue",
        at=due,
        message=f"Status update overdue: the next was promised by {due:%H:%M} UTC",
        payload={"due_at": due.strftime("%Y-%m-%dT%H:%M:%S.000000Z")},
    )
    resolved = new_event("INC-1", EventKind.STATUS_CHANGED, "a", {"status": "resolved"}, now=T0)
    assert list(rule.deadlines(fold([declared_event, resolved]), T0)) == []


async def test_a_cancel_that_comes_as_the_scheduler_is_woken_stops_it() -> None:
    # A probe change wakes the scheduler in the same turn Ctrl-C cancels it: the run must
    # end. With asyncio.wait_for on Python 3.11 the cancellation was dropped (the woken
    # event's result returned instead) and `warroom watch` never stopped.
    from warroom.runtime.scheduler import TimerScheduler

    async def never(deadline: Deadline) -> bool:
        raise AssertionError("not fired here")

    scheduler = TimerScheduler([], lambda: IncidentState(id="INC-1"), never, Clock())
    task = asyncio.create_task(scheduler.run())
    for _ in range(5):  # into its wait for a wake-up
        await asyncio.sleep(0)
    scheduler.wake()
    task.cancel()
    done, _ = await asyncio.wait({task}, timeout=WAIT)
    assert done == {task} and task.cancelled()
