"""The handoff modal (`H`): the brief, copied as it opens, and "Take command".

Flags come first (roles nobody holds, an IC stint over the configured limit); then the
brief as plain text. `y` copies it again, `t` takes command (asks for the new IC's name,
the console's author by default), Esc closes. The brief is rebuilt when the incident
changes, so an IC change made on another console shows here too.
"""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from warroom.model.text import inert
from warroom.ui.footer import KeysFooter


class HandoffScreen(ModalScreen[None]):
    BINDINGS = [
        Binding("escape,q,H", "close", "Close"),
        Binding("y", "copy_brief", "Copy brief", id="handoff.copy"),
        Binding("t", "take", "Take command", id="handoff.take"),
    ]

    def __init__(
        self,
        build: Callable[[], tuple[str, list[str]]],
        copy: Callable[[str], str],
        take: Callable[[], None],
    ) -> None:
        super().__init__()
        self.build = build
        self.copy = copy
        self.take = take
        self.brief = ""

    def compose(self) -> ComposeResult:
        with Vertical(id="handoff"):
            yield Label(Text("Handoff brief", style="bold"), id="handoff-title")
            yield Label(Text(""), id="handoff-flags")
            with VerticalScroll(id="handoff-body"):
                yield Static(Text(""), id="handoff-text")
            yield Label(Text(""), id="handoff-copied")
            yield Label(Text("y copy again  t take command  esc close"), id="handoff-keys")
        yield KeysFooter()

    def on_mount(self) -> None:
        self.rebuild()
        self.action_copy_brief()
        self.set_interval(1.0, self.rebuild)
        self.query_one("#handoff-body").focus()

    def rebuild(self) -> None:
        brief, flags = self.build()
        flag_label = self.query_one("#handoff-flags", Label)
        flag_label.update(Text("\n".join(f"⚠ {inert(f, single_line=True)}" for f in flags), "bold"))
        flag_label.display = bool(flags)
        if brief != self.brief:
            self.brief = brief
            self.query_one("#handoff-text", Static).update(Text(inert(brief)))

    def action_copy_brief(self) -> None:
        message = self.copy(self.brief)
        self.query_one("#handoff-copied", Label).update(Text(inert(message, single_line=True)))

    def action_take(self) -> None:
        self.take()

    def action_close(self) -> None:
        self.dismiss(None)
