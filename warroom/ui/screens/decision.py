"""The decision form (`d`): the proposal, whether strong objections were asked for, the
ones raised (one a line), and who decided (the IC unless changed). `ctrl+s` records it,
`escape` leaves without recording; a form missing its proposal stays open and says so.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Checkbox, Input, Label, TextArea

from warroom.model.decisions import MAX_OBJECTION_LENGTH, MAX_OBJECTIONS
from warroom.ui.footer import KeysFooter
from warroom.ui.screens.command_board import COMMON_CSS


@dataclass(frozen=True)
class DecisionForm:
    proposal: str
    objections_asked: bool
    objections: tuple[str, ...]
    decided_by: str


class DecisionScreen(ModalScreen[DecisionForm | None]):
    CSS = (
        COMMON_CSS.format(name="DecisionScreen")
        + """
    DecisionScreen .decision-row {
        height: auto;
        margin-top: 1;
    }
    DecisionScreen .decision-label {
        width: 14;
    }
    DecisionScreen Input {
        width: 1fr;
    }
    DecisionScreen TextArea {
        width: 1fr;
        height: 4;
        background: $boost;
    }
    DecisionScreen Checkbox {
        width: 1fr;
    }
    DecisionScreen #decision-error {
        height: auto;
        width: 100%;
    }
    """
    )
    BINDINGS = [
        Binding("ctrl+s", "save", "Record", id="decision.save"),
        Binding("escape", "cancel", "Cancel"),
    ]

    def __init__(self, ic: str, proposal: str = "") -> None:
        super().__init__()
        self.ic = ic
        self.proposal = proposal

    def compose(self) -> ComposeResult:
        with Vertical(id="decision"):
            yield Label(
                Text("Decision: poll for strong objections, then record who decided"),
                classes="board-title",
            )
            with Horizontal(classes="decision-row"):
                yield Label(Text("Proposal"), classes="decision-label")
                yield Input(
                    self.proposal,
                    placeholder="e.g. fail over to the replica",
                    id="decision-proposal",
                    compact=True,
                )
            with Horizontal(classes="decision-row"):
                yield Label(Text("Poll"), classes="decision-label")
                yield Checkbox(
                    "Asked for strong objections before deciding",
                    id="decision-asked",
                    compact=True,
                )
            with Horizontal(classes="decision-row"):
                yield Label(Text("Objections\n(one a line)"), classes="decision-label")
                yield TextArea(id="decision-objections", soft_wrap=True, compact=True)
            with Horizontal(classes="decision-row"):
                yield Label(Text("Decided by"), classes="decision-label")
                yield Input(self.ic, placeholder="the IC", id="decision-by", compact=True)
            yield Label("", id="decision-error")
            yield Label(
                Text("tab next field  space ticks the poll  ctrl+s records  esc cancels"),
                classes="board-keys",
            )
        yield KeysFooter()

    def on_mount(self) -> None:
        self.query_one("#decision-proposal", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.input.id == "decision-by":
            self.action_save()
        else:
            self.focus_next()

    def form(self) -> DecisionForm:
        raised = self.query_one("#decision-objections", TextArea).text.splitlines()
        return DecisionForm(
            proposal=self.query_one("#decision-proposal", Input).value.strip(),
            objections_asked=self.query_one("#decision-asked", Checkbox).value,
            objections=tuple(line.strip() for line in raised if line.strip()),
            decided_by=self.query_one("#decision-by", Input).value.strip(),
        )

    def _refuse(self, message: str) -> None:
        self.query_one("#decision-error", Label).update(Text(message, style="bold"))

    def action_save(self) -> None:
        form = self.form()
        if not form.proposal:
            self._refuse("Write the proposal that was decided (nothing recorded yet)")
            self.query_one("#decision-proposal", Input).focus()
            return
        if len(form.objections) > MAX_OBJECTIONS:
            self._refuse(f"At most {MAX_OBJECTIONS} objections (one a line)")
            return
        if any(len(" ".join(o.split())) > MAX_OBJECTION_LENGTH for o in form.objections):
            self._refuse(f"An objection is longer than {MAX_OBJECTION_LENGTH} characters")
            return
        self.dismiss(form)

    def action_cancel(self) -> None:
        self.dismiss(None)
