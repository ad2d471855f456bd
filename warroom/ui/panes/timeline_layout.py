"""Where each timeline entry sits on screen: its wrapped lines at one width, and date rows.

The timeline is a virtual list of screen lines. An entry takes as many lines as its text
needs at the pane's width (continuation lines hang under the text, not under the time),
and a date row comes first and wherever the day changes in the zone on screen. The layout
is one pass over the entries per width and zone: most entries fit on one line and are
counted without wrapping (a length check), so 100,000 entries lay out in well under a
second, and new entries are appended to the layout without redoing it.
"""

from __future__ import annotations

import re
from array import array
from bisect import bisect_right
from collections.abc import Sequence
from datetime import UTC, date, tzinfo

from rich.cells import cell_len, get_character_cell_size

from warroom.model.events import in_zone
from warroom.model.incident import TimelineEntry
from warroom.model.text import inert

# "HH:MM:SS " + a two-cell mark + a seven-cell label + " ": continuation lines start here.
PREFIX_WIDTH = 19
MIN_BODY_WIDTH = 12
_TOKENS = re.compile(r"\S+\s*|\s+")


def entry_body(entry: TimelineEntry) -> str:
    """What follows the label: the text (every line of it), marks, and who wrote it
    (`warroom` for what it wrote by itself: a probe change is nobody's words)."""
    text = entry.text.replace("\r\n", "\n")  # a pasted Windows text: its lines, no \x0d
    body = inert(text).replace("\t", "    ")
    if entry.edits:
        body += " (edited)"
    if entry.struck:
        body += " [struck]"
    author = "warroom" if entry.event.automatic else inert(entry.event.author, single_line=True)
    return f"{body}  — {author}"


def wrap_spans(text: str, width: int) -> list[tuple[int, int]]:
    """(start, end) offsets of each screen line of `text` at `width` cells: lines break
    at newlines and between words; a word wider than the line is cut into pieces."""
    spans: list[tuple[int, int]] = []
    start = 0
    # One cell per character (ASCII, and the dash before the author): wrap by offsets.
    plain = text.isascii() or text.replace("—", "").isascii()
    for paragraph in text.split("\n"):
        end = start + len(paragraph)
        if (len(paragraph) if plain else cell_len(paragraph)) <= width:
            spans.append((start, end))
        elif plain:
            _wrap_plain(text, start, end, width, spans)
        else:
            _wrap_paragraph(text, start, end, width, spans)
        start = end + 1
    return spans


def _wrap_plain(text: str, start: int, end: int, width: int, spans: list[tuple[int, int]]) -> None:
    """Greedy word wrap of ASCII text (one cell a character): a line ends at the last
    space that keeps it within `width`; a word longer than the line is cut."""
    position = start
    while end - position > width:
        cut = text.rfind(" ", position + 1, position + width + 1)
        if cut <= position:
            spans.append((position, position + width))
            position += width
            continue
        spans.append((position, cut))
        position = cut + 1
        while position < end and text[position] == " ":
            position += 1
    spans.append((position, end))


def _wrap_paragraph(
    text: str, start: int, end: int, width: int, spans: list[tuple[int, int]]
) -> None:
    line_start, used = start, 0
    for token in _TOKENS.finditer(text, start, end):
        word = token.group().rstrip()
        word_cells = cell_len(word)
        if used + word_cells <= width:
            used += cell_len(token.group())
            continue
        if used:
            spans.append((line_start, token.start()))
            line_start, used = token.start(), 0
        if word_cells <= width:
            used = cell_len(token.group())
            continue
        # A word wider than the line (a URL, a hash): cut it into full lines.
        position = token.start()
        for index in range(token.start(), token.start() + len(word)):
            size = get_character_cell_size(text[index])
            if used + size > width:
                spans.append((position, index))
                position, used = index, 0
            used += size
        line_start = position
        used += cell_len(token.group()[len(word) :])
    spans.append((line_start, end))


def line_count(body: str, width: int) -> int:
    if len(body) <= width and body.replace("—", "").isascii() and body.isprintable():
        return 1  # the common case, without wrapping
    return len(wrap_spans(body, width))


class TimelineLayout:
    """The entries' lines at one width in one zone; `items` are entries and date rows.

    An item is an entry's index (>= 0), or a date row written `-1 - index` of the entry
    it comes before. `starts[i]` is the first screen line of item `i`.
    """

    def __init__(self, width: int, zone: tzinfo) -> None:
        self.width = width
        self.body_width = max(width - PREFIX_WIDTH, MIN_BODY_WIDTH)
        self.zone = zone
        self.items: array[int] = array("q")
        self.starts: array[int] = array("q")
        self.entry_item: array[int] = array("q")
        self.total = 0
        self.count = 0
        self.last: TimelineEntry | None = None  # the last entry laid out
        self._day: date | None = None

    def day_of(self, entry: TimelineEntry) -> date:
        moment = entry.event.at
        return moment.date() if self.zone is UTC else in_zone(moment, self.zone).date()

    def extend(self, entries: Sequence[TimelineEntry]) -> None:
        """Lay out the entries after the ones already laid out."""
        items, starts, entry_item = self.items, self.starts, self.entry_item
        width, total, day = self.body_width, self.total, self._day
        for index in range(self.count, len(entries)):
            entry = entries[index]
            entry_day = self.day_of(entry)
            if entry_day != day:
                day = entry_day
                items.append(-1 - index)
                starts.append(total)
                total += 1
            entry_item.append(len(items))
            items.append(index)
            starts.append(total)
            total += line_count(entry_body(entry), width)
        self.total, self._day, self.count = total, day, len(entries)
        self.last = entries[-1] if entries else None

    def continues(self, entries: Sequence[TimelineEntry]) -> bool:
        """Whether `entries` are the laid-out ones plus new ones at the end (a backdated
        note inserted in the middle is not)."""
        if len(entries) < self.count:
            return False
        return self.count == 0 or entries[self.count - 1] is self.last

    def locate(self, line: int) -> tuple[int, int]:
        """(item, line within the item) of a screen line of the layout."""
        item = bisect_right(self.starts, line) - 1
        return self.items[item], line - self.starts[item]

    def span(self, index: int) -> tuple[int, int]:
        """(first line, number of lines) of entry `index`."""
        item = self.entry_item[index]
        first = self.starts[item]
        end = self.starts[item + 1] if item + 1 < len(self.starts) else self.total
        return first, end - first

    def entry_at(self, line: int) -> int | None:
        """The entry shown on a screen line (the next entry for a date row)."""
        if not 0 <= line < self.total:
            return None
        item, _ = self.locate(line)
        return item if item >= 0 else -1 - item
