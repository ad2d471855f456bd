"""Read-only detail screens: a service's recent results, a checklist step's commands."""

from __future__ import annotations

import json
from pathlib import Path

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from warroom.model.text import inert
from warroom.ui.clipboard import copy_text


class DetailScreen(ModalScreen[None]):
    """A titled block of plain text (never markup)."""

    BINDINGS = [
        Binding("escape,q,enter", "dismiss", "Close"),
        Binding("y", "copy", "Copy"),
    ]

    def __init__(self, title: str, body: str, copy_text: str | None = None) -> None:
        super().__init__()
        self.title_text = title
        self.body = body
        self.copy_text = copy_text

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="detail"):
            yield Static(Text(inert(self.title_text, single_line=True), style="bold"))
            yield Static(Text(inert(self.body)))

    def action_copy(self) -> None:
        if self.copy_text:
            folder = getattr(self.app, "data_dir", None) or Path.cwd()
            outcome = copy_text(self.app, self.copy_text, folder, "command")
            self.notify(outcome.message, timeout=4)


def format_detail(detail: dict[str, object]) -> str:
    """A probe's detail dict as indented plain text."""
    try:
        return json.dumps(detail, indent=2, ensure_ascii=False, default=str)
    except (TypeError, ValueError):
        return str(detail)
