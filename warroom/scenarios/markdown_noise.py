"""Runbook text that is not Markdown content, dealt with before parsing (keeping line numbers).

- HTML comments (`<!-- ... -->`, on one line or many) are blanked: they are notes to the
  runbook's authors, and with raw HTML off the parser would show them as text.
- Admonitions in the MkDocs / Python-Markdown form (`!!! warning "Title"` followed by an
  indented body, `???` for collapsible ones) would parse as a paragraph and an indented
  code block, i.e. as a command. They become block quotes led by a bold label
  (`> **Warning:** Title`), which the importer reads as a note, like `> **Warning**`.
- GitHub alerts (`> [!WARNING]`) get the same bold label, and so do Docusaurus
  directives (`:::warning Title` ... `:::`), whose body becomes the quote.
- `<details>` wrappers (raw HTML is not parsed) are dropped, and their
  `<summary>Title</summary>` becomes a bold line, which the parser reads as a heading.

Each pass is one walk over the lines: the work grows with the size of the file, no more.
Fenced code blocks are left exactly as they are.
"""

from __future__ import annotations

FENCES = ("```", "~~~")
ADMONITION_MARKS = ("!!!", "???+", "???")
GITHUB_ALERTS = ("NOTE", "TIP", "IMPORTANT", "WARNING", "CAUTION")


def clean_noise(text: str) -> str:
    """The text with HTML comments blanked and admonitions turned into quotes."""
    return _wrappers(_admonitions(_blank_comments(text)))


def _fence_of(line: str) -> str | None:
    stripped = line.lstrip(" ")
    if len(line) - len(stripped) > 3:
        return None
    for fence in FENCES:
        if stripped.startswith(fence):
            return fence
    return None


def _blank_comments(text: str) -> str:
    """`<!-- ... -->` removed outside code fences; a comment's newlines are kept."""
    if "<!--" not in text:
        return text
    out: list[str] = []
    fence: str | None = None
    in_comment = False
    for line in text.split("\n"):
        if in_comment:
            end = line.find("-->")
            if end < 0:
                out.append("")
                continue
            in_comment = False
            line = line[end + 3 :]
        elif fence is None and _fence_of(line) is not None:
            fence = _fence_of(line)
            out.append(line)
            continue
        elif fence is not None:
            if line.strip().startswith(fence):
                fence = None
            out.append(line)
            continue
        kept: list[str] = []
        position = 0
        while True:
            start = line.find("<!--", position)
            if start < 0:
                kept.append(line[position:])
                break
            kept.append(line[position:start])
            end = line.find("-->", start + 4)
            if end < 0:
                in_comment = True
                break
            position = end + 3
        out.append("".join(kept))
    return "\n".join(out)


def _admonition_head(line: str) -> tuple[str, str] | None:
    """('Warning', 'Title') for `!!! warning "Title"`, else None."""
    stripped = line.strip()
    for mark in ADMONITION_MARKS:
        if stripped.startswith(mark):
            rest = stripped[len(mark) :].strip()
            kind, _, title = rest.partition(" ")
            if not kind or not all(ch.isalnum() or ch in "-_" for ch in kind):
                return None
            return kind.replace("-", " ").replace("_", " ").capitalize(), title.strip().strip("\"'")
    return None


def _admonitions(text: str) -> str:
    if "!!!" not in text and "???" not in text and "[!" not in text:
        return text
    lines = text.split("\n")
    out: list[str] = []
    fence: str | None = None
    index = 0
    while index < len(lines):
        line = lines[index]
        index += 1
        if fence is not None:
            if line.strip().startswith(fence):
                fence = None
            out.append(line)
            continue
        if _fence_of(line) is not None:
            fence = _fence_of(line)
            out.append(line)
            continue
        alert = _github_alert(line)
        if alert is not None:
            out.append(alert)
            continue
        head = _admonition_head(line)
        if head is None or line[:1].isspace():
            out.append(line)
            continue
        kind, title = head
        out.append(f"> **{kind}:** {title}".rstrip())
        while index < len(lines) and (not lines[index].strip() or lines[index][:1] in " \t"):
            body = lines[index].expandtabs(4)
            if not body.strip():
                following = index + 1 < len(lines) and lines[index + 1][:1] in " \t"
                if not following:
                    break
                out.append(">")
            else:
                out.append("> " + body[4:] if body.startswith("    ") else "> " + body.strip())
            index += 1
    return "\n".join(out)


def _github_alert(line: str) -> str | None:
    """`> [!WARNING]` -> `> **Warning:**` (the label GitHub draws)."""
    stripped = line.strip()
    if not stripped.startswith(">"):
        return None
    inner = stripped.lstrip(">").strip()
    if inner.startswith("[!") and inner.endswith("]") and inner[2:-1].upper() in GITHUB_ALERTS:
        depth = len(stripped) - len(stripped.lstrip(">"))
        return ">" * depth + f" **{inner[2:-1].capitalize()}:**"
    return None


DROPPED_TAGS = frozenset(
    ("<details>", "<details open>", "</details>", "<br>", "<br/>", "<br />", "</summary>")
)


def _summary(stripped: str) -> str | None:
    """'Title' for `<summary>Title</summary>` (bold tags inside allowed), else None."""
    if not (stripped.startswith("<summary>") and stripped.endswith("</summary>")):
        return None
    inner = stripped[len("<summary>") : -len("</summary>")]
    for tag in ("<b>", "</b>", "<strong>", "</strong>"):
        inner = inner.replace(tag, "")
    inner = inner.strip().strip("*").strip()
    return inner or None


def _wrappers(text: str) -> str:
    if "<details" not in text and "<summary" not in text and ":::" not in text:
        return text
    out: list[str] = []
    fence: str | None = None
    directive = False
    for line in text.split("\n"):
        stripped = line.strip()
        if fence is not None:
            if stripped.startswith(fence):
                fence = None
            out.append(f"> {line}" if directive else line)
            continue
        if _fence_of(line) is not None:
            fence = _fence_of(line)
            out.append(f"> {line}" if directive else line)
            continue
        if directive:
            if stripped == ":::":
                directive = False
                out.append("")
            else:
                out.append(f"> {line}" if stripped else ">")
            continue
        if stripped.startswith(":::") and len(stripped) > 3 and stripped[3].isalpha():
            kind, _, title = stripped[3:].partition(" ")
            directive = True
            out.append(f"> **{kind.capitalize()}:** {title.strip()}".rstrip())
            continue
        summary = _summary(stripped)
        if summary is not None:
            out.append(f"**{summary}**")
        elif stripped.casefold() in DROPPED_TAGS:
            out.append("")
        else:
            out.append(line)
    return "\n".join(out)
