"""Hypotheses, decisions and action items as validated events (CLI and console alike).

`CommandNotes(service)` writes through the `IncidentService` it is given, so the same
rules hold as for every other change: the author signs the event, payload strings have
secrets masked, a read-only service refuses, and the event is in the store before the
caller shows it. What these events mean is the model's business
(`warroom.model.hypotheses`, `decisions`, `actions`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from warroom.model.actions import due_moment, normalise_owner, owner_in_text
from warroom.model.decisions import MAX_OBJECTION_LENGTH, MAX_OBJECTIONS
from warroom.model.events import Event, EventKind, NoteKind
from warroom.model.hypotheses import CONFIRMED, OPEN, RULED_OUT, hypotheses
from warroom.model.incident import IncidentState
from warroom.model.note_events import STATE_WORDS
from warroom.services.incidents import IncidentError, IncidentService


class CommandNotes:
    """The IC's command notes for one author (the service's)."""

    def __init__(self, service: IncidentService) -> None:
        self.service = service

    async def _write(
        self,
        incident_id: str,
        kind: EventKind,
        payload: Mapping[str, Any],
        at: datetime | None = None,
    ) -> Event:
        # The service's own event maker and appender: redaction, author, clock, read-only.
        event = self.service._event(incident_id, kind, payload, at)
        return await self.service._append(event)

    # Hypotheses ---------------------------------------------------------------------

    async def add_hypothesis(self, incident_id: str, text: str) -> Event:
        return await self.service.note(incident_id, text, NoteKind.HYPOTHESIS)

    def _hypothesis(self, state: IncidentState, hypothesis_id: str) -> Any:
        found = next((h for h in hypotheses(state) if h.id == hypothesis_id), None)
        if found is None:
            raise IncidentError(f"no hypothesis {hypothesis_id!r} in {state.id}")
        return found

    async def set_hypothesis_state(
        self, state: IncidentState, hypothesis_id: str, new_state: str, reason: str = ""
    ) -> Event:
        """Confirm, rule out (a reason is required) or reopen a hypothesis."""
        if new_state not in (OPEN, CONFIRMED, RULED_OUT):
            raise IncidentError(f"unknown hypothesis state {new_state!r}")
        found = self._hypothesis(state, hypothesis_id)
        reason = " ".join(reason.split())
        if found.state == new_state:
            raise IncidentError(f"that hypothesis is already {STATE_WORDS[new_state]}")
        if new_state == RULED_OUT and not reason:
            raise IncidentError("ruling a hypothesis out needs a reason (what showed it wrong)")
        payload = {"target": found.id, "state": new_state, "reason": reason, "text": found.text}
        return await self._write(state.id, EventKind.HYPOTHESIS_STATE, payload)

    async def link_evidence(
        self, state: IncidentState, hypothesis_id: str, finding_id: str, linked: bool = True
    ) -> Event:
        """Link a finding as evidence for a hypothesis (or with `linked=False` withdraw it)."""
        found = self._hypothesis(state, hypothesis_id)
        finding = state.entry(finding_id)
        if finding is None or finding.note_kind is not NoteKind.FINDING or finding.struck:
            raise IncidentError(f"no finding {finding_id!r} in {state.id} (evidence is a finding)")
        already = any(e.id == finding.id for e in found.evidence)
        if already == linked:
            word = "already" if linked else "not"
            raise IncidentError(f"that finding is {word} evidence for this hypothesis")
        payload = {
            "target": found.id,
            "finding": finding.id,
            "linked": linked,
            "text": found.text,
            "finding_text": finding.text,
        }
        return await self._write(state.id, EventKind.EVIDENCE_LINKED, payload)

    # Decisions ----------------------------------------------------------------------

    async def decide(
        self,
        state: IncidentState,
        proposal: str,
        *,
        objections_asked: bool,
        objections: Iterable[str] = (),
        decided_by: str = "",
    ) -> Event:
        """Record a decision: the proposal, whether strong objections were asked for,
        the ones raised, and who decided (default: the IC, else the author)."""
        text = proposal.strip()
        if not text:
            raise IncidentError("a decision needs the proposal that was decided")
        raised = [" ".join(item.split()) for item in objections]
        raised = [item for item in raised if item]
        if len(raised) > MAX_OBJECTIONS:
            raise IncidentError(f"at most {MAX_OBJECTIONS} objections per decision")
        if any(len(item) > MAX_OBJECTION_LENGTH for item in raised):
            raise IncidentError(f"an objection is longer than {MAX_OBJECTION_LENGTH} characters")
        by = " ".join(decided_by.split()) or state.roles.get("IC", "") or self.service.author
        payload = {
            "text": text,
            "note_kind": str(NoteKind.DECISION),
            "objections_asked": bool(objections_asked),
            "objections": raised,
            "decided_by": by,
        }
        return await self._write(state.id, EventKind.NOTE, payload)

    # Action items -------------------------------------------------------------------

    async def add_todo(self, incident_id: str, text: str, owner: str = "", due: str = "") -> Event:
        """A todo with an owner (the option, else an `@name` in the text) and a due date
        (`YYYY-MM-DD` or a UTC moment, as `warroom.model.actions.parse_due` returns)."""
        text = text.strip()
        if not text:
            raise IncidentError("a todo needs some text")
        try:
            owner = normalise_owner(owner) or owner_in_text(text)
        except ValueError as error:
            raise IncidentError(str(error)) from None
        if due and due_moment(due) is None:
            raise IncidentError(f"cannot read due date {due!r}")
        payload: dict[str, Any] = {"text": text, "note_kind": str(NoteKind.TODO)}
        if owner:
            payload["owner"] = owner
        if due:
            payload["due"] = due
        return await self._write(incident_id, EventKind.NOTE, payload)

    async def update_todo(
        self,
        state: IncidentState,
        todo_id: str,
        *,
        owner: str | None = None,
        due: str | None = None,
    ) -> Event:
        """Set (or with '' clear) a todo's owner and/or due date."""
        entry = state.entry(todo_id)
        if entry is None or entry.note_kind is not NoteKind.TODO or entry.struck:
            raise IncidentError(f"no todo {todo_id!r} in {state.id}")
        payload: dict[str, Any] = {"target": entry.id, "text": entry.text}
        if owner is not None:
            try:
                payload["owner"] = normalise_owner(owner)
            except ValueError as error:
                raise IncidentError(str(error)) from None
        if due is not None:
            if due and due_moment(due) is None:
                raise IncidentError(f"cannot read due date {due!r}")
            payload["due"] = due
        if len(payload) == 2:
            raise IncidentError("nothing to change: give an owner or a due date")
        return await self._write(state.id, EventKind.TODO_UPDATED, payload)
