"""The ask form (`a`) and the asks board (`A`).

The form is one line: `@dana check replica lag 5m #db` (owner first; a time box and a
`#workstream` may close the line). A line that cannot make an ask says why under the
field and keeps what was typed. The board lists the open asks grouped by workstream (named
on its first ask) with live countdowns; an overdue ask turns red. One key each on the
selected ask: Enter answers, `+` extends, `r` re-asks someone else, `d` drops, `n` opens
a new ask. The board only reads state and calls back: the main screen writes the events.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList
from textual.widgets.option_list import Option

from warroom.model.asks import (
    AskError,
    AskRequest,
    by_stream,
    closed_asks,
    countdown,
    format_box,
    open_asks,
    parse_ask_line,
)
from warroom.model.incident import IncidentState
from warroom.model.text import shorten
from warroom.ui.footer import KeysFooter
from warroom.ui.safe_text import plain

OVERDUE_STYLE_FALLBACK = "bold red"
STREAM_WIDTH = 12


class AskFormScreen(ModalScreen[AskRequest | None]):
    """One line makes an ask; dismisses with the request, or None on Esc."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, default_box: timedelta, value: str = "") -> None:
        super().__init__()
        self.default_box = default_box
        self.value = value

    def compose(self) -> ComposeResult:
        with Vertical(id="picker"):
            yield Label(Text("Ask someone, with a time box"), id="picker-title")
            yield Input(
                value=self.value, placeholder="@dana check replica lag 5m #db", id="ask-line"
            )
            yield Label(Text(""), id="ask-error")
            yield Label(
                Text(
                    f"@owner first; a time box (5m, 90s; default {format_box(self.default_box)})"
                    " and a #workstream may close the line. Enter asks, Esc cancels."
                )
            )
        yield KeysFooter()

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        try:
            request = parse_ask_line(event.value)
        except AskError as error:
            self.query_one("#ask-error", Label).update(plain(str(error)))
            return
        self.dismiss(request)

    def action_cancel(self) -> None:
        self.dismiss(None)


class AsksBoardScreen(ModalScreen[None]):
    """Open asks by workstream with their countdowns; acts through `act(action, ask_id)`."""

    BINDINGS = [
        Binding("escape,q,A", "close", "Close"),
        Binding("enter", "act('answer')", "Answer", id="asks.answer"),
        Binding("plus,equals_sign", "act('extend')", "Extend", id="asks.extend"),
        Binding("r", "act('reassign')", "Re-ask", id="asks.reask"),
        Binding("d", "act('drop')", "Drop", id="asks.drop"),
        Binding("n,a", "new", "New ask", id="asks.new"),
    ]

    def __init__(
        self,
        read_state: Callable[[], IncidentState],
        clock: Callable[[], datetime],
        act: Callable[[str, str], None],
        default_box: timedelta,
    ) -> None:
        super().__init__()
        self.read_state = read_state
        self.clock = clock
        self.act = act
        self.default_box = default_box
        self._shown: list[str] = []

    def compose(self) -> ComposeResult:
        with Vertical(id="asks-board"):
            yield Label(Text("Asks"), id="asks-title")
            yield OptionList(id="asks-list")
            yield Label(Text(""), id="asks-closed")
            yield Label(
                Text(
                    f"enter answer  + extend {format_box(self.default_box)}  r re-ask"
                    "  d drop  n new  esc close"
                ),
                id="asks-keys",
            )
        yield KeysFooter()

    def on_mount(self) -> None:
        self.refresh_board()
        self.query_one(OptionList).focus()
        self.set_interval(1.0, self.refresh_board)
        # Rows are cut to the list's width, known only once it is laid out.
        self.call_after_refresh(self.refresh_board)

    def on_resize(self) -> None:
        self.call_after_refresh(self.refresh_board)

    def _overdue_style(self) -> str:
        colour = self.app.theme_variables.get("update-overdue", "")
        return f"bold {colour}" if colour else OVERDUE_STYLE_FALLBACK

    def refresh_board(self) -> None:
        state, now = self.read_state(), self.clock()
        asks = open_asks(state)
        overdue = sum(1 for ask in asks if ask.overdue(now))
        title = f"Asks: {len(asks)} open" + (f", {overdue} OVERDUE" if overdue else "")
        self.query_one("#asks-title", Label).update(Text(title))
        rows: list[tuple[str, Text]] = []
        style = self._overdue_style()
        width = min(max((len(a.stream) for a in asks), default=0), STREAM_WIDTH) or 1
        options = self.query_one(OptionList)
        row_width = options.scrollable_content_region.width or self.app.size.width - 6
        row_width = max(row_width - 1, 20)
        for stream, group in by_stream(asks):
            for position, ask in enumerate(group):
                label = (stream or "-") if position == 0 else ""
                line = plain(f"{shorten(label, width):<{width}}  ", "bold")
                line.append(f"{ask.id}  ")
                line.append(f"{countdown(ask, now):>13}", style if ask.overdue(now) else "")
                line.append("  ")
                line.append(plain(f"@{ask.owner}", "bold"))
                line.append("  ")
                line.append(plain(ask.question))
                line.truncate(row_width, overflow="ellipsis")  # one row per ask
                rows.append((ask.id, line))
        ids = [row_id for row_id, _ in rows]
        if ids and ids == self._shown:
            for row_id, prompt in rows:
                options.replace_option_prompt(row_id, prompt)
        else:
            keep = self.selected()
            options.clear_options()
            options.add_options([Option(prompt, id=row_id) for row_id, prompt in rows])
            if not rows:
                options.add_option(
                    Option(Text("No open asks. n (or a) asks someone."), disabled=True)
                )
            self._shown = ids
            if ids:
                options.highlighted = ids.index(keep) if keep in ids else 0
        closed = closed_asks(state)
        answered = sum(1 for ask in closed if ask.status == "answered")
        dropped = len(closed) - answered
        summary = f"Closed: {answered} answered, {dropped} dropped" if closed else ""
        self.query_one("#asks-closed", Label).update(Text(summary))

    def selected(self) -> str | None:
        options = self.query_one(OptionList)
        if options.highlighted is None or not self._shown:
            return None
        return options.get_option_at_index(options.highlighted).id

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id:
            self.act("answer", event.option.id)

    def action_act(self, action: str) -> None:
        ask_id = self.selected()
        if ask_id is None:
            self.notify("No open ask selected", severity="warning", timeout=3)
            return
        self.act(action, ask_id)

    def action_new(self) -> None:
        self.act("new", "")

    def action_close(self) -> None:
        self.dismiss(None)
