"""Untrusted text as something Textual shows literally (never parsed as markup).

Every string that does not come from warroom's own code (scenario and runbook text,
service names, notes, names, vendor text, error messages) reaches a widget through
`plain`: a `rich.text.Text` of `warroom.model.text.inert(text)`. Textual parses a bare
`str` as markup in border titles, subtitles, labels, option lists, tab labels, `Select`
options and notifications (`[/var]` raises MarkupError, `[@click=app.quit]` is live), and
`escape()` is not enough (see docs/ARCHITECTURE traps); a `Text` is never parsed.
"""

from __future__ import annotations

from rich.text import Text

from warroom.model.text import inert


def plain(text: object, style: str = "", *, single_line: bool = True) -> Text:
    """`text` as a Text shown exactly as written (escapes and reordering made visible)."""
    return Text(inert(str(text), single_line=single_line), style=style)


def joined(*parts: str | Text) -> Text:
    """A Text from trusted strings (warroom's own words) and `plain` pieces."""
    result = Text()
    for part in parts:
        result.append(part if isinstance(part, Text) else Text(part))
    return result
