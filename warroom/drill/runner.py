"""The script runner: applies the drill's timeline and answers the IC's ticks.

Runs on the drill's own loop. The timeline is planned once (`plan(script, seed, speed)`)
and each action is applied at its wall-clock offset from the start. Meanwhile the runner
follows the incident's log (`LocalStore.changes`, which sees the console's appends) and,
when a ticked step matches an `[[on_tick]]` rule, applies the rule's recovery after its
delay (divided by the speed). A recovery cancels the timeline actions still pending for
the services it fixes: the cause is gone, so those faults never come. Everything the
runner does goes into the journal, never into the incident's timeline.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable

from warroom.drill.fleet import Fleet
from warroom.drill.journal import CANCELLED, FAULT, RECOVERY, SKIPPED, Journal
from warroom.drill.script import Action, DrillScript, OnTick, PlannedAction
from warroom.model.events import Event, EventKind
from warroom.store.local import LocalStore

log = logging.getLogger(__name__)


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
    ) -> None:
        self.script = script
        self.pending = list(planned)
        self.speed = speed
        self.fleet = fleet
        self.incident_id = incident_id
        self.journal = journal
        self.on_applied = on_applied
        self.fired: set[int] = set()
        self._started_at = 0.0
        # Taken now (before the console opens), so no tick can slip in before the watch.
        self._changes = store.changes(incident_id)

    async def run(self) -> None:
        """Until cancelled: the timeline and the tick watch, side by side."""
        self._started_at = asyncio.get_running_loop().time()
        changes = self._changes
        watcher = asyncio.create_task(self._watch_ticks(changes), name="drill ticks")
        try:
            await self._play_timeline()
            await watcher
        finally:
            watcher.cancel()
            await asyncio.gather(watcher, return_exceptions=True)
            await changes.aclose()  # type: ignore[attr-defined]

    async def _play_timeline(self) -> None:
        loop = asyncio.get_running_loop()
        while self.pending:
            item = self.pending[0]
            delay = self._started_at + item.offset - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            if not self.pending or self.pending[0] is not item:
                continue
            self.pending.pop(0)
            await self._apply(item.action, FAULT, offset=round(item.offset, 3))

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
            if index in self.fired or not rule.matches(scenario, step, text):
                continue
            self.fired.add(index)
            asyncio.get_running_loop().create_task(
                self._recover(rule, event, f"{scenario}/{step}", text), name="drill recovery"
            )

    async def _recover(self, rule: OnTick, tick: Event, step: str, text: str) -> None:
        services = {action.service for action in rule.then}
        for item in [p for p in self.pending if p.action.service in services]:
            self.pending.remove(item)
            self.journal.add(
                CANCELLED,
                item.action.service,
                item.action.describe(),
                reason="the IC's fix came first",
                offset=round(item.offset, 3),
            )
        if rule.after:
            await asyncio.sleep(rule.after / self.speed)
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

    async def _apply(self, action: Action, kind: str, **detail: object) -> None:
        try:
            outcome = await self.fleet.apply(action)
        except Exception as error:  # a broken action must not end the drill
            log.warning("drill action %s failed: %s", action.describe(), error)
            outcome = f"failed: {type(error).__name__}: {error}"
        entry_kind = SKIPPED if outcome.startswith("skipped") else kind
        self.journal.add(entry_kind, action.service, action.describe(), outcome=outcome, **detail)
        if self.on_applied is not None:
            self.on_applied(f"{entry_kind}: {action.describe()} ({outcome})")
