"""Making untrusted text inert: control characters and terminal escapes made visible.

Text from HTTP bodies, vendor pages, notes and runbooks is shown and exported literally.
Markup safety is the UI's job (it never parses such text as markup); this module makes
sure no escape sequence reaches a terminal or a file: ESC, BEL, CSI and every other C0/C1
control character except newline and tab are replaced by a visible `\\xNN` form.
"""

from __future__ import annotations

import re

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def inert(text: str, *, single_line: bool = False) -> str:
    """`text` with control characters shown as `\\xNN` (newlines too when single_line)."""
    if type(text) is str and text.isprintable():
        return text  # the common case, in C: no control character, no newline, no tab
    cleaned = _CONTROL.sub(lambda m: f"\\x{ord(m[0]):02x}", str(text))
    if single_line:
        cleaned = cleaned.replace("\r", " ").replace("\n", " ⏎ ").replace("\t", " ")
    return cleaned


def shorten(text: str, width: int) -> str:
    """At most `width` characters, with an ellipsis when cut."""
    if width <= 0:
        return ""
    return text if len(text) <= width else text[: max(width - 1, 0)] + "…"
