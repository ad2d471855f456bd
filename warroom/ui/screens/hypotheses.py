"""The hypotheses board (`h`): every hypothesis with its state and evidence.

`n` writes one, `c` confirms the selected one, `x` rules it out (asks the reason), `o`
opens it again, `e` picks the findings that are its evidence (space marks, enter links),
`escape` closes. Every change is an event, shown on every console.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Label, SelectionList
from textual.widgets.selection_list import Selection

from warroom.model.events import NoteKind
from warroom.model.hypotheses import CONFIRMED, OPEN, RULED_OUT, Hypothesis, hypotheses
from warroom.model.incident import IncidentState
from warroom.model.text import inert
from warroom.ui.footer import KeysFooter
from warroom.ui.screens.command_board import COMMON_CSS, CommandBoard, fill_table
from warroom.ui.screens.picker import TextPromptScreen

STATE_LABELS = {OPEN: "OPEN", CONFIRMED: "CONFIRMED", RULED_OUT: "RULED OUT"}
STATE_STYLES = {OPEN: "bold", CONFIRMED: "bold reverse", RULED_OUT: "strike"}
KEYS = "n new  c confirm  x rule out  o reopen  e evidence  esc close"


def _plain(text: str) -> str:
    return inert(text, single_line=True)


class HypothesesScreen(CommandBoard):
    CSS = COMMON_CSS.format(name="HypothesesScreen")
    BINDINGS = [
        Binding("n", "new", "New", id="hypotheses.new"),
        Binding("c", "set_state('confirmed')", "Confirm", id="hypotheses.confirm"),
        Binding("x", "rule_out", "Rule out", id="hypotheses.rule_out"),
        Binding("o", "set_state('open')", "Reopen", id="hypotheses.reopen"),
        Binding("e", "evidence", "Evidence", id="hypotheses.evidence"),
        Binding("escape", "close", "Close"),
    ]

    def compose(self) -> ComposeResult:
        with Vertical(id="hypotheses"):
            yield Label("", id="hypotheses-title", classes="board-title")
            table: DataTable[Text] = DataTable(id="hypotheses-table", cursor_type="row")
            yield table
            yield Label("", id="hypotheses-detail", classes="board-detail")
            yield Label(Text(KEYS), classes="board-keys")
        yield KeysFooter()

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one(DataTable).focus()

    def show(self) -> None:
        found = hypotheses(self.state)
        live = sum(1 for h in found if h.state == OPEN)
        title = f"Hypotheses: {live} open of {len(found)}" if found else "Hypotheses: none yet"
        self.query_one("#hypotheses-title", Label).update(Text(title + " (n writes one)"))
        table = self.query_one(DataTable)
        keep = self.selected_row(table)
        rows = [
            (
                item.id,
                [
                    Text(STATE_LABELS.get(item.state, item.state), style=STATE_STYLES[item.state]),
                    Text(_plain(item.text)),
                    Text(str(len(item.evidence)) if item.evidence else "-"),
                ],
            )
            for item in found
        ]
        fill_table(table, ("State", "Hypothesis", "Evidence"), rows, self.app.size.width)
        if keep is not None and keep in {h.id for h in found}:
            table.move_cursor(row=table.get_row_index(keep))
        self._show_detail()

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_detail()

    def selected(self) -> Hypothesis | None:
        wanted = self.selected_row(self.query_one(DataTable))
        return next((h for h in hypotheses(self.state) if h.id == wanted), None)

    def _show_detail(self) -> None:
        item = self.selected()
        label = self.query_one("#hypotheses-detail", Label)
        if item is None:
            label.update(Text("Write what you think is wrong; link findings as evidence (e)."))
            return
        lines = [_plain(item.text)]
        if item.state != OPEN and item.changed is not None:
            reason = f": {_plain(item.reason)}" if item.reason else ""
            when = item.changed.at.strftime("%H:%M UTC")
            lines.append(
                f"{item.state_word.capitalize()} {when} by {_plain(item.changed.author)}{reason}"
            )
        for finding in item.evidence[:3]:
            lines.append(f"evidence: {_plain(finding.text)}")
        if len(item.evidence) > 3:
            lines.append(f"... and {len(item.evidence) - 3} more findings")
        label.update(Text("\n".join(lines)))

    def action_new(self) -> None:
        def written(text: str | None) -> None:
            if text and text.strip():
                self.write(self.notes.add_hypothesis(self.state.id, text))

        self.app.push_screen(
            TextPromptScreen(
                "New hypothesis: what might be wrong?",
                placeholder="e.g. replica lag from the 13:50 deploy",
            ),
            written,
        )

    def action_set_state(self, new_state: str) -> None:
        item = self.selected()
        if item is None:
            self.notify("No hypothesis selected (n writes one)", severity="warning")
            return
        if new_state == CONFIRMED:
            self._ask_reason(item, CONFIRMED, "Confirmed: what showed it? (optional)")
        else:
            self.write(self.notes.set_hypothesis_state(self.state, item.id, new_state))

    def action_rule_out(self) -> None:
        item = self.selected()
        if item is None:
            self.notify("No hypothesis selected (n writes one)", severity="warning")
            return
        self._ask_reason(item, RULED_OUT, "Rule out: what showed it wrong? (needed)")

    def _ask_reason(self, item: Hypothesis, new_state: str, question: str) -> None:
        def answered(reason: str | None) -> None:
            if reason is not None:
                self.write(self.notes.set_hypothesis_state(self.state, item.id, new_state, reason))

        self.app.push_screen(
            TextPromptScreen(question, placeholder="e.g. lag is 0 s on every replica"), answered
        )

    def action_evidence(self) -> None:
        item = self.selected()
        if item is None:
            self.notify("No hypothesis selected (n writes one)", severity="warning")
            return
        findings = self.state.notes(NoteKind.FINDING)
        if not findings:
            self.notify("No findings to link yet (write one with n, then f: ...)", timeout=4)
            return

        def chosen(picked: set[str] | None) -> None:
            if picked is None:
                return
            linked = {e.id for e in item.evidence}
            for finding_id in sorted(picked - linked):
                self.write(self.notes.link_evidence(self.state, item.id, finding_id))
            for finding_id in sorted(linked - picked):
                self.write(self.notes.link_evidence(self.state, item.id, finding_id, False))

        self.app.push_screen(EvidenceScreen(self.state, item), chosen)


class EvidenceScreen(ModalScreen[set[str] | None]):
    """Pick the findings that support a hypothesis: space marks, enter saves."""

    CSS = (
        COMMON_CSS.format(name="EvidenceScreen")
        + """
    EvidenceScreen SelectionList {
        height: auto;
        max-height: 14;
        background: $surface;
    }
    """
    )
    BINDINGS = [
        Binding("enter", "save", "Link", priority=True),
        Binding("escape", "cancel", "Cancel"),
    ]

    def __init__(self, state: IncidentState, hypothesis: Hypothesis) -> None:
        super().__init__()
        self.findings = state.notes(NoteKind.FINDING)
        self.hypothesis = hypothesis

    def compose(self) -> ComposeResult:
        linked = {e.id for e in self.hypothesis.evidence}
        with Vertical(id="evidence"):
            yield Label(
                Text(f"Evidence for: {_plain(self.hypothesis.text)}"), classes="board-title"
            )
            yield SelectionList[str](
                *(
                    Selection(
                        Text(f"{e.at:%H:%M} {_plain(e.text)}"), e.id, initial_state=e.id in linked
                    )
                    for e in self.findings
                ),
                id="evidence-list",
            )
            yield Label(
                Text("space marks a finding  enter saves  esc cancels"), classes="board-keys"
            )
        yield KeysFooter()

    def on_mount(self) -> None:
        self.query_one(SelectionList).focus()

    def action_save(self) -> None:
        self.dismiss(set(self.query_one(SelectionList).selected))

    def action_cancel(self) -> None:
        self.dismiss(None)
