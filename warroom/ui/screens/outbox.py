"""The send preview (`S` in the comms pane) and the outbox view (`O`).

The preview names every destination of the audience (the channel's name and kind of
service, never its URL) above the text, and asks y/n. The outbox view lists what is not
yet delivered (and the last deliveries): channel, audience, state, tries, the next try
and why the last one failed; `r` tries everything now, `y` copies the selected
message's text (chat is down, the IC pastes it elsewhere), escape closes. All text from
the incident, the channels and error messages is shown as plain text.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, cast

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import DataTable, Static

from warroom.delivery.outbox import Entry
from warroom.model.text import inert
from warroom.ui.clipboard import copy_text
from warroom.ui.footer import KeysFooter

if TYPE_CHECKING:
    from warroom.ui.app import WarroomApp

RECENT_DELIVERED = 8

MODAL_CSS = """
SendPreviewScreen, OutboxScreen {
    align: center middle;
    background: $background 60%;
}
#send-preview, #outbox {
    width: 100;
    max-width: 95%;
    height: auto;
    max-height: 90%;
    border: round $accent;
    background: $surface;
    padding: 0 1;
}
#send-text {
    height: auto;
    max-height: 16;
    border: tall $foreground 40%;
}
#outbox-table {
    height: auto;
    max-height: 14;
}
#outbox-text {
    height: auto;
    max-height: 8;
    border: tall $foreground 40%;
}
"""


class SendPreviewScreen(ModalScreen[bool]):
    """Where the draft will go, and the draft: `y` sends, `n` or escape does not."""

    DEFAULT_CSS = MODAL_CSS
    BINDINGS = [
        Binding("y", "answer(True)", "Send"),
        Binding("n,escape", "answer(False)", "Cancel"),
    ]

    def __init__(self, what: str, audience: str, destinations: Sequence[str], text: str) -> None:
        super().__init__()
        self.what = what
        self.audience = audience
        self.destinations = list(destinations)
        self.text = text

    def compose(self) -> ComposeResult:
        head = Text()
        head.append(f"Send the {inert(self.what, single_line=True)} update", "bold")
        head.append(f" (for {inert(self.audience, single_line=True)}) to:")
        for label in self.destinations:
            head.append(f"\n  • {inert(label, single_line=True)}")
        with Vertical(id="send-preview"):
            yield Static(head, id="send-head")
            with VerticalScroll(id="send-text"):
                yield Static(Text(inert(self.text)))
            yield Static(Text("y: send   n / escape: do not send", style="bold"))
        yield KeysFooter()

    def action_answer(self, send: bool) -> None:
        self.dismiss(send)


class OutboxScreen(ModalScreen[None]):
    """What is waiting to be delivered, and what was delivered last."""

    DEFAULT_CSS = MODAL_CSS
    BINDINGS = [
        Binding("escape,q,O", "dismiss", "Close"),
        Binding("r", "retry", "Retry now"),
        Binding("y", "copy", "Copy text"),
    ]

    def __init__(
        self,
        read: Callable[[], list[Entry]],
        retry: Callable[[], object],
        clock: Callable[[], datetime],
        labels: dict[str, str] | None = None,
    ) -> None:
        super().__init__()
        self.read = read
        self.retry = retry
        self.clock = clock
        self.labels = labels or {}
        self.shown: list[Entry] = []

    def compose(self) -> ComposeResult:
        with Vertical(id="outbox"):
            yield Static("", id="outbox-title")
            yield DataTable(id="outbox-table", cursor_type="row", zebra_stripes=False)
            with VerticalScroll(id="outbox-text"):
                yield Static("", id="outbox-body")
            yield Static(
                Text("r: retry now   y: copy the text   escape: close", style="bold"),
                id="outbox-keys",
            )
        yield KeysFooter()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("Channel", "State", "Next try", "Tries", "For", "Why", "Incident")
        self.refresh_entries()
        self.set_interval(1.0, self.refresh_entries)
        table.focus()

    def refresh_entries(self) -> None:
        entries = self.read()
        unsent = [e for e in entries if e.unsent]
        delivered = [e for e in entries if e.status == "delivered"][-RECENT_DELIVERED:]
        shown = unsent + list(reversed(delivered))
        title = Text(f"Outbox: {len(unsent)} unsent", style="bold")
        if not unsent:
            title.append(" (everything was delivered)", style="")
        self.query_one("#outbox-title", Static).update(title)
        if [(e.key, e.status, e.attempts, e.retry_at) for e in shown] == [
            (e.key, e.status, e.attempts, e.retry_at) for e in self.shown
        ]:
            self._show_text()
            return
        self.shown = shown
        table = self.query_one(DataTable)
        row = table.cursor_row
        table.clear()
        now = self.clock()
        for entry in shown:
            table.add_row(
                Text(inert(self.labels.get(entry.channel, entry.channel), single_line=True)),
                Text(entry.status.upper() if entry.unsent else entry.status),
                Text(_next_try(entry, now)),
                Text(str(entry.attempts)),
                Text(inert(entry.audience, single_line=True)),
                Text(inert(entry.detail[:40], single_line=True)),
                Text(inert(entry.incident, single_line=True)),
                key=entry.key,
            )
        if shown:
            table.move_cursor(row=min(max(row, 0), len(shown) - 1))
        self._show_text()

    def _selected(self) -> Entry | None:
        table = self.query_one(DataTable)
        if not self.shown or table.cursor_row < 0 or table.cursor_row >= len(self.shown):
            return None
        return self.shown[table.cursor_row]

    def _show_text(self) -> None:
        entry = self._selected()
        body = self.query_one("#outbox-body", Static)
        if entry is None:
            body.update(Text("Nothing in the outbox."))
            return
        text = Text()
        if entry.unsent and entry.detail:
            text.append(f"Last try: {inert(entry.detail, single_line=True)}\n\n", "bold")
        text.append(inert(entry.text))
        body.update(text)

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_text()

    def action_retry(self) -> None:
        self.retry()
        self.notify("Trying every unsent message now", timeout=3)

    def action_copy(self) -> None:
        entry = self._selected()
        if entry is None:
            return
        app = cast("WarroomApp", self.app)
        outcome = copy_text(app, entry.text, app.data_dir, f"{entry.incident}-outbox")
        self.notify(outcome.message, timeout=6)


def _next_try(entry: Entry, now: datetime) -> str:
    if not entry.unsent:
        return entry.delivered_at.strftime("%H:%M:%S") if entry.delivered_at else ""
    if entry.retry_at is None or entry.retry_at <= now:
        return "now"
    seconds = int((entry.retry_at - now).total_seconds())
    return f"in {seconds // 60}m {seconds % 60:02d}s" if seconds >= 60 else f"in {seconds}s"
