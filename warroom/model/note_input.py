"""Reading the console's one-line note input: kind prefix and backdating.

`-5m f: DB CPU at 95%` is a finding from five minutes ago; `@14:02 decision: fail over`
a decision at 14:02. Prefixes: `f:`/`finding:`, `a:`/`action:`, `d:`/`decision:`,
`t:`/`todo:`, `hyp:`/`hypothesis:`, `n:`/`note:`; the time token (`-5m`, `-1h30m`,
`@14:02`) may come before or after the prefix. Without either, the text is a plain note from now.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, tzinfo

from warroom.model.events import NoteKind
from warroom.model.timeparse import parse_at

PREFIXES = {
    "n": NoteKind.NOTE,
    "note": NoteKind.NOTE,
    "f": NoteKind.FINDING,
    "finding": NoteKind.FINDING,
    "a": NoteKind.ACTION,
    "action": NoteKind.ACTION,
    "d": NoteKind.DECISION,
    "decision": NoteKind.DECISION,
    "t": NoteKind.TODO,
    "todo": NoteKind.TODO,
    "hyp": NoteKind.HYPOTHESIS,
    "hypothesis": NoteKind.HYPOTHESIS,
}


@dataclass(frozen=True)
class ParsedNote:
    text: str
    kind: NoteKind
    at: datetime | None


def _is_time_token(token: str) -> bool:
    if token.startswith("@") and ":" in token:
        return True
    return token.startswith("-") and len(token) > 1 and token[1].isdigit()


def parse_note_line(
    line: str, now: datetime, zone: tzinfo | None = None, default: NoteKind = NoteKind.NOTE
) -> ParsedNote:
    """Split the input into kind, time and text. Raises TimeParseError for a bad time."""
    text = line.strip()
    kind = default
    at = None
    for _ in range(2):
        head, _, rest = text.partition(" ")
        if at is None and _is_time_token(head):
            at = parse_at(head, now, zone)
            text = rest.strip()
            continue
        word, colon, after = text.partition(":")
        if colon and word.strip().casefold() in PREFIXES and " " not in word.strip():
            kind = PREFIXES[word.strip().casefold()]
            text = after.strip()
            continue
        break
    return ParsedNote(text=text, kind=kind, at=at)
