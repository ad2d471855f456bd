"""The header: incident id and title, severity badge, status, clock, IC, next update."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, NamedTuple

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


MIN_TITLE = 20
"""Cells of the title kept readable when the escalation mark shares its line."""


class EscalationHint(NamedTuple):
    """The header's words for the next escalation: `text` in full, whether it is due
    now (`urgent`), and `short`, the mark that fits a small screen (`⚠ ESCALATE (E)`)."""

    text: str
    urgent: bool
    short: str = ""


def place_urgent(
    first: Text,
    second: Text,
    title_at: int,
    urgent_at: int,
    urgent_len: int,
    short: Text,
    width: int,
) -> tuple[Text, Text]:
    """The two header lines when the escalation due now does not fit in full on the
    second (`second[urgent_at:urgent_at + urgent_len]` holds it, with its two leading
    spaces). In order: the short mark in its place, if the second line then fits; else
    the short mark after the title, the title cut to make room (never below MIN_TITLE
    cells: before, the whole mark went before the title and an 80-column header read
    "A bad r…"); else the short mark in its place, the end of the line cut."""
    rest = Text.assemble(second[:urgent_at], second[urgent_at + urgent_len :])
    in_place = Text.assemble(second[:urgent_at], "  ", short, second[urgent_at + urgent_len :])
    if in_place.cell_len <= width:
        return first, in_place
    head, title = first[:title_at], first[title_at:]
    room = width - head.cell_len - 2 - short.cell_len
    if room >= min(MIN_TITLE, title.cell_len):
        title.truncate(room, overflow="ellipsis")
        return Text.assemble(head, title, "  ", short), rest
    return first, in_place


class IncidentHeader(Static):
    """Two lines: who and what; then the clocks (a third line when the shared store cannot
    send events). Refreshed every second."""

    def __init__(
        self,
        clock: Callable[[], datetime],
        connection: Callable[[], ConnectionState] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.clock = clock
        self.read_connection = connection
        self.state: IncidentState | None = None
        self.ladder: SeverityLadder | None = None
        self.connection = ConnectionState()
        self.others_open = 0
        self._refusal_told = ""
        # The next escalation (text, urgent), set by the main screen (warroom #21).
        self.escalation_hint: Callable[[datetime], EscalationHint | None] | None = None
        # Set by the main screen: (e.g. "⚠ 2 unsent (O)", a public-page alarm line or "").
        self.delivery_status: Callable[[datetime], tuple[str, str]] | None = None

    def show(self, state: IncidentState, ladder: SeverityLadder) -> None:
        self.state = state
        self.ladder = ladder
        self.tick()

    def set_others_open(self, count: int) -> None:
        """How many other incidents are open (the incidents picker, `i`, shows them)."""
        if count != self.others_open:
            self.others_open = count
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
        title_at = len(line)
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
        escalation = self.escalation_hint(now) if self.escalation_hint else None
        urgent_at = len(line)
        if escalation is not None and escalation.urgent:  # due now: before the update clock
            line.append(f"  {escalation.text}", "bold reverse")
        urgent_end = len(line)
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
        if escalation is not None and not escalation.urgent:  # the next one: last, cut first
            line.append(f"  {escalation.text}")
        warning = store_warning(connection)
        unsent, alarm = self.delivery_status(now) if self.delivery_status else ("", "")
        if unsent:
            line.append(f"  {unsent}", "bold reverse")
        if alarm:
            warning = f"{warning}  {alarm}" if warning else alarm
        if warning:
            line.append("\n")
            line.append(warning, "bold reverse")
        self._notify_refusal(connection.refused)
        # The header's height is fixed (2 lines, 3 with a store warning; warroom.tcss): a
        # layout pass for this once-a-second tick reflowed the whole screen (~35 ms) and
        # delayed key presses, so only a change of height asks for one. Each line is cut
        # to the width (a long title must not push the clocks away).
        width = self.content_region.width or self.app.size.width - 2
        rows = list(line.split("\n"))
        if urgent_end > urgent_at and escalation is not None and rows[1].cell_len > width:
            rows[:2] = place_urgent(
                rows[0],
                rows[1],
                title_at,
                urgent_at - len(rows[0]) - 1,
                urgent_end - urgent_at,
                Text(escalation.short, "bold reverse"),
                width,
            )
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
