"""Hypotheses: what the responders think is wrong, open until confirmed or ruled out.

A hypothesis is a note of kind `hypothesis`; its state and its evidence are the
`hypothesis_state` and `evidence_linked` events that name it (see
`warroom.model.note_events`), replayed in the fold's agreed order, so every console
reads the same state: the last state change wins, a finding linked and later withdrawn
is no evidence. A struck hypothesis is gone; a struck finding is no longer evidence.

Pure functions of the incident's state. `live_hypotheses` (the open ones) and
`current_theory` feed the status updates and the handoff brief; `ruled_out` the
post-mortem.
"""

from __future__ import annotations

from dataclasses import dataclass

from warroom.model.events import Event, EventKind, NoteKind
from warroom.model.incident import ENTRY_CHANGE_KINDS, IncidentState, OnEntry, TimelineEntry
from warroom.model.note_events import CONFIRMED, OPEN, RULED_OUT, STATE_WORDS
from warroom.model.text import inert, shorten

__all__ = [
    "CONFIRMED",
    "OPEN",
    "RULED_OUT",
    "Hypothesis",
    "confirmed",
    "current_theory",
    "find_hypothesis",
    "hypotheses",
    "live_hypotheses",
    "ruled_out",
]


@dataclass(frozen=True)
class Hypothesis(OnEntry):
    """One hypothesis as it stands: its note, its state and the findings behind it."""

    entry: TimelineEntry
    state: str = OPEN  # OPEN, CONFIRMED or RULED_OUT
    reason: str = ""  # why it was confirmed or ruled out
    changed: Event | None = None  # the event that set the state (None: never changed)
    evidence: tuple[TimelineEntry, ...] = ()  # live findings, in time order

    @property
    def state_word(self) -> str:
        return STATE_WORDS.get(self.state, self.state)

    @property
    def is_open(self) -> bool:
        return self.state == OPEN


# What the hypotheses are read from: the notes, their states and evidence links, and the
# events that change an entry (an edit, a strike).
HYPOTHESIS_KINDS = (
    EventKind.NOTE,
    EventKind.HYPOTHESIS_STATE,
    EventKind.EVIDENCE_LINKED,
    *sorted(ENTRY_CHANGE_KINDS),
)


def hypotheses(state: IncidentState) -> list[Hypothesis]:
    """Every live (not struck) hypothesis, in the order they were written."""
    return list(state.reading("hypotheses", _read_hypotheses, HYPOTHESIS_KINDS))


def _read_hypotheses(state: IncidentState) -> list[Hypothesis]:
    notes = state.notes(NoteKind.HYPOTHESIS)
    if not notes:
        return []
    wanted = {entry.id for entry in notes}
    changes: dict[str, Event] = {}
    links: dict[str, dict[str, bool]] = {}
    # in the fold's order: the last word wins
    for event in state.of_kind(EventKind.HYPOTHESIS_STATE, EventKind.EVIDENCE_LINKED):
        target = str(event.payload.get("target", ""))
        if target not in wanted:
            continue
        if event.kind is EventKind.HYPOTHESIS_STATE:
            if str(event.payload.get("state", "")) in STATE_WORDS:
                changes[target] = event
        elif event.kind is EventKind.EVIDENCE_LINKED:
            finding = str(event.payload.get("finding", ""))
            linked = event.payload.get("linked", True) is not False
            links.setdefault(target, {})[finding] = linked
    result = []
    for entry in notes:
        change = changes.get(entry.id)
        evidence = []
        for finding_id, linked in links.get(entry.id, {}).items():
            linked_entry = state.entry(finding_id) if linked else None
            if linked_entry is not None and not linked_entry.struck:
                evidence.append(linked_entry)
        evidence.sort(key=lambda finding: finding.event.sort_key)
        result.append(
            Hypothesis(
                entry=entry,
                state=str(change.payload.get("state")) if change else OPEN,
                reason=str(change.payload.get("reason") or "").strip() if change else "",
                changed=change,
                evidence=tuple(evidence),
            )
        )
    return result


def live_hypotheses(state: IncidentState) -> list[Hypothesis]:
    """The open hypotheses: what the room is still testing (for updates and handoffs)."""
    return [h for h in hypotheses(state) if h.state == OPEN]


def confirmed(state: IncidentState) -> list[Hypothesis]:
    return [h for h in hypotheses(state) if h.state == CONFIRMED]


def ruled_out(state: IncidentState) -> list[Hypothesis]:
    return [h for h in hypotheses(state) if h.state == RULED_OUT]


def _one_line(text: str, width: int = 200) -> str:
    return shorten(inert(text, single_line=True).strip(), width)


def _evidence_note(hypothesis: Hypothesis) -> str:
    count = len(hypothesis.evidence)
    if not count:
        return ""
    return f" — {count} findings support it" if count > 1 else " — 1 finding supports it"


def current_theory(state: IncidentState, *, evidence: bool = True) -> str:
    """One line for an update's "current theory": the confirmed cause(s) first, then the
    open hypotheses (each with how many findings back it when `evidence`); '' when none.

    `pool leak — confirmed`, `pool leak — 2 findings support it`,
    `2 open: pool leak — 1 finding supports it; bad index`,
    `pool leak — confirmed; still open: bad index`."""
    found = hypotheses(state)
    sure = [f"{_one_line(h.text)} — confirmed" for h in found if h.state == CONFIRMED]
    live = [h for h in found if h.state == OPEN]
    open_parts = [_one_line(h.text) + (_evidence_note(h) if evidence else "") for h in live]
    if sure:
        tail = f"; still open: {'; '.join(open_parts)}" if open_parts else ""
        return "; ".join(sure) + tail
    if len(open_parts) > 1:
        return f"{len(open_parts)} open: " + "; ".join(open_parts)
    return "".join(open_parts)


def find_hypothesis(state: IncidentState, wanted: str) -> Hypothesis:
    """The one hypothesis named by an id prefix or by words of its text (ValueError
    naming the problem otherwise)."""
    wanted = wanted.strip()
    if not wanted:
        raise ValueError("name the hypothesis: its id (first characters) or words of its text")
    found = hypotheses(state)
    by_id = [h for h in found if h.id.startswith(wanted.casefold())]
    if len(by_id) == 1:
        return by_id[0]
    words = wanted.casefold()
    by_text = [h for h in found if words in h.text.casefold()]
    if len(by_text) == 1:
        return by_text[0]
    if not by_text:
        raise ValueError(f"no hypothesis matches {wanted!r} (see: warroom hypothesis ID --list)")
    raise ValueError(
        f"{len(by_text)} hypotheses match {wanted!r}; use the id (warroom hypothesis ID --list)"
    )


def find_finding(state: IncidentState, wanted: str) -> TimelineEntry:
    """The one live finding named by an id prefix or words of its text."""
    wanted = wanted.strip()
    if not wanted:
        raise ValueError("name the finding: its id (first characters) or words of its text")
    found = state.notes(NoteKind.FINDING)
    by_id = [e for e in found if e.id.startswith(wanted.casefold())]
    if len(by_id) == 1:
        return by_id[0]
    words = wanted.casefold()
    by_text = [e for e in found if words in e.text.casefold()]
    if len(by_text) == 1:
        return by_text[0]
    if not by_text:
        raise ValueError(f"no finding matches {wanted!r}")
    raise ValueError(f"{len(by_text)} findings match {wanted!r}; use the id")
