"""Comms templates: reading a template file's text, and filling its body.

A template is a small text file: TOML front matter between `+++` lines (`id`, `title`,
`audience`, optional `description` and `external`), then the message body with
`{placeholder}` fields. Finding the files is `warroom.comms_templates`'s job; what each
placeholder becomes is `warroom.model.comms`'s.

Filling is one pass of our own substitution, never `str.format`: a known placeholder is
replaced by its value, an unknown one stays visibly as written (and is reported), `{{`
and `}}` give literal braces, and inserted text is never expanded again. A missing fact
takes its sentence with it: a line using a placeholder whose value is empty is left out,
and so is a heading (a line ending in `:`) left with nothing under it.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Container
from dataclasses import dataclass

from warroom.model.text import inert

FRONT_MATTER_FENCE = "+++"
FRONT_MATTER_KEYS = frozenset({"id", "title", "audience", "description", "external"})
# Audiences whose readers are outside the company: internal detail never reaches them.
EXTERNAL_AUDIENCES = frozenset({"customers", "external", "public"})

FIELD = re.compile(r"\{\{|\}\}|\{([A-Za-z_][A-Za-z0-9_]*)\}")


class TemplateError(ValueError):
    """A template file that cannot be used (bad front matter, missing field...)."""


@dataclass(frozen=True)
class CommsTemplate:
    """One message template: who it is for and the body with its placeholders."""

    id: str
    title: str
    audience: str
    body: str
    filename: str
    description: str = ""
    source: str = "shipped"  # "shipped", or the path of the user's file
    external: bool = False

    @property
    def is_user(self) -> bool:
        return self.source != "shipped"

    @property
    def placeholders(self) -> list[str]:
        """Placeholder names the body uses, in order of first use."""
        seen: dict[str, None] = {}
        for match in FIELD.finditer(self.body):
            if match[1]:
                seen.setdefault(match[1], None)
        return list(seen)

    def unknown_in(self, known: Container[str]) -> list[str]:
        return [name for name in self.placeholders if name not in known]


def parse_template(text: str, filename: str, source: str = "shipped") -> CommsTemplate:
    """A template from a file's text; TemplateError says what is wrong and on which line."""
    lines = text.splitlines()
    if not lines or lines[0].strip() != FRONT_MATTER_FENCE:
        raise TemplateError(f"line 1: expected '{FRONT_MATTER_FENCE}' opening the header")
    try:
        close = next(i for i in range(1, len(lines)) if lines[i].strip() == FRONT_MATTER_FENCE)
    except StopIteration:
        raise TemplateError(f"no closing '{FRONT_MATTER_FENCE}' after the header") from None
    try:
        header = tomllib.loads("\n".join(lines[1:close]))
    except tomllib.TOMLDecodeError as error:
        raise TemplateError(_toml_problem(str(error), offset=1, end_line=close + 1)) from None
    unknown = sorted(set(header) - FRONT_MATTER_KEYS)
    if unknown:
        line = _header_line(lines, close, unknown[0])
        raise TemplateError(
            f"line {line}: unknown header field {unknown[0]!r}"
            f" (use {', '.join(sorted(FRONT_MATTER_KEYS))})"
        )
    values = {}
    for key in ("id", "title", "audience", "description"):
        value = header.get(key, "")
        if not isinstance(value, str):
            line = _header_line(lines, close, key)
            raise TemplateError(f"line {line}: {key} must be a string")
        if key != "description" and not value.strip():
            raise TemplateError(f"line {close + 1}: the header needs a non-empty {key!r}")
        values[key] = value.strip()
    external = header.get("external", values["audience"].casefold() in EXTERNAL_AUDIENCES)
    if not isinstance(external, bool):
        line = _header_line(lines, close, "external")
        raise TemplateError(f"line {line}: external must be true or false")
    body = inert("\n".join(lines[close + 1 :]).strip("\n"))
    if not body.strip():
        raise TemplateError(f"line {close + 2}: the template has no text after its header")
    return CommsTemplate(
        body=body + "\n", filename=filename, source=source, external=external, **values
    )


def _toml_problem(message: str, offset: int, end_line: int) -> str:
    """tomllib's message with its line made relative to the whole file."""
    match = re.search(r"\(at line (\d+), column (\d+)\)", message)
    if match:
        reason = message[: match.start()].strip()
        return f"line {int(match[1]) + offset}: {reason} (column {match[2]})"
    reason = message.replace("(at end of document)", "").strip()
    return f"line {end_line}: {reason} (at the end of the header)"


def _header_line(lines: list[str], close: int, key: str) -> int:
    pattern = re.compile(rf"^\s*{re.escape(key)}\s*=")
    for index in range(1, close):
        if pattern.match(lines[index]):
            return index + 1
    return 1


def fill(body: str, values: dict[str, str]) -> tuple[str, list[str]]:
    """One substitution pass over `body`; values are never expanded again.

    A line using a placeholder that comes out empty is dropped (its sentence goes with the
    missing fact), then a heading line (ending in ':') with nothing under it before the
    next blank line, and runs of blank lines shrink to one.
    """
    unknown: dict[str, None] = {}

    def replace(match: re.Match[str]) -> str:
        token = match[0]
        if token == "{{":
            return "{"
        if token == "}}":
            return "}"
        name = match[1]
        if name in values:
            return values[name]
        unknown.setdefault(name, None)
        return token

    kept: list[str] = []
    for line in body.split("\n"):
        names = [match[1] for match in FIELD.finditer(line) if match[1]]
        if any(name in values and not values[name].strip() for name in names):
            continue
        kept.append(FIELD.sub(replace, line))
    return "\n".join(_tidy(kept)), list(unknown)


def _tidy(lines: list[str]) -> list[str]:
    """Drop headings left empty, blank lines at the start and repeated blank lines."""
    out: list[str] = []
    for index, line in enumerate(lines):
        following = lines[index + 1] if index + 1 < len(lines) else ""
        if line.rstrip().endswith(":") and line.strip() and not following.strip():
            continue
        if not line.strip() and (not out or not out[-1].strip()):
            continue
        out.append(line)
    return out
