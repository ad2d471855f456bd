"""IncidentService: every change a responder makes, as a validated event in the store.

The CLI and the console both go through this class, so a severity the ladder does not
know, a status that does not exist or an unreadable backdating time is refused the same
way everywhere, and an event is on disk (or in the shared database) before the caller
shows it. Every string of an event's payload has known secrets and recognisable
credentials masked before it is stored (a probe reason quoting a server, a DSN pasted in
a note): the timeline, the exports and every console see the masked text.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from warroom.model.events import Event, EventKind, NoteKind, format_utc, new_event, utc_now
from warroom.model.ids import DRILL_PREFIX
from warroom.model.incident import DEFAULT_ROLES, IncidentState, Status, fold
from warroom.model.record import FACTS, MAX_FACT_LENGTH, MILESTONES, NEXT_UPDATE
from warroom.model.severity import PRESETS, SeverityError, SeverityLadder
from warroom.model.summary import IncidentSummary, summarize
from warroom.model.timed import Deadline
from warroom.model.timeparse import check_backdate
from warroom.redact import redact_value
from warroom.store.base import IncidentStore, LoadProblem, StoreError, UnknownIncident
from warroom.store.summaries import SummaryCache


class IncidentError(ValueError):
    """A change that makes no sense for this incident (bad severity, unknown entry...)."""


class ReadOnlyError(IncidentError):
    """A change asked of a read-only service (`warroom --read-only`, `serve --read-only`)."""


READ_ONLY_MESSAGE = "read-only console: nothing can be changed here"


@dataclass
class LoadedIncident:
    state: IncidentState
    problems: list[LoadProblem] = field(default_factory=list)


class IncidentService:
    """Builds events for one author and appends them through the store."""

    def __init__(
        self,
        store: IncidentStore,
        author: str,
        ladder: SeverityLadder,
        ladders: Mapping[str, SeverityLadder] | None = None,
        clock: Any = utc_now,
        read_only: bool = False,
    ) -> None:
        self.store = store
        self.read_only = read_only
        self.author = author
        self.default_ladder = ladder
        self.ladders = {**PRESETS, **(ladders or {}), ladder.id: ladder}
        self.clock = clock

    def ladder_of(self, state: IncidentState) -> SeverityLadder:
        return self.ladders.get(state.ladder, self.default_ladder)

    def now(self) -> datetime:
        return self.clock()

    # Reading ---------------------------------------------------------------------------

    async def load(self, incident_id: str) -> LoadedIncident:
        result = await self.store.load(incident_id)
        state = fold(result.events, incident_id)
        if not state.declared:
            raise UnknownIncident(incident_id)
        problems = list(result.problems)
        if state.declaration_missing:
            source = problems[0].source if problems else incident_id
            problems.append(
                LoadProblem(
                    source,
                    problems[0].line if problems else 1,
                    "the declaration is unreadable: title, severity and roles are unknown;"
                    " every other event is kept",
                )
            )
        return LoadedIncident(state=state, problems=problems)

    async def state(self, incident_id: str) -> IncidentState:
        return (await self.load(incident_id)).state

    async def list_incidents(self) -> list[IncidentSummary]:
        return (await self.list_incidents_with_problems())[0]

    async def list_incidents_with_problems(
        self,
    ) -> tuple[list[IncidentSummary], list[LoadProblem | StoreError]]:
        """Every incident, newest first, and what could not be read: damaged lines
        (`LoadProblem`, the incident is still listed) and incidents that could not be read
        at all (`StoreError`, e.g. a file without read permission). A folder that cannot
        be listed raises StoreError: "no incidents" would invite a duplicate declaration.
        A store with a summary cache (the local store) folds only the incidents whose
        file changed since it was last listed (the damaged lines are cached with them)."""
        summaries = []
        problems: list[LoadProblem | StoreError] = []
        for incident_id in await self.store.incident_ids():
            try:
                summary, damaged = await self.summary(incident_id)
            except UnknownIncident:
                continue
            except StoreError as error:
                problems.append(error)
                continue
            summaries.append(summary)
            problems.extend(damaged)
        summaries.sort(key=lambda s: s.declared_at, reverse=True)
        return summaries, problems

    async def summary(self, incident_id: str) -> tuple[IncidentSummary, list[LoadProblem]]:
        """The incident's summary and its damaged lines, from the cache while the file is
        as it was when they were made, else from its events (and cached again)."""
        cache: SummaryCache | None = getattr(self.store, "summaries", None)
        key = cache.key(incident_id) if cache is not None else None
        if cache is not None and key is not None:
            cached = cache.get(incident_id, key)
            if cached is not None:
                return cached
        loaded = await self.load(incident_id)
        made = summarize(loaded.state)
        if cache is not None and key is not None:
            # keyed by the file as it was before reading
            cache.put(incident_id, key, made, loaded.problems)
        return made, loaded.problems

    # Writing ---------------------------------------------------------------------------

    def _refuse_if_read_only(self) -> None:
        if self.read_only:
            raise ReadOnlyError(READ_ONLY_MESSAGE)

    async def _append(self, event: Event) -> Event:
        """Every change but a declaration lands here (declare checks for itself)."""
        self._refuse_if_read_only()
        await self.store.append(event)
        return event

    def _event(
        self,
        incident_id: str,
        kind: EventKind,
        payload: Mapping[str, Any],
        at: datetime | None = None,
    ) -> Event:
        safe = redact_value(payload)
        return new_event(incident_id, kind, self.author, safe, at=at, now=self.now())

    async def declare(
        self,
        title: str,
        severity: str,
        *,
        scenario: str | None = None,
        roles: Mapping[str, str] | None = None,
        drill: bool = False,
        impact: str = "",
        ladder: SeverityLadder | None = None,
        at: datetime | None = None,
    ) -> Event:
        self._refuse_if_read_only()
        ladder = ladder or self.default_ladder
        title = title.strip()
        if not title:
            raise IncidentError("an incident needs a title")
        try:
            level = ladder.get(severity)
        except SeverityError as error:
            raise IncidentError(str(error)) from None
        assigned = {role: name for role, name in (roles or {}).items() if name}
        payload = {
            "title": title,
            "severity": level.key,
            "ladder": ladder.id,
            "scenario": scenario,
            "roles": assigned,
            "drill": drill,
            "impact": impact,
        }

        def make(incident_id: str) -> Event:
            return self._event(incident_id, EventKind.DECLARED, payload, at)

        if not drill:
            return await self.store.declare(make)
        # Drill incidents have their own id space and live in local files only.
        if not getattr(self.store, "keeps_drills", False):
            raise IncidentError("drill incidents are kept in local files (the drills folder)")
        return await self.store.declare(make, prefix=DRILL_PREFIX)  # type: ignore[call-arg]

    async def note(
        self,
        incident_id: str,
        text: str,
        kind: NoteKind = NoteKind.NOTE,
        at: datetime | None = None,
        declared_at: datetime | None = None,
    ) -> Event:
        """Append a note; a backdated one (`at`) may not lie more than 24 h before the
        declaration (`declared_at`, read from the store when not given)."""
        text = text.strip()
        if not text:
            raise IncidentError("a note needs some text")
        if at is not None:
            if declared_at is None:
                try:
                    declared_at = (await self.state(incident_id)).declared_at
                except StoreError:
                    declared_at = None  # a shared store offline: the note is queued as is
            check_backdate(at, declared_at)
        payload = {"text": text, "note_kind": str(kind)}
        return await self._append(self._event(incident_id, EventKind.NOTE, payload, at))

    async def set_severity(self, state: IncidentState, severity: str) -> Event | None:
        try:
            level = self.ladder_of(state).get(severity)
        except SeverityError as error:
            raise IncidentError(str(error)) from None
        if level.key == state.severity:
            return None
        payload = {"severity": level.key, "previous": state.severity}
        return await self._append(self._event(state.id, EventKind.SEVERITY_CHANGED, payload))

    async def set_status(self, state: IncidentState, status: str | Status) -> Event | None:
        try:
            value = status if isinstance(status, Status) else Status.parse(status)
        except ValueError as error:
            raise IncidentError(str(error)) from None
        if value is state.status:
            return None
        payload = {"status": str(value), "previous": str(state.status)}
        return await self._append(self._event(state.id, EventKind.STATUS_CHANGED, payload))

    async def assign_role(
        self, incident_id: str, role: str, name: str, *, clear: bool = False
    ) -> Event:
        """Give `role` to `name`; an empty name is refused unless `clear` says the role
        is being unassigned on purpose."""
        role = canonical_role(role)
        if not role:
            raise IncidentError("a role needs a name (IC, Ops, Dev, Comms or your own)")
        name = name.strip()
        if not name and not clear:
            raise IncidentError(f"who is {role}? a name is needed (to unassign, use --clear)")
        payload = {"role": role, "name": "" if clear else name}
        return await self._append(self._event(incident_id, EventKind.ROLE_ASSIGNED, payload))

    async def set_scenario(self, incident_id: str, scenario: str | None) -> Event:
        payload = {"scenario": scenario}
        return await self._append(self._event(incident_id, EventKind.SCENARIO_CHANGED, payload))

    async def set_step(
        self, incident_id: str, scenario: str, step_id: str, text: str, done: bool
    ) -> Event:
        kind = EventKind.STEP_CHECKED if done else EventKind.STEP_UNCHECKED
        payload = {"scenario": scenario, "step": step_id, "text": text}
        return await self._append(self._event(incident_id, kind, payload))

    def probe_change_event(
        self,
        incident_id: str,
        service: str,
        probe_kind: str,
        state: str,
        previous: str | None,
        reason: str,
        latency_ms: float | None = None,
        at: datetime | None = None,
    ) -> Event:
        """A `probe_state_changed` event of this service, not stored yet (`record_all`
        stores a burst of them in one append)."""
        payload = {
            "service": service,
            "probe_kind": probe_kind,
            "state": state,
            "previous": previous,
            "reason": reason,
            "latency_ms": latency_ms,
        }
        return self._event(incident_id, EventKind.PROBE_STATE_CHANGED, payload, at)

    async def record_all(self, events: list[Event]) -> list[Event]:
        """Store events made by this service (`probe_change_event`...) in one append:
        with local files one write and one fsync for the burst."""
        self._refuse_if_read_only()
        if events:
            await self.store.append_many(events)
        return events

    async def timer_fired(self, incident_id: str, deadline: Deadline) -> Event | None:
        """Record that a timed rule's deadline passed: one `timer_fired` event per
        incident and key. Its id is derived from both, and the store keeps an id once
        (`append_once`), so consoles firing the same deadline together store one event;
        None when another had stored it first (its copy arrives through the store)."""
        self._refuse_if_read_only()
        payload = {
            "key": deadline.key,
            "rule": deadline.rule,
            "message": deadline.message,
            "payload": dict(deadline.payload),
            "automatic": True,
        }
        # At the moment it is noticed (now), not backdated to `deadline.at`: appended at
        # the end, it never makes a console fold a long incident again.
        made = self._event(incident_id, EventKind.TIMER_FIRED, payload)
        event = replace(made, id=timer_event_id(incident_id, deadline.key))
        append_once = getattr(self.store, "append_once", None)
        if append_once is None:
            await self.store.append(event)
            return event
        return event if await append_once(event) else None

    async def comms_copied(
        self,
        incident_id: str,
        template: str,
        audience: str,
        channel: str,
        text: str,
        next_update_at: datetime | None = None,
    ) -> Event:
        payload: dict[str, Any] = {
            "template": template,
            "audience": audience,
            "channel": channel,
            "text": text,
        }
        if next_update_at is not None:
            payload["next_update_at"] = format_utc(next_update_at)
        return await self._append(self._event(incident_id, EventKind.COMMS_COPIED, payload))

    async def delivery_event(
        self, incident_id: str, kind: EventKind, payload: Mapping[str, Any]
    ) -> Event:
        """A send (`comms_sent`) or a late delivery (`comms_delivery`): see
        warroom.model.delivery and warroom.delivery.worker."""
        if kind not in (EventKind.COMMS_SENT, EventKind.COMMS_DELIVERY):
            raise IncidentError(f"not a delivery event: {kind}")
        return await self._append(self._event(incident_id, kind, payload))

    # The situation record --------------------------------------------------------------

    async def set_fact(self, state: IncidentState, name: str, value: str) -> Event | None:
        """Set one text fact of the record (empty clears it); None when unchanged."""
        if name not in FACTS:
            raise IncidentError(f"unknown fact {name!r} (choose from {', '.join(FACTS)})")
        value = " ".join(value.split()) if name != "customer_summary" else value.strip()
        if len(value) > MAX_FACT_LENGTH:
            raise IncidentError(f"{name} is longer than {MAX_FACT_LENGTH} characters")
        if value == state.record.fact(name):
            return None
        payload = {"field": name, "value": value}
        return await self._append(self._event(state.id, EventKind.RECORD_SET, payload))

    async def set_next_update(self, state: IncidentState, when: datetime | None) -> Event:
        """The IC's own time for the next update (None goes back to the cadence)."""
        if when is not None and when <= self.now():
            raise IncidentError("the next update must be in the future")
        if when is not None and when.replace(second=0, microsecond=0) > self.now():
            when = when.replace(second=0, microsecond=0)  # as updates show it: to the minute
        payload = {"field": NEXT_UPDATE, "value": format_utc(when) if when else ""}
        return await self._append(self._event(state.id, EventKind.RECORD_SET, payload))

    async def set_milestone(
        self, state: IncidentState, milestone: str, when: datetime | None
    ) -> Event | None:
        """Set (or with None clear) a milestone; None when unchanged."""
        if milestone not in MILESTONES:
            raise IncidentError(
                f"unknown milestone {milestone!r} (choose from {', '.join(MILESTONES)})"
            )
        if when is not None and when > self.now():
            raise IncidentError(f"{MILESTONES[milestone].lower()} cannot be in the future")
        if state.record.milestones.get(milestone) == when:
            return None
        payload = {"milestone": milestone, "when": format_utc(when) if when else ""}
        return await self._append(self._event(state.id, EventKind.MILESTONE_SET, payload))

    async def todo_done(self, state: IncidentState, entry_id: str, done: bool = True) -> Event:
        entry = state.entry(entry_id)
        if entry is None or entry.note_kind is not NoteKind.TODO or entry.struck:
            raise IncidentError(f"no open todo {entry_id!r} in {state.id}")
        if entry.done == done:
            raise IncidentError(f"that todo is already {'done' if done else 'open'}")
        payload = {"target": entry_id, "done": done}
        return await self._append(self._event(state.id, EventKind.TODO_DONE, payload))

    async def record_escalation(
        self, state: IncidentState, payload: Mapping[str, Any], at: datetime | None = None
    ) -> Event:
        """An escalation escalated, snoozed or dismissed (the payload is built and checked
        by `warroom.services.escalations`)."""
        if at is not None:
            check_backdate(at, state.declared_at)
        return await self._append(self._event(state.id, EventKind.ESCALATION, payload, at))

    async def edit_entry(self, state: IncidentState, entry_id: str, text: str) -> Event:
        self._require_entry(state, entry_id)
        if not text.strip():
            raise IncidentError("an edit needs some text (strike the entry to withdraw it)")
        payload = {"target": entry_id, "text": text.strip()}
        return await self._append(self._event(state.id, EventKind.ENTRY_EDITED, payload))

    async def strike_entry(self, state: IncidentState, entry_id: str, reason: str = "") -> Event:
        self._require_entry(state, entry_id)
        payload = {"target": entry_id, "reason": reason.strip()}
        return await self._append(self._event(state.id, EventKind.ENTRY_STRUCK, payload))

    async def pin_entry(self, state: IncidentState, entry_id: str, pinned: bool = True) -> Event:
        self._require_entry(state, entry_id)
        kind = EventKind.ENTRY_PINNED if pinned else EventKind.ENTRY_UNPINNED
        return await self._append(self._event(state.id, kind, {"target": entry_id}))

    @staticmethod
    def _require_entry(state: IncidentState, entry_id: str) -> None:
        entry = state.entry(entry_id)
        if entry is None or entry.kind is not EventKind.NOTE:
            raise IncidentError(f"no note {entry_id!r} in {state.id}")


TIMER_ID_NAMESPACE = uuid.UUID("6f1d3c2e-9a4b-5c7d-8e0f-15a1b2c3d4e5")


def timer_event_id(incident_id: str, key: str) -> str:
    """The id of the `timer_fired` event of `key` in this incident: the same on every
    console (a UUID 5 of both), so the store can keep it once."""
    return str(uuid.uuid5(TIMER_ID_NAMESPACE, f"{incident_id}\n{key}"))


def canonical_role(role: str) -> str:
    """'ic' -> 'IC', 'comms' -> 'Comms'; other roles keep their spelling."""
    text = role.strip()
    for known in DEFAULT_ROLES:
        if text.casefold() == known.casefold():
            return known
    return text
