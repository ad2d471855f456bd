"""The declare form: title, severity, scenario and IC, in one small screen."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Button, Input, Label, Select

from warroom.model.scenario import GENERAL_SCENARIO_ID, Scenario
from warroom.model.severity import SeverityLadder
from warroom.ui.footer import KeysFooter
from warroom.ui.safe_text import plain
from warroom.ui.screens.picker import ConfirmScreen


@dataclass(frozen=True)
class Declaration:
    title: str
    severity: str
    scenario: str | None
    ic: str
    impact: str


class DeclareScreen(Screen[Declaration | None]):
    """Shown when there is no open incident; dismisses with what was entered."""

    BINDINGS = [
        Binding("ctrl+s", "declare", "Declare"),
        Binding("escape", "cancel", "Cancel"),
    ]

    def __init__(
        self,
        ladder: SeverityLadder,
        scenarios: list[Scenario],
        author: str,
        leaving: str = "quit warroom",
    ) -> None:
        super().__init__()
        self.ladder = ladder
        self.scenarios = scenarios
        self.author = author
        self.leaving = leaving

    def compose(self) -> ComposeResult:
        levels = [(f"{lvl.key}  {lvl.name}", lvl.key) for lvl in self.ladder.levels]
        scenarios = [(plain(s.title), s.id) for s in self.scenarios]
        with Vertical(id="declare"):
            yield Label(Text("Declare an incident", style="bold"), id="declare-title")
            yield Label("What is happening?")
            yield Input(
                placeholder="e.g. Checkout returns 502 for all users", id="title", compact=True
            )
            yield Label("Severity")
            yield Select(
                levels,
                value=self.ladder.levels[0].key,
                allow_blank=False,
                id="severity",
                compact=True,
            )
            yield Label("Scenario (triage checklist)")
            yield Select(
                scenarios,
                value=GENERAL_SCENARIO_ID
                if any(s.id == GENERAL_SCENARIO_ID for s in self.scenarios)
                else Select.NULL,
                id="scenario",
                compact=True,
            )
            yield Label("Incident Commander (a role; what you do is signed by you)")
            yield Input(value=self.author, id="ic", compact=True)
            yield Label("Impact (optional)")
            yield Input(placeholder="who is affected, how", id="impact", compact=True)
            yield Label("", id="declare-error")
            with Horizontal(id="declare-buttons"):
                yield Button("Declare (ctrl+s)", variant="error", id="declare-button", compact=True)
        yield KeysFooter()

    def on_mount(self) -> None:
        self.query_one("#title", Input).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.action_declare()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "impact":
            self.action_declare()
        else:
            self.focus_next()

    def action_declare(self) -> None:
        title = self.query_one("#title", Input).value.strip()
        if not title:
            self.query_one("#declare-error", Label).update(
                Text("A title is needed: one line saying what is broken.", style="bold")
            )
            self.query_one("#title", Input).focus()
            return
        scenario = self.query_one("#scenario", Select).value
        self.dismiss(
            Declaration(
                title=title,
                severity=str(self.query_one("#severity", Select).value),
                scenario=None if scenario is Select.NULL else str(scenario),
                ic=self.query_one("#ic", Input).value.strip(),
                impact=self.query_one("#impact", Input).value.strip(),
            )
        )

    def typed(self) -> bool:
        """Whether anything was typed that escape would throw away."""
        ic = self.query_one("#ic", Input).value.strip()
        return bool(
            self.query_one("#title", Input).value.strip()
            or self.query_one("#impact", Input).value.strip()
            or ic not in ("", self.author)
        )

    def action_cancel(self) -> None:
        """Escape leaves the form; with text typed it asks first (nothing lost by a slip)."""
        if not self.typed():
            self.dismiss(None)
            return

        def answered(discard: bool | None) -> None:
            if discard:
                self.dismiss(None)

        self.app.push_screen(
            ConfirmScreen(
                f"Discard what you typed and {self.leaving}?",
                yes=f"discard and {self.leaving}",
                no="back to the form",
            ),
            answered,
        )
