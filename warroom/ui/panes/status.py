"""The service status pane: one row per service, state as glyph + word (never colour alone).

Columns: state, service, latency with a sparkline of recent results, reason, age of the
last result, and flapping/stale marks. Every cell is a `Text` (DataTable would parse a
plain string as markup), and reasons quote what remote servers sent, so they stay plain.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from rich.text import Text
from textual.binding import Binding
from textual.message import Message
from textual.widgets import DataTable
from textual.widgets.data_table import ColumnKey

from warroom.model.durations import format_duration
from warroom.model.text import inert, shorten
from warroom.probes.shown import ShownState

GLYPHS = {
    ShownState.UP: "✔ up",
    ShownState.DEGRADED: "▲ degraded",
    ShownState.DOWN: "✖ down",
    ShownState.UNKNOWN: "? unknown",
    ShownState.MAINTENANCE: "◆ maint",
    ShownState.PENDING: "… pending",
    ShownState.STALE: "⌛ stale",
}
SPARKS = "▁▂▃▄▅▆▇█"
AGE_TICK_SECONDS = 1.0
AGE_HOLD_SECONDS = 3.0
"""While keys are being typed the ages wait (each count redraws the pane), this long at most."""


@dataclass(frozen=True)
class ServiceRow:
    """What the pane shows for one service (built by the probe feed)."""

    name: str
    kind: str
    state: ShownState
    reason: str = ""
    latency_ms: float | None = None
    history_ms: tuple[float | None, ...] = ()
    age_s: float | None = None
    stale: bool = False
    flapping: bool = False
    detail: dict[str, object] = field(default_factory=dict)
    recent: tuple[str, ...] = ()
    # POSIX time of the last result: when given, the pane counts the age itself (from
    # its clock, for the rows on screen) and `age_s` is not read.
    observed_at: float | None = None

    def age_at(self, now: float) -> float | None:
        return self.age_s if self.observed_at is None else now - self.observed_at

    def __post_init__(self) -> None:
        if not isinstance(self.state, ShownState):  # a plain word, as tests write them
            object.__setattr__(self, "state", ShownState(self.state))

    @property
    def shown(self) -> ShownState:
        """Its place among the others: a stale result counts as stale, whatever it said."""
        return ShownState.STALE if self.stale else self.state


def sparkline(values: tuple[float | None, ...], width: int = 8) -> str:
    """Latency history as block characters; a failed run is a gap (·)."""
    tail = values[-width:]
    known = [v for v in tail if v is not None]
    if not known:
        return "·" * len(tail)
    top = max(known) or 1.0
    out = []
    for value in tail:
        if value is None:
            out.append("·")
        else:
            out.append(SPARKS[min(int(value / top * (len(SPARKS) - 1)), len(SPARKS) - 1)])
    return "".join(out)


def state_cell(row: ServiceRow, colours: dict[str, str]) -> Text:
    word = GLYPHS.get(row.state, row.state)
    colour = colours.get(f"state-{row.state}", "")
    return Text(word, style=f"bold {colour}".strip())


class StatusTable(DataTable):
    """The services, worst first."""

    BINDINGS = [
        Binding(
            "enter",
            "details",
            "Details",
            id="status.details",
            tooltip="details of the selected service",
        ),
    ]

    class Details(Message):
        def __init__(self, name: str) -> None:
            super().__init__()
            self.name = name

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(cursor_type="row", zebra_stripes=False, **kwargs)
        self.rows_by_name: dict[str, ServiceRow] = {}
        self._shown: dict[str, dict[str, Text]] = {}
        self._latest: list[ServiceRow] = []
        self._aged_at = 0.0
        # Rows whose cells were cut for other column widths: redrawn by `show` (on screen
        # at once, the rest within its budget), not rebuilt.
        self._recut: set[str] = set()

    WIDE = 64  # below this width the latency and age columns are left out
    MAX_NAME = 40
    OFFSCREEN_BUDGET = 25

    def on_mount(self) -> None:
        self._layout_columns()
        # The theme's signal, not its reactive: the signal comes once the new theme's
        # colours are in place (the reactive fires before; rows drawn in between, as the
        # console opened, kept the old colours).
        self.app.theme_changed_signal.subscribe(self, self._recolour)
        self.set_interval(AGE_TICK_SECONDS, self._age_tick, name="status ages")

    def _age_tick(self) -> None:
        # Each cell update redraws the whole pane: when `show` just counted the ages (in
        # its own redraw), this tick has nothing to add; while keys are being typed the
        # ages wait a little (the keys' frames first).
        since = time.monotonic() - self._aged_at
        typing = getattr(self.app, "typing", None)
        if since < AGE_HOLD_SECONDS and callable(typing) and typing():
            return
        if since >= AGE_TICK_SECONDS * 0.9:
            self.tick_ages()

    def tick_ages(self) -> None:
        """Count the ages of the rows on screen on (rows that carry their result's time;
        the rest catch up as they scroll into sight, within a tick)."""
        self._aged_at = time.monotonic()
        if "age" not in {str(key.value) for key in self.columns}:
            return
        now = time.time()
        top = max(int(self.scroll_y), 0)
        names = list(self.rows_by_name)[top : top + self.size.height]
        for name in names:
            row = self.rows_by_name[name]
            if row.observed_at is None:
                continue
            age = Text(format_duration_short(row.age_at(now)))
            shown = self._shown.get(name)
            if shown is not None and shown.get("age") != age:
                shown["age"] = age
                self.update_cell(name, "age", age)

    def _layout_columns(self) -> None:
        """Columns for the current width: the reason gets whatever the others leave."""
        compact = self.size.width < self.WIDE
        service = self._name_width(compact)
        fixed = (
            {"state": 10, "service": service}
            if compact
            else {"state": 10, "service": service, "latency": 14, "age": 4}
        )
        padding = 2 * self.cell_padding * (len(fixed) + 1)
        reason = max(self.size.width - sum(fixed.values()) - padding - 1, 12)
        current = {str(key.value): column.width for key, column in self.columns.items()}
        wanted = {**fixed, "reason": reason}
        if current == wanted:
            return
        if list(current) == list(wanted):
            # The same columns at other widths (a FLAP mark widened the names, the pane
            # was resized): set the widths in place. Rebuilding 2,000 rows held a key
            # press for 200 ms; `show` cuts the cells again instead.
            for key, width in wanted.items():
                self.columns[ColumnKey(key)].width = width
            self._recut = set(self.rows_by_name)
            return
        self.clear(columns=True)
        titles = {"state": "State", "service": "Service", "latency": "Latency", "age": "Age"}
        for key, width in wanted.items():
            self.add_column(titles.get(key, "Reason"), key=key, width=width)
        rows = list(self.rows_by_name.values())
        self.rows_by_name = {}
        self._rebuild(rows)

    def _name_width(self, compact: bool) -> int:
        """As wide as the longest name (and its FLAP/STALE marks), within reason: at most
        `MAX_NAME`, and at most half of what the state, latency and age columns leave
        (the reason needs room too; `enter` shows both in full)."""
        longest = max(
            (len(row.name) + (11 if row.flapping or row.stale else 0) for row in self._latest),
            default=8,
        )
        others = 10 if compact else 10 + 14 + 4
        columns = 3 if compact else 5
        free = self.size.width - others - 2 * self.cell_padding * (columns + 1) - 1
        return max(min(longest, self.MAX_NAME, max(free // 2, 12)), 7)

    def on_resize(self) -> None:
        self._layout_columns()
        if self._recut:
            self.show(self._latest)

    def on_blur(self) -> None:
        # The cursor left the pane: now the rows may take their worst-first order.
        if [row.name for row in self._latest] != list(self.rows_by_name):
            self.call_after_refresh(self.show, self._latest)  # once the focus has moved

    def _recolour(self, _theme: object) -> None:
        self._rebuild(list(self.rows_by_name.values()))

    def show(self, rows: list[ServiceRow]) -> None:
        """Show the rows (worst first); only cells whose text changed are redrawn.

        Rows on screen are updated at once; rows scrolled out of sight at most
        `OFFSCREEN_BUDGET` per call (they catch up within seconds), so a cycle over
        hundreds of services never holds up a key press with thousands of cell updates.
        """
        self._latest = rows
        if self._name_width(self.size.width < self.WIDE) != self._column_width("service"):
            self._layout_columns()
        names = [row.name for row in rows]
        if self.has_focus and set(names) == set(self.rows_by_name):
            # While the IC's cursor is in the pane the rows keep their places (enter must
            # open the service under the cursor); they re-sort when the cursor leaves.
            order = {name: index for index, name in enumerate(self.rows_by_name)}
            rows = sorted(rows, key=lambda row: order[row.name])
            names = [row.name for row in rows]
        if len(names) != self.row_count or set(names) != set(self.rows_by_name):
            self._rebuild(rows)
            return
        reordered = names != list(self.rows_by_name)
        selected = self.selected_name if reordered else None
        top = max(int(self.scroll_y), 0)
        visible = range(top, top + self.size.height)
        budget = self.OFFSCREEN_BUDGET
        recut = self._recut
        for index, row in enumerate(rows):
            known = self.rows_by_name.get(row.name)
            if (known is row or known == row) and row.name not in recut:
                continue
            if index not in visible:
                if budget <= 0:
                    continue
                budget -= 1
            shown = self._shown.get(row.name, {})
            cells = self._cells(row)
            # A row on screen whose cells were cut for old widths is drawn again even if
            # its text is the same (the table keeps rendered rows until a cell changes).
            redraw = row.name in recut and index in visible
            recut.discard(row.name)
            for column, value in cells.items():
                if redraw or shown.get(column) != value:
                    self.update_cell(row.name, column, value)
                else:
                    cells[column] = shown[column]  # the table keeps the old, equal cell
            self._shown[row.name] = cells
            self.rows_by_name[row.name] = row
        if reordered:
            self._reorder(names, selected)
        self.tick_ages()

    def _reorder(self, names: list[str], selected: str | None) -> None:
        """Put the rows in `names` order in place (worst first moved): no row is rebuilt,
        which with 2,000 services took a key press's frame hundreds of milliseconds."""
        self.rows_by_name = {name: self.rows_by_name[name] for name in names}
        # The sort sees cells, not row keys: each row's service cell is the very object
        # in `_shown`, so its identity tells the row.
        place = {id(self._shown[name]["service"]): index for index, name in enumerate(names)}
        self.sort("service", key=lambda cell: place[id(cell)])
        if selected is not None and self.cursor_row != names.index(selected):
            self.move_cursor(row=names.index(selected))

    def _rebuild(self, rows: list[ServiceRow]) -> None:
        self._recut = set()
        cursor = self.cursor_row
        selected = self.selected_name
        self.clear()
        self.rows_by_name = {}
        self._shown = {}
        for row in rows:
            cells = self._cells(row)
            self.add_row(*cells.values(), key=row.name)
            self.rows_by_name[row.name] = row
            self._shown[row.name] = cells
        if rows:
            names = [row.name for row in rows]
            # The cursor stays on its service when the order (worst first) changes.
            index = names.index(selected) if selected in names else min(cursor, len(rows) - 1)
            self.move_cursor(row=index)

    def _cells(self, row: ServiceRow) -> dict[str, Text]:
        latency = "-" if row.latency_ms is None else f"{row.latency_ms:,.0f}ms"
        marks = []
        if row.flapping:
            marks.append("FLAP")
        if row.stale:
            marks.append("STALE")
        width = self._column_width("service")
        name = Text(shorten_middle(inert(row.name, single_line=True), width))
        if marks:
            name.append(" " + " ".join(marks), style="bold reverse")
        cells = {
            "state": state_cell(row, self.app.theme_variables),
            "service": name,
            "latency": Text(f"{latency:>7} {sparkline(row.history_ms, 6)}"),
            "age": Text(format_duration_short(row.age_at(time.time()))),
            "reason": Text(shorten(inert(row.reason, single_line=True), self._reason_width())),
        }
        keys = {str(key.value) for key in self.columns}
        return {key: value for key, value in cells.items() if key in keys}

    def _reason_width(self) -> int:
        return self._column_width("reason", 40)

    def _column_width(self, key: str, default: int = 12) -> int:
        column = self.columns.get(ColumnKey(key))
        return column.width if column is not None else default

    @property
    def selected_name(self) -> str | None:
        if not self.row_count:
            return None
        try:
            key = self.coordinate_to_cell_key(self.cursor_coordinate).row_key
        except Exception:
            return None
        return str(key.value) if key is not None else None

    def action_details(self) -> None:
        name = self.selected_name
        if name is not None:
            self.post_message(self.Details(name))


def shorten_middle(text: str, width: int) -> str:
    """At most `width` characters, cut in the middle: service names differ at their ends
    (`...-orders-db-primary-01` and `-02`), so both ends stay."""
    if len(text) <= width:
        return text
    if width < 5:
        return shorten(text, width)
    head = (width - 1) // 2
    return text[:head] + "…" + text[len(text) - (width - 1 - head) :]


def format_duration_short(seconds: float | None) -> str:
    """'4s', '15s', '2m', '1h': seconds exact below 10, then in steps of 5, then minutes
    (an age that changes text every second would redraw every row every second)."""
    if seconds is None:
        return "-"
    whole = max(int(seconds), 0)
    if 10 <= whole < 60:
        whole -= whole % 5
    return format_duration(timedelta(seconds=whole)).split(" ")[0]
