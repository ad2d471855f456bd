"""The timeline pane: every event in time order, virtualised for 100,000 entries.

Only the visible lines are rendered (Line API), so scrolling stays instant however long
the incident runs. Each entry wraps to the pane's width with its continuation lines
hanging under the text (`timeline_layout`), a date row marks each new day in the zone on
screen, and rendered lines are cached per width. The view follows the newest entry while
the cursor sits on it at the bottom; once the IC moves up or scrolls away it stays put
and counts what arrived ("N new"). Entry text is untrusted and is rendered as plain
`Text`, never markup.
"""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from typing import Any

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
from warroom.ui.panes.timeline_layout import PREFIX_WIDTH, TimelineLayout, entry_body, wrap_spans

KIND_LABELS: dict[object, tuple[str, str]] = {
    NoteKind.NOTE: ("note", "note"),
    NoteKind.FINDING: ("FIND", "finding"),
    NoteKind.ACTION: ("ACT", "action"),
    NoteKind.DECISION: ("DECIDE", "decision"),
    NoteKind.TODO: ("TODO", "todo"),
    NoteKind.HYPOTHESIS: ("HYP", "finding"),
    EventKind.HYPOTHESIS_STATE: ("HYP", "decision"),
    EventKind.EVIDENCE_LINKED: ("HYP", "status"),
    EventKind.TODO_UPDATED: ("TODO", "todo"),
    EventKind.DECLARED: ("DECLARE", "status"),
    EventKind.SEVERITY_CHANGED: ("SEV", "status"),
    EventKind.STATUS_CHANGED: ("STATUS", "status"),
    EventKind.ROLE_ASSIGNED: ("ROLE", "status"),
    EventKind.SCENARIO_CHANGED: ("SCEN", "status"),
    EventKind.STEP_CHECKED: ("tick", "status"),
    EventKind.STEP_UNCHECKED: ("untick", "status"),
    EventKind.PROBE_STATE_CHANGED: ("probe", "auto"),
    EventKind.COMMS_COPIED: ("comms", "status"),
    EventKind.RECORD_SET: ("RECORD", "status"),
    EventKind.MILESTONE_SET: ("MILE", "status"),
    EventKind.TIMER_FIRED: ("TIMER", "auto"),
    EventKind.ESCALATION: ("ESCAL", "status"),
    EventKind.COMMS_SENT: ("SENT", "status"),
    EventKind.COMMS_DELIVERY: ("SENT", "status"),
    EventKind.ASK: ("ASK", "decision"),
}


def entry_label(entry: TimelineEntry) -> tuple[str, str]:
    key = entry.note_kind if entry.note_kind is not None else entry.kind
    label, style = KIND_LABELS.get(key, (str(entry.kind), "status"))
    return label, "auto" if entry.event.automatic else style


def local_zone() -> tzinfo:
    """This machine's zone (for a console without `incident.timezone`)."""
    return datetime.now().astimezone().tzinfo or UTC


LINE_CACHE_SIZE = 4000
KEPT_LAYOUTS = 3


class TimelineView(ScrollView, can_focus=True):
    """A scrollable, virtual list of wrapped timeline entries with a cursor."""

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
        "timeline--date",
    }

    BINDINGS = [
        Binding("up,k", "cursor(-1)", "Up", show=False),
        Binding("down,j", "cursor(1)", "Down", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
        Binding("home", "jump(0)", "First", show=False, id="timeline.first", tooltip="first entry"),
        Binding(
            "end",
            "jump(-1)",
            "Newest",
            show=False,
            id="timeline.newest",
            tooltip="newest entry (follows new ones)",
        ),
        Binding("enter", "edit", "Edit", id="timeline.edit", tooltip="edit the selected note"),
        Binding(
            "x",
            "strike",
            "Strike",
            id="timeline.strike",
            tooltip="strike the note (withdrawn, still in the record)",
        ),
        Binding("p", "pin", "Pin", id="timeline.pin", tooltip="pin / unpin the note"),
        Binding(
            "t",
            "toggle_zone",
            "UTC/local",
            id="timeline.zone",
            tooltip="UTC or local time (typed times are read in it too)",
        ),
    ]

    cursor = reactive(0, always_update=True, init=False)
    local_time = reactive(False)

    class EntryAction(Message):
        """The responder asked something of a note (one subclass per request)."""

        def __init__(self, entry: TimelineEntry) -> None:
            super().__init__()
            self.entry = entry

    class EditRequested(EntryAction):
        """Edit the note's text."""

    class StrikeRequested(EntryAction):
        """Strike the note (kept, shown struck)."""

    class PinRequested(EntryAction):
        """Pin or unpin the note."""

    class Changed(Message):
        """The zone on screen or the count of unseen new entries changed."""

        def __init__(self, zone_label: str, unseen: int) -> None:
            super().__init__()
            self.zone_label = zone_label
            self.unseen = unseen

    def __init__(
        self, zone: tzinfo | None = None, zone_name: str | None = None, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.entries: list[TimelineEntry] = []
        self.zone = zone
        self.zone_name = zone_name
        self.unseen = 0
        self._shown = 0
        self._layout: TimelineLayout | None = None
        self._to_end = False  # a scroll to the last entry waits for the next refresh
        self._layouts: dict[tuple[int, tzinfo], TimelineLayout] = {}
        # Rendered entries by what they show: a redraw after a new event re-renders only
        # entries that changed, not the whole visible page.
        self._lines: dict[tuple[object, ...], list[Strip]] = {}

    # Zones -------------------------------------------------------------------------

    @property
    def display_zone(self) -> tzinfo:
        """The zone times are shown in, and read in when typed."""
        if not self.local_time:
            return UTC
        return self.zone or local_zone()

    @property
    def zone_label(self) -> str:
        if not self.local_time:
            return "UTC"
        if self.zone_name:
            return self.zone_name
        return datetime.now(self.display_zone).tzname() or "local"

    # Data --------------------------------------------------------------------------

    @property
    def following(self) -> bool:
        """The cursor is on the newest entry and the view at the bottom."""
        if not self._shown:
            return True
        at_end = self.cursor >= self._shown - 1
        # A scroll to the end asked for and not done yet (it waits for a refresh) still
        # counts: an entry arriving meanwhile must not leave the view at the top.
        return at_end and (self._to_end or self.scroll_y >= self.max_scroll_y - 1)

    def reset(self) -> None:
        """Forget the entries shown (another incident comes next)."""
        self.entries = []
        self._shown = 0
        self._layout = None
        self._layouts.clear()
        self._lines.clear()
        self.unseen = 0
        self.cursor = 0
        self._announce()

    def set_entries(self, entries: list[TimelineEntry], appended: bool = False) -> None:
        """Show `entries`; `appended` says the previous entries are unchanged and only new
        ones were added at the end (then only those are laid out)."""
        # The session appends to the same list the view holds: `_shown` is how many
        # entries were on screen before this call.
        follow = self.following
        before = self._shown
        layout = self._layout
        if (
            layout is None
            or not appended
            or entries is not self.entries
            or not layout.continues(entries)
        ):
            self._layout = None
            self._layouts.clear()
        self.entries = entries
        self._shown = len(entries)
        if self.size.width or self._layout is not None:
            self._ensure_layout()
        # else: never on screen yet; on_resize lays the entries out once, at the real width
        # (laying out 10,000 entries at a made-up width first doubled the start-up work).
        added = len(entries) - before
        if follow:
            self.cursor = max(len(entries) - 1, 0)
            self._scroll_end()
            # A virtual size set just now may give its scroll range only after the next
            # refresh (the console opened at its first line, the cursor on its last).
            self._to_end = True
            self.call_after_refresh(self._keep_following)
        else:
            last = max(len(entries) - 1, 0)
            if self.cursor > last:
                self.cursor = last
            if added > 0:
                self.unseen += added
                self._announce()
        self.refresh()

    def _ensure_layout(self) -> TimelineLayout:
        """The layout for the current width and zone. Layouts of the last few widths are
        kept: zoom and unzoom (or a terminal resized back) lay out nothing again."""
        region = self.scrollable_content_region
        bar = 0 if self.show_vertical_scrollbar else self.styles.scrollbar_size_vertical
        if bar and len(self.entries) > region.height:
            # More entries than lines: the scrollbar is sure to come and take its columns
            # (laying out first without it would wrap every entry again once it shows).
            layout = self._layout_at(max(region.width - bar, PREFIX_WIDTH + 12))
        else:
            layout = self._layout_at(max(region.width, PREFIX_WIDTH + 12))
            if bar and layout.total > region.height:
                # Fewer entries than lines but more lines than fit: the scrollbar comes
                # and takes its columns; lay out at the width left (text at the full
                # width would be cut at the pane's edge).
                layout = self._layout_at(max(region.width - bar, PREFIX_WIDTH + 12))
        size = Size(layout.width, layout.total)
        if self.virtual_size != size:
            self.virtual_size = size
        return layout

    def _layout_at(self, width: int) -> TimelineLayout:
        zone = self.display_zone
        layout = self._layout
        if layout is None or layout.width != width or layout.zone is not zone:
            layout = self._layouts.pop((width, zone), None)
            if layout is None or not layout.continues(self.entries):
                layout = TimelineLayout(width, zone)
            self._layouts[(width, zone)] = self._layout = layout
            while len(self._layouts) > KEPT_LAYOUTS:
                del self._layouts[next(iter(self._layouts))]
        if layout.count != len(self.entries):
            layout.extend(self.entries)
        return layout

    @property
    def selected(self) -> TimelineEntry | None:
        if 0 <= self.cursor < len(self.entries):
            return self.entries[self.cursor]
        return None

    def _announce(self) -> None:
        self.post_message(self.Changed(self.zone_label, self.unseen))

    # Rendering ---------------------------------------------------------------------

    def _time(self, moment: datetime) -> str:
        return in_zone(moment, self.display_zone).strftime("%H:%M:%S")

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        base = self.rich_style
        layout = self._layout
        line = int(self.scroll_y) + y
        if layout is None or not 0 <= line < layout.total:
            return Strip.blank(width, base)
        item, offset = layout.locate(line)
        if item < 0:
            return self._date_row(self.entries[-1 - item], width, base)
        entry = self.entries[item]
        cursor = 0 if item != self.cursor else (2 if self.has_focus else 1)
        key = (
            entry.id,
            entry.text,
            len(entry.edits),
            entry.struck,
            entry.pinned,
            cursor,
            self.local_time,
            layout.width,
        )
        strips = self._lines.get(key)
        if strips is None:
            if len(self._lines) > LINE_CACHE_SIZE:
                self._lines.clear()
            strips = [
                Strip(list(text.render(self.app.console)))
                .apply_style(base)
                .crop_extend(0, width, base)
                for text in self._render_entry(entry, cursor, layout.body_width)
            ]
            self._lines[key] = strips
        return strips[offset] if offset < len(strips) else Strip.blank(width, base)

    def _date_row(self, entry: TimelineEntry, width: int, base: Style) -> Strip:
        day = in_zone(entry.event.at, self.display_zone).strftime("%A %d %B %Y")
        text = Text(f"── {day} ({self.zone_label}) ", end="")
        text.append("─" * max(width - len(text), 0))
        text.stylize(self.get_component_rich_style("timeline--date"))
        return (
            Strip(list(text.render(self.app.console))).apply_style(base).crop_extend(0, width, base)
        )

    def _render_entry(self, entry: TimelineEntry, cursor: int, body_width: int) -> list[Text]:
        label, style_name = entry_label(entry)
        kind_style = self.get_component_rich_style(f"timeline--{style_name}")
        muted = self.get_component_rich_style("timeline--time")
        prefix = Text(end="")
        prefix.append(self._time(entry.at), muted)
        prefix.append(" ")
        if entry.pinned:
            prefix.append("📌", self.get_component_rich_style("timeline--pin"))
        else:
            prefix.append("⚙ " if entry.event.automatic else "  ", muted)
        prefix.append(f"{label:<7}", kind_style)
        prefix.append(" ")
        body_text = entry_body(entry)
        author_at = body_text.rindex("  — ")
        body_style = kind_style if style_name != "note" else Style()
        if entry.struck:
            body_style = self.get_component_rich_style("timeline--struck")
        body = Text(body_text, end="")
        body.stylize(body_style, 0, author_at)
        body.stylize(muted, author_at)
        lines = []
        for number, (start, end) in enumerate(wrap_spans(body_text, body_width)):
            row = prefix.copy() if number == 0 else Text(" " * PREFIX_WIDTH, end="")
            row.append_text(body[start:end])
            if cursor == 2:
                row.stylize(self.get_component_rich_style("timeline--cursor"))
            elif cursor == 1:
                row.stylize(Style(underline=True), PREFIX_WIDTH if number else 0)
            lines.append(row)
        return lines

    # Cursor and actions ------------------------------------------------------------

    def watch_cursor(self, value: int) -> None:
        self._reveal_cursor()
        if self.unseen and value >= len(self.entries) - 1:
            self.unseen = 0
            self._announce()
        self.refresh()

    def watch_scroll_y(self, old: float, new: float) -> None:
        super().watch_scroll_y(old, new)
        if self.unseen and self.following:
            self.unseen = 0
            self._announce()

    def _scroll_end(self) -> None:
        layout = self._layout
        if layout is not None:
            self.scroll_to(
                y=max(layout.total - self.scrollable_content_region.height, 0), animate=False
            )

    def _reveal_cursor(self) -> None:
        layout = self._layout
        if layout is None or not self.entries:
            return
        first, count = layout.span(min(self.cursor, len(self.entries) - 1))
        if self.cursor == len(self.entries) - 1:
            count = layout.total - first  # the newest entry: show to the very bottom
        top = int(self.scroll_y)
        height = max(self.scrollable_content_region.height, 1)
        if first < top or count > height:
            # A date row just above the entry comes into view with it.
            above = 1 if first > 0 and layout.locate(first - 1)[0] < 0 else 0
            self.scroll_to(y=first - above, animate=False)
        elif first + count > top + height:
            self.scroll_to(y=first + count - height, animate=False)

    def on_resize(self) -> None:
        # Entries set before the first layout cannot scroll (no height yet): without this
        # a long incident opened at its first line, with the cursor on its last, unseen.
        follow = self.cursor >= len(self.entries) - 1
        first = self._layout is None
        self._ensure_layout()
        # A first layout sets the virtual size now; the scroll range follows only after
        # the next refresh (scrolling now would stop at 0).
        if follow:
            self._scroll_end()
        else:
            self._reveal_cursor()
        if first:
            self._to_end = follow
            self.call_after_refresh(self._settle, follow)
        self.refresh()

    def _keep_following(self) -> None:
        if self.entries and self.cursor >= len(self.entries) - 1:
            self._scroll_end()
        if self._layout is not None:
            self._to_end = False

    def _settle(self, follow: bool) -> None:
        """After the first layout's refresh: lay out again only if a scrollbar came after
        all and took width, then scroll to the cursor."""
        self._ensure_layout()
        if follow and self.cursor >= len(self.entries) - 1:
            self._scroll_end()
        elif not follow:
            self._reveal_cursor()
        self._to_end = False
        self.refresh()

    def watch_local_time(self) -> None:
        if self._layout is not None:
            self._ensure_layout()
            self._reveal_cursor()
        self._announce()
        self.refresh()

    def on_mount(self) -> None:
        self._announce()

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()

    def action_cursor(self, delta: int) -> None:
        if self.entries:
            self.cursor = max(0, min(self.cursor + delta, len(self.entries) - 1))

    def action_page(self, direction: int) -> None:
        layout = self._layout
        if layout is None or not self.entries:
            return
        first, _ = layout.span(self.cursor)
        target = first + direction * max(self.scrollable_content_region.height - 1, 1)
        index = layout.entry_at(max(0, min(target, layout.total - 1)))
        if index is not None:
            self.cursor = index if index != self.cursor else self.cursor + direction
            self.cursor = max(0, min(self.cursor, len(self.entries) - 1))

    def action_jump(self, index: int) -> None:
        if self.entries:
            self.cursor = index if index >= 0 else len(self.entries) - 1
            if index < 0:
                self._scroll_end()

    def action_toggle_zone(self) -> None:
        self.local_time = not self.local_time
        self.notify(f"Times shown, and read when typed, in {self.zone_label}", timeout=3)

    def _request(self, request: type[EntryAction]) -> None:
        entry = self.selected
        if entry is None:
            return
        if entry.kind is not EventKind.NOTE:
            self.notify("Only notes can be edited, struck or pinned", severity="warning")
            return
        self.post_message(request(entry))

    def action_edit(self) -> None:
        self._request(self.EditRequested)

    def action_strike(self) -> None:
        self._request(self.StrikeRequested)

    def action_pin(self) -> None:
        self._request(self.PinRequested)

    def on_click(self, event: object) -> None:
        offset = getattr(event, "y", None)
        layout = self._layout
        if offset is not None and layout is not None:
            index = layout.entry_at(int(self.scroll_y) + int(offset))
            if index is not None:
                self.cursor = index

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return self._layout.total if self._layout is not None else len(self.entries)

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._lines.clear()  # a theme change recolours every line
        self.refresh()

    def __len__(self) -> int:
        return len(self.entries)
