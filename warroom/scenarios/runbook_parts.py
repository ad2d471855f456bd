"""Reading the parts of a runbook the importer turns into data: code blocks and tables.

A fenced code block in a language with line comments (shell, SQL, JS/TS...) is cut at
blank lines into chunks; a chunk led by comment lines becomes a step whose text is the
first comment ("# Check connection pool" -> "Check connection pool"), whose notes are the
other leading comments and whose command is the rest, verbatim. A chunk that does not start
with a comment continues the previous one (a blank line inside a quoted string stays put).
An untagged block of `[ ]` lines is a checklist; one drawn with box characters is a
diagram and becomes notes. Tables are sorted by their header: cause→fix, contacts, links.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, field

from warroom.model.scenario import CauseFix, Contact, Link


def _names(words: str) -> frozenset[str]:
    return frozenset(words.split())


HASH_LANGS = _names(
    "bash sh shell zsh fish ksh console shell-session bash-session shellsession powershell ps1"
    " pwsh python py python3 ruby rb yaml yml toml dockerfile make makefile ini conf nginx"
    " terraform tf hcl r perl pl"
)
DASH_LANGS = _names("sql psql postgres postgresql pgsql plpgsql mysql sqlite tsql lua")
SLASH_LANGS = _names(
    "js javascript ts typescript jsx tsx mjs go golang java c cpp c++ cs csharp rust rs kotlin"
    " kt swift php scala dart groovy jsonc json5 proto"
)
TEMPLATE_LANGS = _names("markdown md html xml mdx handlebars hbs jinja j2 email")
PLAIN_LANGS = frozenset({"", "text", "txt", "plain", "plaintext", "none", "output", "log"})
CHECKLIST_MARKS = ("[ ]", "[x]", "[X]")

CAUSE_HEADERS = ("cause", "error", "issue", "problem", "symptom", "question", "situation", "if")
FIX_HEADERS = (
    "fix",
    "solution",
    "recovery",
    "resolution",
    "remedy",
    "mitigation",
    "workaround",
    "if yes",
    "then",
    "action to take",
)
CONTACT_HEADERS = ("handle", "email", "phone", "contact", "escalate", "who", "pager", "slack")
ROLE_HEADERS = ("role", "issue", "situation", "type", "team", "area", "service", "for")
WHEN_HEADERS = ("when", "escalation time", "after", "time")
URL_HEADERS = ("url", "link", "address")


@dataclass
class CodeStep:
    text: str
    commands: list[str] = field(default_factory=list)
    notes: str = ""


@dataclass
class CodeReading:
    """What a code block gives: steps, or notes (a diagram), or nothing (a template)."""

    steps: list[CodeStep] = field(default_factory=list)
    notes: str = ""
    skipped: str = ""


def comment_marker(lang: str) -> str | None:
    if lang in HASH_LANGS:
        return "#"
    if lang in DASH_LANGS:
        return "--"
    if lang in SLASH_LANGS:
        return "//"
    return None


def read_code(code: str, lang: str, fallback_text: str) -> CodeReading:
    """Steps (or notes) from one fenced block; `fallback_text` names an uncommented chunk."""
    body = textwrap.dedent(code.expandtabs(4)).strip("\n")
    if not body.strip():
        return CodeReading(skipped="empty code block")
    if lang in TEMPLATE_LANGS:
        return CodeReading(skipped=f"{lang} block (a template, not a command)")
    if lang in PLAIN_LANGS:
        checklist = _checklist(body)
        if checklist:
            return CodeReading(steps=checklist)
        if _is_diagram(body):
            return CodeReading(notes=body)
    marker = comment_marker(lang)
    if marker is None:
        return CodeReading(steps=[CodeStep(text=fallback_text, commands=[body])])
    return CodeReading(
        steps=[_chunk_step(chunk, marker, fallback_text) for chunk in chunks(body, marker)]
    )


def code_commands(code: str, lang: str) -> list[str]:
    """The commands of a block nested in a list item: one per chunk, comments kept."""
    body = textwrap.dedent(code.expandtabs(4)).strip("\n")
    if not body.strip() or lang in TEMPLATE_LANGS:
        return []
    marker = comment_marker(lang)
    if marker is None:
        return [body]
    return ["\n".join(chunk) for chunk in chunks(body, marker)]


def chunks(body: str, marker: str) -> list[list[str]]:
    """The block cut at blank lines; a chunk not led by a comment joins the one before."""
    result: list[list[str]] = []
    current: list[str] = []
    for line in [*body.split("\n"), ""]:
        if line.strip():
            current.append(line.rstrip())
            continue
        if not current:
            continue
        if result and not _is_comment(current[0], marker):
            result[-1].extend(["", *current])
        else:
            result.append(current)
        current = []
    return result


def strip_ordinal(text: str) -> str:
    """'1. Check logs' -> 'Check logs' (a list number carried into a comment)."""
    head, _, tail = text.partition(" ")
    if tail and head[:-1].isdigit() and head[-1:] in {".", ")"}:
        return tail.strip()
    return text


def _is_comment(line: str, marker: str) -> bool:
    stripped = line.lstrip()
    return stripped.startswith(marker) and not stripped.startswith("#!")


def _comment_text(line: str, marker: str) -> str:
    return line.lstrip()[len(marker) :].strip().lstrip(marker[0]).strip()


def _chunk_step(chunk: list[str], marker: str, fallback_text: str) -> CodeStep:
    lead = 0
    while lead < len(chunk) and _is_comment(chunk[lead], marker):
        lead += 1
    comments = [_comment_text(line, marker) for line in chunk[:lead]]
    comments = [text for text in comments if text]
    command = "\n".join(chunk[lead:]).strip("\n")
    if not comments:
        return CodeStep(text=fallback_text, commands=[command] if command else [])
    return CodeStep(
        text=strip_ordinal(comments[0]),
        commands=[command] if command.strip() else [],
        notes="\n".join(comments[1:]),
    )


def _checklist(body: str) -> list[CodeStep]:
    lines = body.split("\n")
    if not any(line.lstrip().startswith(CHECKLIST_MARKS) for line in lines):
        return []
    steps: list[CodeStep] = []
    for line in lines:
        stripped = line.strip()
        if stripped.startswith(CHECKLIST_MARKS):
            steps.append(CodeStep(text=stripped[3:].strip()))
        elif stripped and steps and line[:1].isspace():
            steps[-1].notes = f"{steps[-1].notes}\n{stripped}".strip("\n")
    return [step for step in steps if step.text]


def _is_diagram(body: str) -> bool:
    return sum(1 for ch in body if "\u2500" <= ch <= "\u257f" or "\u25b2" <= ch <= "\u25bc") >= 3


def _words(name: str) -> str:
    return " " + " ".join("".join(c if c.isalnum() else " " for c in name.lower()).split()) + " "


def _has(name: str, word: str) -> bool:
    return f" {word} " in _words(name) or f" {word}s " in _words(name)


def _find(header: list[str], words: tuple[str, ...], skip: set[int]) -> int | None:
    for word in words:
        for index, name in enumerate(header):
            if index not in skip and _has(name, word):
                return index
    return None


def _cell(row: list[str], index: int | None) -> str:
    if index is None or index >= len(row):
        return ""
    return row[index].strip()


def _extras(header: list[str], row: list[str], used: set[int | None]) -> list[str]:
    return [
        f"{header[i]}: {row[i].strip()}" if header[i].strip() else row[i].strip()
        for i in range(min(len(header), len(row)))
        if i not in used and row[i].strip()
    ]


def table_causes(header: list[str], rows: list[list[str]]) -> list[CauseFix] | None:
    """Cause→fix rows, when the header has a cause column and a fix column."""
    fix = _find(header, FIX_HEADERS, set())
    cause = _find(header, CAUSE_HEADERS, {fix} if fix is not None else set())
    if cause is None or fix is None:
        return None
    found = []
    for row in rows:
        text = _cell(row, cause)
        extras = _extras(header, row, {cause, fix})
        if extras:
            text = f"{text} ({'; '.join(extras)})" if text else "; ".join(extras)
        if text:
            found.append(CauseFix(cause=text, fix=_cell(row, fix)))
    return found


def table_contacts(header: list[str], rows: list[list[str]]) -> list[Contact] | None:
    reach = _find(header, CONTACT_HEADERS, set())
    if reach is None:
        return None
    role = _find(header, ROLE_HEADERS, {reach})
    role = role if role is not None else (0 if reach != 0 else None)
    when = _find(header, WHEN_HEADERS, {reach} if role is None else {reach, role})
    found = []
    for row in rows:
        name = _cell(row, role) or _cell(row, reach)
        if name:
            found.append(
                Contact(
                    role=name,
                    reach=_cell(row, reach) if role is not None else "",
                    when=_cell(row, when),
                    notes="; ".join(_extras(header, row, {role, reach, when})),
                )
            )
    return found


def table_links(header: list[str], rows: list[list[str]]) -> list[Link] | None:
    url = _find(header, URL_HEADERS, set())
    if url is None:
        return None
    title = 0 if url != 0 else (1 if len(header) > 1 else None)
    return [
        Link(title=_cell(row, title) or _cell(row, url), url=_cell(row, url))
        for row in rows
        if "://" in _cell(row, url) or _cell(row, url).startswith("/")
    ]
