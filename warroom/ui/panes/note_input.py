"""The note input under the timeline: a small editor that grows with what is typed.

`enter` saves the note; `ctrl+j` (also `shift+enter` or `alt+enter` where the terminal
tells them apart) starts a new line; a paste keeps every line of what was pasted (a log
excerpt stays a log excerpt). The box grows to a few lines and scrolls after that.
Text goes into a `TextArea`, which never interprets markup.
"""

from __future__ import annotations

from typing import Any

from textual import events
from textual.binding import Binding
from textual.message import Message
from textual.widgets import TextArea

NEWLINE_KEYS = frozenset({"ctrl+j", "shift+enter", "alt+enter"})
PLACEHOLDER = "n: note  f: finding  a: action  d: decision  t: todo  -5m/@14:02  ctrl+j: new line"


class NoteInput(TextArea):
    """Enter submits; ctrl+j inserts a newline; escape goes back to the timeline."""

    BINDINGS = [
        Binding("enter", "submit", "Save note", id="note.submit", tooltip="save the note"),
        Binding("ctrl+j", "newline", "New line", id="note.newline", tooltip="new line in the note"),
    ]

    class Submitted(Message):
        def __init__(self, note_input: NoteInput, value: str) -> None:
            super().__init__()
            self.note_input = note_input
            self.value = value

        @property
        def control(self) -> NoteInput:
            return self.note_input

    def __init__(self, placeholder: str = PLACEHOLDER, **kwargs: Any) -> None:
        super().__init__(
            soft_wrap=True,
            show_line_numbers=False,
            tab_behavior="focus",
            placeholder=placeholder,
            compact=True,
            **kwargs,
        )

    @property
    def value(self) -> str:
        return self.text

    @value.setter
    def value(self, text: str) -> None:
        self.load_text(text)
        self.move_cursor(self.document.end)

    async def _on_key(self, event: events.Key) -> None:
        if event.key == "enter":
            event.stop()
            event.prevent_default()
            self.action_submit()
            return
        if event.key in NEWLINE_KEYS:
            event.stop()
            event.prevent_default()
            self.action_newline()
            return
        await super()._on_key(event)

    def action_submit(self) -> None:
        self.post_message(self.Submitted(self, self.text))

    def action_newline(self) -> None:
        self.insert("\n")
