"""The `?` help screen: every key of the console, generated from the live bindings."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from warroom.ui.footer import KeysFooter

NOTE_HELP = [
    ("f: text", "a finding"),
    ("a: text", "an action taken"),
    ("d: text", "a decision"),
    ("t: text", "a todo (becomes an action item in the post-mortem; @name owns it)"),
    ("hyp: text", "a hypothesis (h: the board to confirm, rule out, link evidence)"),
    ("-5m text", "backdated five minutes (also -1h30m)"),
    ("@14:02 text", "backdated to 14:02 in the zone the timeline shows (its title says)"),
    ("ctrl+j", "a new line in the note (a paste keeps its lines)"),
]


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,question_mark,q", "dismiss", "Close")]

    def __init__(self, sections: list[tuple[str, list[tuple[str, str]]]]) -> None:
        super().__init__()
        self.sections = sections

    def compose(self) -> ComposeResult:
        table = Table.grid(padding=(0, 2))
        table.add_column(style="bold", no_wrap=True)
        table.add_column()
        for title, rows in [*self.sections, ("Note input prefixes", NOTE_HELP)]:
            table.add_row(Text(title, style="bold underline"), "")
            for key, description in rows:
                table.add_row(Text(key), Text(description))
            table.add_row("", "")
        with VerticalScroll(id="help"):
            yield Static(Text("warroom keys  (Esc closes)", style="bold"))
            yield Static(table)
        yield KeysFooter()
