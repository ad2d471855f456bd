"""The command notes' own events, as the timeline shows them, and their payload words.

Hypotheses, decisions and action items are notes (`NoteKind.HYPOTHESIS`, `DECISION`,
`TODO`) whose payload may carry more than the text; what happens to them later is an
event of its own:

- `hypothesis_state`: `{"target": note id, "state": "confirmed" | "ruled_out" | "open",
  "reason": str, "text": the hypothesis as it read}`;
- `evidence_linked`: `{"target": hypothesis id, "finding": finding id, "linked": bool,
  "text": ..., "finding_text": ...}` (`linked: false` withdraws it);
- `todo_updated`: `{"target": todo id, "owner": str, "due": str, "text": ...}`, only the
  keys present change (an empty value clears).

The texts are copies made when the event was written, so a line of the timeline reads on
its own; the readers (`warroom.model.hypotheses`, `decisions`, `actions`) follow the ids.
This module knows events only (the fold imports it).
"""

from __future__ import annotations

from warroom.model.events import Event, EventKind

OPEN = "open"
CONFIRMED = "confirmed"
RULED_OUT = "ruled_out"
HYPOTHESIS_STATES = (OPEN, CONFIRMED, RULED_OUT)
STATE_WORDS = {OPEN: "open", CONFIRMED: "confirmed", RULED_OUT: "ruled out"}

# Longest copy of a target's text kept in a timeline line.
_QUOTE_WIDTH = 80


def _quoted(text: object) -> str:
    words = " ".join(str(text or "").split())
    if len(words) > _QUOTE_WIDTH:
        words = words[: _QUOTE_WIDTH - 1] + "…"
    return f'"{words}"' if words else "(no text)"


def describe_command_note(event: Event) -> str:
    """One plain line for a `hypothesis_state`, `evidence_linked` or `todo_updated`."""
    payload = event.payload
    target = _quoted(payload.get("text"))
    if event.kind is EventKind.HYPOTHESIS_STATE:
        state = str(payload.get("state", ""))
        reason = str(payload.get("reason") or "").strip()
        tail = f": {reason}" if reason else ""
        if state == OPEN:
            return f"Hypothesis reopened: {target}{tail}"
        return f"Hypothesis {STATE_WORDS.get(state, state)}: {target}{tail}"
    if event.kind is EventKind.EVIDENCE_LINKED:
        finding = _quoted(payload.get("finding_text"))
        if payload.get("linked", True) is False:
            return f"Evidence withdrawn from {target}: {finding}"
        return f"Evidence for {target}: {finding}"
    if event.kind is EventKind.TODO_UPDATED:
        changes = []
        if "owner" in payload:
            owner = str(payload.get("owner") or "")
            changes.append(f"owner {owner}" if owner else "no owner")
        if "due" in payload:
            due = str(payload.get("due") or "")
            changes.append(f"due {due}" if due else "no due date")
        return f"Action item {target}: {', '.join(changes) or 'unchanged'}"
    return str(event.kind)
