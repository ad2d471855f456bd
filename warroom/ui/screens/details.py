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
from warroom.ui.footer import KeysFooter
from warroom.ui.panes.checklist import StepRef
from warroom.ui.panes.status import ServiceRow


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
        yield KeysFooter()

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


def service_detail_text(row: ServiceRow) -> str:
    """What `enter` on a service shows: its state, reason, latency, recent results."""
    lines = [
        f"kind: {row.kind}",
        f"state: {row.state}",
        f"reason: {row.reason}",
        f"latency: {row.latency_ms if row.latency_ms is not None else '-'} ms",
    ]
    if row.recent:
        lines += ["", "recent results:", *row.recent]
    if row.detail:
        lines += ["", "detail:", format_detail(row.detail)]
    return "\n".join(lines)


def step_detail_text(ref: StepRef) -> str:
    """What `enter` on a checklist step shows: the step, its commands, its scenario's
    causes and fixes."""
    step = ref.step
    parts = [step.text]
    if step.commands:
        parts += ["", "Commands (y copies):", *step.commands]
    if step.notes:
        parts += ["", step.notes]
    scenario = ref.scenario
    if scenario.causes:
        parts += ["", "Causes and fixes:"]
        parts += [f"- {c.cause} -> {c.fix or '?'}" for c in scenario.causes]
    return "\n".join(parts)
