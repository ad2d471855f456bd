"""The script runner: applies the drill's timeline and answers the IC's ticks.

Runs on the drill's own loop. First it waits for the baseline: every service of the
fleet has answered the probes healthy (`Fleet.wait_for_baseline`), so the screen shows a
working system before anything breaks. Then the timeline, planned once (`plan(script,
seed, speed)`), is applied at its offsets from that moment; an entry with a cause waits
until its cause has been applied, and is called off if its cause was. Meanwhile the
runner follows the incident's log (`LocalStore.changes`, which sees the console's and
the CLI's appends) and, when the IC ticks a step an `[[on_tick]]` names by id, applies
the rule's recovery after its delay (divided by the speed). A recovery calls off the
faults still pending for the services it fixes, and whatever depends on them: the cause
is gone, so those faults never come. Everything the runner does goes into the journal,
never into the incident's timeline.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from typing import Any

from warroom.drill.fleet import Fleet
from warroom.drill.journal import BASELINE, CANCELLED, FAULT, RECOVERY, SKIPPED, Journal
from warroom.drill.script import RECOVERY_KIND, Action, DrillScript, OnTick, PlannedAction
from warroom.model.events import Event, EventKind
from warroom.store.local import LocalStore

log = logging.getLogger(__name__)

BASELINE_TIMEOUT = 30.0
"""Wall seconds to wait for every service's first healthy answers before starting anyway."""
BASELINE_SETTLE = 0.25
"""Wall seconds for the last healthy answer to reach the screen before the clock starts."""


class ScriptRunner:
    def __init__(
        self,
        script: DrillScript,
        planned: list[PlannedAction],
        speed: float,
        fleet: Fleet,
        store: LocalStore,
        incident_id: str,
        journal: Journal,
        on_applied: Callable[[str], None] | None = None,
        on_timeline_start: Callable[[], None] | None = None,
    ) -> None:
        self.script = script
        self.pending = list(planned)
        self.speed = speed
        self.fleet = fleet
        self.incident_id = incident_id
        self.journal = journal
        self.on_applied = on_applied
        self.on_timeline_start = on_timeline_start
        self.fired: set[int] = set()
        self.done: dict[int, asyncio.Event] = {}
        self.called_off: set[int] = set()
        self._started_at = 0.0
        # Taken now (before the console opens), so no tick can slip in before the watch.
        self._changes = store.changes(incident_id)

    async def run(self) -> None:
        """Until cancelled: the baseline, then the timeline and the tick watch side by side."""
        changes = self._changes
        watcher = asyncio.create_task(self._watch_ticks(changes), name="drill ticks")
        try:
            await self._baseline()
            await self._play_timeline()
            await watcher
        finally:
            watcher.cancel()
            await asyncio.gather(watcher, return_exceptions=True)
            close = getattr(
                changes, "aclose", None
            )  # an async generator's; a plain iterator has none
            if close is not None:
                await close()

    async def _baseline(self) -> None:
        loop = asyncio.get_running_loop()
        began = loop.time()
        missing = await self.fleet.wait_for_baseline(BASELINE_TIMEOUT)
        await asyncio.sleep(BASELINE_SETTLE)
        self._started_at = loop.time()
        what = "every service answered the probes healthy"
        if missing:
            what = f"started without a healthy answer from {', '.join(missing)}"
        self.journal.add(
            BASELINE, what=what, waited=round(self._started_at - began, 3), missing=missing
        )
        self.done = {item.index: asyncio.Event() for item in self.pending}
        if self.on_timeline_start is not None:
            self.on_timeline_start()

    async def _play_timeline(self) -> None:
        loop = asyncio.get_running_loop()
        while self.pending:
            item = self.pending[0]
            delay = self._started_at + item.offset - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            if item.cause is not None and item.cause not in self.called_off:
                await self.done[item.cause].wait()  # an effect never overtakes its cause
            if not self.pending or self.pending[0] is not item:
                continue
            self.pending.pop(0)
            if item.cause in self.called_off:
                self._call_off(item, "its cause never happened")
                continue
            kind = RECOVERY if item.kind == RECOVERY_KIND else FAULT
            await self._apply(item.action, kind, offset=round(item.offset, 3), entry=item.name)
            self.done[item.index].set()

    def _call_off(self, item: PlannedAction, reason: str) -> None:
        self.called_off.add(item.index)
        if item in self.pending:
            self.pending.remove(item)
        self.journal.add(
            CANCELLED,
            item.action.service,
            item.action.describe(),
            reason=reason,
            offset=round(item.offset, 3),
        )
        event = self.done.get(item.index)
        if event is not None:
            event.set()  # whatever waits on it sees it called off
        for effect in [p for p in self.pending if p.cause == item.index]:
            self._call_off(effect, "its cause never happened")

    async def _watch_ticks(self, changes: AsyncIterator[list[Event]]) -> None:
        async for batch in changes:
            for event in batch:
                self._consider(event)

    def _consider(self, event: Event) -> None:
        if event.kind is not EventKind.STEP_CHECKED:
            return
        scenario = str(event.payload.get("scenario", ""))
        step = str(event.payload.get("step", ""))
        text = str(event.payload.get("text", ""))
        for index, rule in enumerate(self.script.on_tick):
            if index in self.fired or not rule.matches(scenario, step):
                continue
            self.fired.add(index)
            asyncio.get_running_loop().create_task(
                self._recover(rule, event, f"{scenario}/{step}", text), name="drill recovery"
            )

    async def _recover(self, rule: OnTick, tick: Event, step: str, text: str) -> None:
        services = {action.service for action in rule.then}
        for item in [p for p in self.pending if p.action.service in services]:
            if item in self.pending and item.kind != RECOVERY_KIND:
                self._call_off(item, "the IC's fix came first")
        if rule.delay:
            await asyncio.sleep(rule.delay / self.speed)
        for action in rule.then:
            await self._apply(
                Action(action.service, action.changes, action.what or rule.what),
                RECOVERY,
                rule=rule.what,
                tick_at=tick.to_dict()["at"],
                tick_id=tick.id,
                step=step,
                step_text=text,
                by=tick.author,
            )

    async def _apply(self, action: Action, kind: str, **detail: Any) -> None:
        try:
            outcome = await self.fleet.apply(action)
        except Exception as error:  # a broken action must not end the drill
            log.warning("drill action %s failed: %s", action.describe(), error)
            outcome = f"failed: {type(error).__name__}: {error}"
        entry_kind = SKIPPED if outcome.startswith("skipped") else kind
        self.journal.add(
            entry_kind,
            action.service,
            action.describe(),
            outcome=outcome,
            changes=dict(action.changes),
            **detail,
        )
        if self.on_applied is not None:
            self.on_applied(f"{entry_kind}: {action.describe()} ({outcome})")
