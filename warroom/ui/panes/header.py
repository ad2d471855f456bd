"""The header: incident id and title, severity badge, status, clock, IC, next update."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from rich.text import Text
from textual.widgets import Static

from warroom.model.asks import ask_counts
from warroom.model.figures import elapsed, format_clock, format_duration, next_update_due
from warroom.model.incident import IncidentState
from warroom.model.severity import SeverityLadder
from warroom.model.text import inert
from warroom.store.base import ConnectionState
from warroom.ui.contrast import badge_ink
from warroom.ui.themes import severity_tier


def store_warning(connection: ConnectionState) -> str:
    """The header's third line: events that cannot be sent, a database that refuses us."""
    parts = []  # the count first: it fits at 80 columns, the reason may be cut
    if connection.unsent:
        noun = connection.unsent_noun
        noun = noun if connection.unsent > 1 else noun.removesuffix("s")
        parts.append(f"⚠ {connection.unsent} {noun} could not be sent: see `warroom db queue`")
    if connection.refused:
        parts.append(f"⚠ DATABASE REFUSES WRITES: {inert(connection.refused, single_line=True)}")
    return "  ".join(parts)


class IncidentHeader(Static):
    """Two lines: who and what; then the clocks (a third line when the shared store cannot
    send events). Refreshed every second."""

    def __init__(
        self,
        clock: Callable[[], datetime],
        connection: Callable[[], ConnectionState] | None = None,
        **kwargs: object,
    ) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.clock = clock
        self.read_connection = connection
        self.state: IncidentState | None = None
        self.ladder: SeverityLadder | None = None
        self.connection = ConnectionState()
        self.others_open = 0
        self._refusal_told = ""

    def show(self, state: IncidentState, ladder: SeverityLadder) -> None:
        self.state = state
        self.ladder = ladder
        self.tick()

    def set_others_open(self, count: int) -> None:
        """How many other incidents are open (the incidents picker, `i`, shows them)."""
        if count != self.others_open:
            self.others_open = count
            self.tick()

    def set_connection(self, connection: ConnectionState) -> None:
        self.connection = connection
        self.tick()

    def on_mount(self) -> None:
        self.set_interval(1.0, self.tick)
        # The badge takes the theme's severity colour: redraw as soon as the theme changes
        # (not at the next second's tick; a snapshot taken in between had the old colour).
        self.app.theme_changed_signal.subscribe(self, lambda _theme: self.tick())

    def on_resize(self) -> None:
        self.tick()

    def tick(self) -> None:
        if self.read_connection is not None:
            self.connection = self.read_connection()
        state, ladder = self.state, self.ladder
        if state is None or ladder is None:
            self.update("warroom")
            return
        now = self.clock()
        level = severity_tier(ladder, state.severity)
        self.set_class(level == "critical", "-critical")
        line = Text(no_wrap=True, overflow="ellipsis")
        if getattr(self.app, "read_only", False):
            line.append(" READ-ONLY ", "bold reverse")
            line.append(" ")
        if state.drill:
            line.append(" DRILL ", "bold reverse")
            line.append(" ")
        colour = self.app.theme_variables.get(f"severity-{level}", "")
        badge = f"bold {badge_ink(colour)} on {colour}" if colour else "bold reverse"
        line.append(f" {state.severity} ", badge)
        line.append(f" {state.id} ", "bold")
        line.append(inert(state.title, single_line=True))
        line.append("\n")
        line.append(f"{state.status.value.upper()}", "bold")
        line.append(f"  ⏱ {format_clock(elapsed(state, now))}")
        ic = state.roles.get("IC")
        line.append(f"  IC: {inert(ic, single_line=True) if ic else 'unassigned'}")
        asks_open, asks_late = ask_counts(state, now)
        if asks_late:
            line.append(
                f"  ⚠ {asks_late} ASK{'S' if asks_late > 1 else ''} OVERDUE", "bold reverse"
            )
        elif asks_open:
            line.append(f"  asks {asks_open}")
        due = next_update_due(state, ladder)
        if due is not None:
            remaining = due.remaining(now)
            if due.overdue(now):
                line.append(f"  ⚠ UPDATE OVERDUE {format_duration(-remaining)}", "bold reverse")
            else:
                line.append(f"  next update in {format_duration(remaining)}")
        if self.others_open:
            others = "other incident" if self.others_open == 1 else "other incidents"
            line.append(f"  +{self.others_open} {others} open (i)", "bold")
        connection = self.connection
        if connection.refused:
            line.append("  ⚠ NOT SAVING", "bold reverse")
        elif not connection.online:
            queued = f", {connection.queued} queued" if connection.queued else ""
            line.append(f"  ⚠ OFFLINE{queued}", "bold reverse")
        elif connection.queued:
            line.append(f"  sending {connection.queued} queued", "bold")
        warning = store_warning(connection)
        if warning:
            line.append("\n")
            line.append(warning, "bold reverse")
        self._notify_refusal(connection.refused)
        # The header's height is fixed (2 lines, 3 with a store warning; warroom.tcss): a
        # layout pass for this once-a-second tick reflowed the whole screen (~35 ms) and
        # delayed key presses, so only a change of height asks for one. Each line is cut
        # to the width (a long title must not push the clocks away).
        width = self.content_region.width or self.app.size.width - 2
        rows = line.split("\n")
        for row in rows:
            row.truncate(width, overflow="ellipsis")
        tall = bool(warning)
        self.update(Text("\n").join(rows), layout=tall != self.has_class("-warning"))
        self.set_class(tall, "-warning")

    def _notify_refusal(self, refused: str) -> None:
        """Say once, in full, why the database refuses this console's writes."""
        if refused and refused != self._refusal_told:
            self.notify(
                f"The database refuses this console's writes: {refused}. New entries are "
                "not saved; what was queued stays queued (see `warroom db queue`).",
                severity="error",
                timeout=30,
            )
        self._refusal_told = refused
