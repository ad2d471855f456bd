"""Decisions: what was decided, whether strong objections were asked for, which were
raised, and who decided.

A decision is a note of kind `decision`. A structured one (the `d` form, `warroom
decide`) carries `objections_asked` (bool), `objections` (a list of texts) and
`decided_by` in its payload; a plain `decision:` note typed in the note line has none of
them and reads as a decision whose poll was not recorded. Pure functions of the state.
"""

from __future__ import annotations

from dataclasses import dataclass

from warroom.model.events import NoteKind
from warroom.model.incident import IncidentState, OnEntry, TimelineEntry
from warroom.model.text import inert, shorten

# At most this many objections are kept with one decision, each at most this long.
MAX_OBJECTIONS = 20
MAX_OBJECTION_LENGTH = 500


@dataclass(frozen=True)
class Decision(OnEntry):
    entry: TimelineEntry
    objections_asked: bool | None  # None: not recorded (a plain `decision:` note)
    objections: tuple[str, ...]
    decided_by: str  # '' when not recorded

    @property
    def structured(self) -> bool:
        return self.objections_asked is not None


def read_decision(entry: TimelineEntry) -> Decision:
    """The decision a note records; fields a hand-edited file got wrong are left out."""
    payload = entry.event.payload
    asked = payload.get("objections_asked")
    raw = payload.get("objections")
    objections: tuple[str, ...] = ()
    if isinstance(raw, list):
        objections = tuple(str(item).strip() for item in raw if str(item).strip())
    by = payload.get("decided_by")
    return Decision(
        entry=entry,
        objections_asked=asked if isinstance(asked, bool) else None,
        objections=objections[:MAX_OBJECTIONS],
        decided_by=by.strip() if isinstance(by, str) else "",
    )


def decisions(state: IncidentState) -> list[Decision]:
    """Every live (not struck) decision, in time order."""
    return [read_decision(entry) for entry in state.notes(NoteKind.DECISION)]


def _one_line(text: str, width: int = 200) -> str:
    return shorten(inert(text, single_line=True).strip(), width)


def poll_words(decision: Decision) -> str:
    """`objections asked, none raised`, `objections asked, 2 raised: a; b`,
    `objections not asked`, or '' when the note did not record the poll."""
    if decision.objections_asked is None:
        if decision.objections:
            return f"objections raised: {'; '.join(map(_one_line, decision.objections))}"
        return ""
    if not decision.objections:
        return (
            "objections asked, none raised"
            if decision.objections_asked
            else ("objections not asked")
        )
    asked = "objections asked" if decision.objections_asked else "objections not asked"
    raised = "; ".join(_one_line(text, 120) for text in decision.objections)
    return f"{asked}, {len(decision.objections)} raised: {raised}"


def decision_detail(decision: Decision) -> str:
    """What follows the decision's text: `decided by Dana; objections asked, none raised`."""
    parts = []
    if decision.decided_by:
        parts.append(f"decided by {_one_line(decision.decided_by, 80)}")
    poll = poll_words(decision)
    if poll:
        parts.append(poll)
    return "; ".join(parts)
