"""Making untrusted text inert, for every sink that shows or writes it.

Text from HTTP bodies, vendor pages, notes, runbooks, scenario files, service names and
command-line arguments is shown and exported literally. This module is the one place
that says how, per sink:

- `inert` (screen, terminal, Markdown): C0/C1 control characters and terminal escapes
  (ESC, BEL, CSI U+009B...) become a visible `\\xNN`; characters that reorder or hide
  text (the bidirectional overrides and isolates U+202A-202E, U+2066-2069, zero-width
  U+200B-200F, U+2060, U+FEFF) and lone surrogates (undecodable bytes) become a visible
  `<U+202E>`, so they are shown, never applied.
- `for_terminal`: one line for the CLI (newlines shown as ⏎).
- `markdown_inline`: `inert` on one line, and HTML tags made text (`<` as `&lt;`), so a
  note holding `<img src=...>` stays a note in the wiki.
- `json_text`: JSON already escapes C0 controls; this escapes what `ensure_ascii=False`
  leaves raw (DEL, C1, the reordering characters, lone surrogates) as `\\uXXXX`, so the
  document reads back to the same strings and no terminal acts on it.

Markup safety on screen is the UI's job (`warroom.ui.safe_text` builds `Text` from
`inert`, never parsing markup); this module stays pure Python.
"""

from __future__ import annotations

import re

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# Characters that change how the text around them is ordered or shown, and lone
# surrogates (what undecodable bytes become in arguments read with surrogateescape).
_HIDDEN_RANGES = "\u200b-\u200f\u202a-\u202e\u2060\u2066-\u2069\ufeff\ud800-\udfff"
_HIDDEN = re.compile(f"[{_HIDDEN_RANGES}]")
_JSON_RAW = re.compile(f"[\x7f-\x9f{_HIDDEN_RANGES}]")
# `<` that could open an HTML tag, comment or declaration (not our own `<U+202E>` marks,
# which no Markdown renderer reads as a tag).
_TAG_START = re.compile(r"<(?=[A-Za-z/!?])(?!U\+[0-9A-F]{4,6}>)")


def _visible(match: re.Match[str]) -> str:
    return f"<U+{ord(match[0]):04X}>"


def inert(text: str, *, single_line: bool = False) -> str:
    """`text` with control characters shown as `\\xNN` (newlines too when single_line),
    and reordering or invisible characters as `<U+XXXX>`."""
    if type(text) is str and text.isprintable():
        return text  # the common case, in C: no control, no newline, no format character
    cleaned = _CONTROL.sub(lambda m: f"\\x{ord(m[0]):02x}", str(text))
    cleaned = _HIDDEN.sub(_visible, cleaned)
    if single_line:
        cleaned = cleaned.replace("\n", " ⏎ ").replace("\t", " ")  # \r is \\x0d already
    return cleaned


def for_terminal(text: str) -> str:
    """One line safe to print: nothing in it can move the cursor, set a title or reorder."""
    return inert(text, single_line=True)


def markdown_inline(text: str) -> str:
    """One line of Markdown that shows `text` as written: no escapes, no live HTML tags."""
    return _TAG_START.sub("&lt;", inert(text, single_line=True))


def json_text(document: str) -> str:
    """A JSON document (from `json.dumps(..., ensure_ascii=False)`) with the characters a
    terminal or a reader would act on written as `\\uXXXX` escapes: the same data."""
    return _JSON_RAW.sub(lambda m: f"\\u{ord(m[0]):04x}", document)


def has_surrogates(text: str) -> bool:
    """True when `text` holds bytes that were not UTF-8 (read with surrogateescape)."""
    return any("\ud800" <= char <= "\udfff" for char in text)


def shorten(text: str, width: int) -> str:
    """At most `width` characters, with an ellipsis when cut."""
    if width <= 0:
        return ""
    return text if len(text) <= width else text[: max(width - 1, 0)] + "…"
