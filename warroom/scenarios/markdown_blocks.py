"""Markdown as the importer sees it: sections of simple blocks, built from markdown-it tokens.

No regular expressions touch the Markdown: markdown-it-py (CommonMark plus tables, raw
HTML off so it stays literal text) does the parsing, and this module folds its token
stream into `Section`s (one per heading, nested by level) holding `Block`s: paragraphs
(with a bold `label` such as "**Symptoms:**" picked out), lists (with `- [ ]` checkboxes
noticed), fenced code, tables and quotes. Every block remembers its line in the file.
A YAML front matter block at the very top is metadata, not Markdown, and is skipped;
HTML comments and admonitions are dealt with first (`markdown_noise`). A paragraph that is
one short bold line ("**Database down**", no colon: a colon makes it a label) is read as a
heading one level below the section it is in: many runbooks use bold lines as headings.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from markdown_it import MarkdownIt
from markdown_it.token import Token

from warroom.scenarios.markdown_noise import clean_noise

LABEL_MAX = 80
NOTE_WORDS = frozenset(
    ("note", "notes", "warning", "caution", "important", "tip", "info", "danger", "attention")
)
CHECKBOXES = ("[ ] ", "[x] ", "[X] ")


@dataclass
class Inline:
    """The plain text of some inline Markdown, and what its formatting tells us."""

    text: str
    label: str | None = None
    rest: str = ""
    all_strong: bool = False
    links: list[tuple[str, str]] = field(default_factory=list)
    lines: list[Inline] = field(default_factory=list)
    """Each source line on its own, when there are several ("**A:** x" / "**B:** y")."""


@dataclass
class Item:
    """A list item: its first paragraph, whether it was a `[ ]` checkbox, what it holds."""

    inline: Inline
    line: int
    checkbox: bool = False
    blocks: list[Block] = field(default_factory=list)


@dataclass
class Block:
    kind: str  # paragraph | heading | list | code | table | quote | rule
    line: int
    inline: Inline | None = None
    level: int = 0
    ordered: bool = False
    items: list[Item] = field(default_factory=list)
    lang: str = ""
    code: str = ""
    header: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    children: list[Block] = field(default_factory=list)


@dataclass
class Section:
    """A heading and everything up to the next heading of the same or a higher level."""

    title: str
    level: int
    line: int
    blocks: list[Block] = field(default_factory=list)
    children: list[Section] = field(default_factory=list)
    parent: Section | None = field(default=None, repr=False)

    def walk(self):
        yield self
        for child in self.children:
            yield from child.walk()

    def path(self) -> list[str]:
        names = []
        node: Section | None = self
        while node is not None and node.level > 0:
            names.append(node.title)
            node = node.parent
        return names[::-1]


def parse_markdown(text: str) -> Section:
    """The document as a tree of sections; the root (level 0) holds what precedes any heading."""
    text = clean_noise(blank_front_matter(text))
    parser = MarkdownIt("commonmark", {"html": False}).enable(["table", "strikethrough"])
    tokens = parser.parse(text)
    blocks, _ = _blocks(tokens, 0, len(tokens))
    root = Section(title="", level=0, line=1)
    stack = [root]
    bold_level = 0  # the level given to bold-line headings in the current section
    for block in blocks:
        if block.kind == "paragraph" and is_bold_heading(block):
            if bold_level == 0 or stack[-1].level != bold_level:
                bold_level = stack[-1].level + 1
            block = Block("heading", block.line, inline=block.inline, level=bold_level)
        elif block.kind == "heading":
            bold_level = 0
        if block.kind == "heading":
            while stack[-1].level >= block.level:
                stack.pop()
            title = block.inline.text if block.inline else ""
            section = Section(title=title, level=block.level, line=block.line, parent=stack[-1])
            stack[-1].children.append(section)
            stack.append(section)
        else:
            stack[-1].blocks.append(block)
    return root


def is_bold_heading(block: Block) -> bool:
    """A paragraph that is one short bold line not ending in a colon: a heading in all but name."""
    inline = block.inline
    if inline is None or not inline.all_strong or inline.lines or not inline.label:
        return False
    text = inline.text.strip()
    return (
        0 < len(text) <= LABEL_MAX
        and not text.endswith((":", ".", "!", "?", ","))
        and "`" not in text
        and text.casefold() not in NOTE_WORDS
    )


def blank_front_matter(text: str) -> str:
    """Blank out a leading `---` ... `---` YAML block, keeping line numbers."""
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        return text
    for end in range(1, min(len(lines), 200)):
        if lines[end].strip() in {"---", "..."}:
            body = [line for line in lines[1:end] if line.strip()]
            if body and ":" in body[0] and not body[0].startswith(" "):
                return "\n" * end + "\n" + "\n".join(lines[end + 1 :])
            return text
    return text


def _line(token: Token) -> int:
    return token.map[0] + 1 if token.map else 0


def _close_index(tokens: Sequence[Token], start: int) -> int:
    """Index of the token closing the one opened at `start`."""
    depth = 0
    for index in range(start, len(tokens)):
        depth += tokens[index].nesting
        if depth == 0:
            return index
    return len(tokens) - 1


def _blocks(tokens: Sequence[Token], start: int, end: int) -> tuple[list[Block], int]:
    blocks: list[Block] = []
    index = start
    while index < end:
        token = tokens[index]
        kind = token.type
        if kind == "heading_open":
            close = _close_index(tokens, index)
            inline = _inline(tokens[index + 1]) if index + 1 < close else Inline("")
            level = int(token.tag[1:]) if token.tag[1:].isdigit() else 1
            blocks.append(Block("heading", _line(token), inline=inline, level=level))
            index = close + 1
        elif kind == "paragraph_open":
            close = _close_index(tokens, index)
            inline = _inline(tokens[index + 1]) if index + 1 < close else Inline("")
            blocks.append(Block("paragraph", _line(token), inline=inline))
            index = close + 1
        elif kind in {"bullet_list_open", "ordered_list_open"}:
            close = _close_index(tokens, index)
            items = _items(tokens, index + 1, close)
            ordered = kind == "ordered_list_open"
            blocks.append(Block("list", _line(token), ordered=ordered, items=items))
            index = close + 1
        elif kind in {"fence", "code_block"}:
            info = token.info.strip().split()[0] if token.info.strip() else ""
            lang = info.strip("{}.").lower()
            blocks.append(Block("code", _line(token), lang=lang, code=token.content))
            index += 1
        elif kind == "table_open":
            close = _close_index(tokens, index)
            header, rows = _table(tokens, index + 1, close)
            blocks.append(Block("table", _line(token), header=header, rows=rows))
            index = close + 1
        elif kind == "blockquote_open":
            close = _close_index(tokens, index)
            children, _ = _blocks(tokens, index + 1, close)
            blocks.append(Block("quote", _line(token), children=children))
            index = close + 1
        elif kind == "hr":
            blocks.append(Block("rule", _line(token)))
            index += 1
        elif token.nesting == 1:
            index = _close_index(tokens, index) + 1
        else:
            index += 1
    return blocks, index


def _items(tokens: Sequence[Token], start: int, end: int) -> list[Item]:
    items = []
    index = start
    while index < end:
        token = tokens[index]
        if token.type != "list_item_open":
            index += 1
            continue
        close = _close_index(tokens, index)
        blocks, _ = _blocks(tokens, index + 1, close)
        first = blocks[0] if blocks else None
        if first is not None and first.kind == "paragraph" and first.inline is not None:
            inline = first.inline
            blocks = blocks[1:]
        else:
            inline = Inline("")
        checkbox = False
        for box in CHECKBOXES:
            if inline.text.startswith(box) or inline.text == box.strip():
                checkbox = True
                inline = _strip_prefix(inline, len(box))
                break
        items.append(Item(inline=inline, line=_line(token), checkbox=checkbox, blocks=blocks))
        index = close + 1
    return items


def _strip_prefix(inline: Inline, size: int) -> Inline:
    text = inline.text[size:].strip()
    return Inline(text=text, label=None, rest="", all_strong=False, links=inline.links)


def _table(tokens: Sequence[Token], start: int, end: int) -> tuple[list[str], list[list[str]]]:
    header: list[str] = []
    rows: list[list[str]] = []
    row: list[str] | None = None
    in_head = False
    for index in range(start, end):
        token = tokens[index]
        if token.type == "thead_open":
            in_head = True
        elif token.type == "thead_close":
            in_head = False
        elif token.type == "tr_open":
            row = []
        elif token.type == "tr_close" and row is not None:
            if in_head and not header:
                header = row
            else:
                rows.append(row)
            row = None
        elif token.type == "inline" and row is not None:
            row.append(_inline(token).text)
    return header, rows


def _inline(token: Token) -> Inline:
    """Plain text of an inline token: code spans keep their backticks, links their text."""
    children = list(token.children or ())
    inline = _inline_from(children)
    lines: list[list[Token]] = [[]]
    for child in children:
        if child.type in {"softbreak", "hardbreak"}:
            lines.append([])
        else:
            lines[-1].append(child)
    if len(lines) > 1:
        inline.lines = [_inline_from(line) for line in lines if line]
    return inline


def _inline_from(children: Sequence[Token]) -> Inline:
    parts: list[str] = []
    links: list[tuple[str, str]] = []
    strong_depth = 0
    strong_text: list[str] = []
    label_closed_at: int | None = None
    leading_strong = False
    outside_strong = False
    href: str | None = None
    link_start = 0
    break_after_label = False
    for child in children:
        kind = child.type
        piece = ""
        if label_closed_at == len(parts) and kind in {"softbreak", "hardbreak"}:
            break_after_label = True
        if kind == "text":
            piece = child.content
        elif kind == "code_inline":
            piece = f"{child.markup}{child.content}{child.markup}"
        elif kind in {"softbreak", "hardbreak"}:
            piece = " "
        elif kind == "image":
            piece = child.content
        elif kind == "strong_open":
            if not parts and strong_depth == 0 and label_closed_at is None:
                leading_strong = True
            strong_depth += 1
        elif kind == "strong_close":
            strong_depth = max(0, strong_depth - 1)
            if strong_depth == 0 and leading_strong and label_closed_at is None:
                label_closed_at = len(parts)
        elif kind == "link_open":
            href = str(child.attrs.get("href", ""))
            link_start = len(parts)
        elif kind == "link_close" and href is not None:
            links.append(("".join(parts[link_start:]).strip(), href))
            href = None
        if piece:
            parts.append(piece)
            if leading_strong and label_closed_at is None:
                strong_text.append(piece)
            elif piece.strip():
                outside_strong = True
    text = " ".join("".join(parts).split())
    inline = Inline(text=text, links=links)
    if leading_strong and strong_text:
        inline.all_strong = not outside_strong
        strong = " ".join("".join(strong_text).split())
        _set_label(inline, strong, "".join(parts[label_closed_at:]))
        if break_after_label and inline.label is None and strong.casefold() in NOTE_WORDS:
            # "> **Warning**" on a line of its own, the warning on the next: an admonition.
            inline.label, inline.rest = strong, " ".join("".join(parts[label_closed_at:]).split())
    return inline


def _set_label(inline: Inline, strong: str, after: str) -> None:
    after = " ".join(after.split())
    if strong.endswith(":") and len(strong) <= LABEL_MAX:
        inline.label, inline.rest = strong[:-1].strip(), after
    elif after.startswith(":") and len(strong) <= LABEL_MAX:
        inline.label, inline.rest = strong.strip(), after[1:].strip()
    elif not after and len(strong) <= LABEL_MAX and not strong.endswith((".", "!", "?")):
        inline.label, inline.rest = strong.strip(), ""
