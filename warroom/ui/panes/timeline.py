"""The timeline pane: every event in time order, virtualised for 100,000 entries.

Only the visible lines are rendered (Line API), so scrolling stays instant however long
the incident runs. Entry text is untrusted and is rendered as plain `Text`, never markup.
The cursor follows the newest entry while it sits on the last line.
"""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo

from rich.style import Style
from rich.text import Text
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from warroom.model.events import EventKind, NoteKind, in_zone
from warroom.model.incident import TimelineEntry
from warroom.model.text import inert

KIND_LABELS: dict[object, tuple[str, str]] = {
    NoteKind.NOTE: ("note", "note"),
    NoteKind.FINDING: ("FIND", "finding"),
    NoteKind.ACTION: ("ACT", "action"),
    NoteKind.DECISION: ("DECIDE", "decision"),
    NoteKind.TODO: ("TODO", "todo"),
    EventKind.DECLARED: ("DECLARE", "status"),
    EventKind.SEVERITY_CHANGED: ("SEV", "status"),
    EventKind.STATUS_CHANGED: ("STATUS", "status"),
    EventKind.ROLE_ASSIGNED: ("ROLE", "status"),
    EventKind.SCENARIO_CHANGED: ("SCEN", "status"),
    EventKind.STEP_CHECKED: ("tick", "auto"),
    EventKind.STEP_UNCHECKED: ("untick", "auto"),
    EventKind.PROBE_STATE_CHANGED: ("probe", "auto"),
    EventKind.COMMS_COPIED: ("comms", "auto"),
    EventKind.RECORD_SET: ("RECORD", "status"),
    EventKind.MILESTONE_SET: ("MILE", "status"),
}


def entry_label(entry: TimelineEntry) -> tuple[str, str]:
    key = entry.note_kind if entry.note_kind is not None else entry.kind
    return KIND_LABELS.get(key, (str(entry.kind), "status"))


LINE_CACHE_SIZE = 4000


class TimelineView(ScrollView, can_focus=True):
    """A scrollable, virtual list of timeline entries with a cursor."""

    COMPONENT_CLASSES = {
        "timeline--cursor",
        "timeline--time",
        "timeline--auto",
        "timeline--status",
        "timeline--note",
        "timeline--finding",
        "timeline--action",
        "timeline--decision",
        "timeline--todo",
        "timeline--struck",
        "timeline--pin",
    }

    BINDINGS = [
        Binding("up,k", "cursor(-1)", "Up", show=False),
        Binding("down,j", "cursor(1)", "Down", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
        Binding("home", "jump(0)", "First", show=False),
        Binding("end", "jump(-1)", "Last", show=False),
        Binding("enter", "edit", "Edit", id="timeline.edit"),
        Binding("x", "strike", "Strike", id="timeline.strike"),
        Binding("p", "pin", "Pin", id="timeline.pin"),
        Binding("t", "toggle_zone", "UTC/local", id="timeline.zone"),
    ]

    cursor = reactive(0, always_update=True, init=False)
    local_time = reactive(False)

    class EntryAction(Message):
        """The responder asked to edit, strike or pin an entry."""

        def __init__(self, action: str, entry: TimelineEntry) -> None:
            super().__init__()
            self.action = action
            self.entry = entry

    def __init__(self, zone: tzinfo | None = None, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.entries: list[TimelineEntry] = []
        self.zone = zone
        # Rendered lines by what they show: a redraw after a new event (or a probe
        # change) re-renders only lines that changed, not the whole visible page.
        self._lines: dict[tuple[object, ...], Strip] = {}

    # Data --------------------------------------------------------------------------

    def set_entries(self, entries: list[TimelineEntry]) -> None:
        follow = not self.entries or self.cursor >= len(self.entries) - 1
        self.entries = entries
        self.virtual_size = Size(self.size.width, len(entries))
        if follow:
            self.cursor = max(len(entries) - 1, 0)
            self.scroll_to(y=max(len(entries) - self.size.height, 0), animate=False)
        else:
            self.cursor = min(self.cursor, max(len(entries) - 1, 0))
        self.refresh()

    @property
    def selected(self) -> TimelineEntry | None:
        if 0 <= self.cursor < len(self.entries):
            return self.entries[self.cursor]
        return None

    # Rendering ---------------------------------------------------------------------

    def _time(self, moment: datetime) -> str:
        if self.local_time:
            return in_zone(moment, self.zone).strftime("%H:%M:%S")
        return moment.astimezone(UTC).strftime("%H:%M:%S")

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        index = scroll_y + y
        width = self.size.width
        base = self.rich_style
        if index >= len(self.entries):
            return Strip.blank(width, base)
        entry = self.entries[index]
        cursor = 0 if index != self.cursor else (2 if self.has_focus else 1)
        key = (
            entry.id,
            entry.text,
            len(entry.edits),
            entry.struck,
            entry.pinned,
            cursor,
            self.local_time,
            scroll_x,
            width,
        )
        strip = self._lines.get(key)
        if strip is None:
            if len(self._lines) > LINE_CACHE_SIZE:
                self._lines.clear()
            strip = self._render_entry(entry, cursor).crop_extend(scroll_x, scroll_x + width, base)
            self._lines[key] = strip
        return strip

    def _render_entry(self, entry: TimelineEntry, cursor: int) -> Strip:
        label, style_name = entry_label(entry)
        kind_style = self.get_component_rich_style(f"timeline--{style_name}")
        text = Text(no_wrap=True, overflow="ellipsis", end="")
        text.append(self._time(entry.at), self.get_component_rich_style("timeline--time"))
        text.append(" ")
        text.append("📌" if entry.pinned else ("⚙ " if entry.event.automatic else "  "))
        text.append(f"{label:<7}", kind_style)
        text.append(" ")
        body = inert(entry.text, single_line=True)
        if entry.edits:
            body += " (edited)"
        author = inert(entry.event.author, single_line=True)
        body_style = kind_style if style_name != "note" else Style()
        if entry.struck:
            body_style = self.get_component_rich_style("timeline--struck")
            body = f"{body} [struck]"
        text.append(body, body_style)
        text.append(f"  — {author}", self.get_component_rich_style("timeline--time"))
        if cursor == 2:
            text.stylize(self.get_component_rich_style("timeline--cursor"))
        elif cursor == 1:
            text.stylize(Style(underline=True))
        return Strip(list(text.render(self.app.console)))

    # Cursor and actions ------------------------------------------------------------

    def watch_cursor(self, value: int) -> None:
        self._reveal_cursor()
        self.refresh()

    def _reveal_cursor(self) -> None:
        top = int(self.scroll_y)
        height = max(self.size.height, 1)
        if self.cursor < top:
            self.scroll_to(y=self.cursor, animate=False)
        elif self.cursor >= top + height:
            self.scroll_to(y=self.cursor - height + 1, animate=False)

    def on_resize(self) -> None:
        # Entries set before the first layout cannot scroll (no height yet): without this
        # a long incident opened at its first line, with the cursor on its last, unseen.
        self._reveal_cursor()

    def watch_local_time(self) -> None:
        self.refresh()

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()

    def action_cursor(self, delta: int) -> None:
        if self.entries:
            self.cursor = max(0, min(self.cursor + delta, len(self.entries) - 1))

    def action_page(self, direction: int) -> None:
        self.action_cursor(direction * max(self.size.height - 1, 1))

    def action_jump(self, index: int) -> None:
        if self.entries:
            self.cursor = index if index >= 0 else len(self.entries) - 1

    def action_toggle_zone(self) -> None:
        self.local_time = not self.local_time
        zone = "local time" if self.local_time else "UTC"
        self.notify(f"Timeline shows {zone}", timeout=2)

    def _request(self, action: str) -> None:
        entry = self.selected
        if entry is None:
            return
        if entry.kind is not EventKind.NOTE:
            self.notify("Only notes can be edited, struck or pinned", severity="warning")
            return
        self.post_message(self.EntryAction(action, entry))

    def action_edit(self) -> None:
        self._request("edit")

    def action_strike(self) -> None:
        self._request("strike")

    def action_pin(self) -> None:
        self._request("pin")

    def on_click(self, event: object) -> None:
        offset = getattr(event, "y", None)
        if offset is not None:
            self.action_jump(min(int(self.scroll_y) + int(offset), len(self.entries) - 1))

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(self.entries)

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._lines.clear()  # a theme change recolours every line
        self.refresh()

    def __len__(self) -> int:
        return len(self.entries)
