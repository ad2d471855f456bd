"""The escalations modal (`E`): what is due, what is coming, what was done, and the draft.

One row per escalation of the incident, due first. On the highlighted one: `m` marks it
escalated (to whom and how, prefilled: Enter twice), `z` snoozes it (how long and why),
`d` dismisses it (why), `y` copies the escalation message for its contact, filled from
the situation record. Each is one timeline event; the screen redraws from the state the
host hands it, every second. All text is shown as plain text, never markup.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList, Static
from textual.widgets.option_list import Option

from warroom.model.escalation import Board, Escalation
from warroom.model.escalation_report import outcome
from warroom.model.figures import format_duration
from warroom.model.text import inert
from warroom.ui.footer import KeysFooter


@dataclass
class EscalationView:
    """What the host (the main screen) hands the modal on each redraw."""

    incident_id: str
    board: Board
    now: datetime
    stopped: bool = False


class EscalationHost(Protocol):
    def escalation_view(self) -> EscalationView: ...

    def escalation_draft(self, escalation: Escalation) -> str: ...

    def mark_escalated(self, escalation: Escalation) -> None: ...

    def snooze_escalation(self, escalation: Escalation) -> None: ...

    def dismiss_escalation(self, escalation: Escalation) -> None: ...

    def copy_escalation_draft(self, escalation: Escalation) -> None: ...


def _plain(text: str) -> str:
    return inert(" ".join(text.split()), single_line=True)


def row_text(escalation: Escalation, now: datetime, section: str) -> Text:
    """One row: a mark, the contact, the rule's when, and the time left or the outcome."""
    rule = escalation.rule
    line = Text(no_wrap=True, overflow="ellipsis")
    if section == "due":
        line.append("⚠ ", "bold")
        line.append(_plain(rule.contact), "bold")
        due = escalation.next_at() or now
        line.append(f"  {_plain(rule.trigger.describe())}, due {format_duration(now - due)} ago")
    elif section == "upcoming":
        line.append("◷ ")
        line.append(_plain(rule.contact))
        at = escalation.next_at() or now
        snoozed = " (snoozed)" if escalation.snoozes else ""
        line.append(f"  {_plain(rule.trigger.describe())}, in {format_duration(at - now)}{snoozed}")
    else:
        mark = "✓ " if escalation.done else "✗ " if escalation.dismissed else "· "
        line.append(mark)
        line.append(_plain(rule.contact))
        if escalation.closed or escalation.due_at is not None:
            line.append(f"  {_plain(outcome(escalation))}")
        else:
            line.append(f"  {_plain(rule.trigger.describe())} (no figure on this ladder)")
    if rule.situation:
        line.append(f"  [{_plain(rule.situation)}]", "dim")
    return line


class EscalationsScreen(ModalScreen[None]):
    """The escalations of the incident, with one key for each thing to do about one."""

    DEFAULT_CSS = """
    EscalationsScreen {
        align: center middle;
        background: $background 60%;
    }
    #escalations {
        width: 96;
        max-width: 96%;
        height: auto;
        max-height: 92%;
        border: round $accent;
        background: $surface;
        padding: 0 1;
    }
    #escalations-title {
        text-style: bold;
        width: 100%;
    }
    #escalations-list {
        height: auto;
        max-height: 12;
        border: tall $foreground 55%;
        background: $surface;
    }
    #escalations-list:focus {
        border: tall $accent;
    }
    #escalation-draft-box {
        height: auto;
        max-height: 16;
        border-top: solid $foreground 40%;
    }
    #escalations-keys {
        width: 100%;
    }
    """

    BINDINGS = [
        Binding("escape,q", "close", "Close"),
        Binding("m", "mark", "Mark escalated", id="escalations.mark"),
        Binding("z", "snooze", "Snooze", id="escalations.snooze"),
        Binding("d", "dismiss_one", "Dismiss", id="escalations.dismiss"),
        Binding("y", "copy", "Copy draft", id="escalations.copy"),
    ]

    def __init__(self, host: EscalationHost, focus_key: str | None = None) -> None:
        super().__init__()
        self.host = host
        self.focus_key = focus_key
        self.rows: list[Escalation | None] = []
        self._shown: list[tuple[str, str]] = []

    def compose(self) -> ComposeResult:
        with Vertical(id="escalations"):
            yield Label(Text("Escalations"), id="escalations-title")
            yield OptionList(id="escalations-list")
            with VerticalScroll(id="escalation-draft-box"):
                yield Static(Text(""), id="escalation-draft")
            yield Label(
                Text(
                    "m escalated · z snooze · d dismiss (each asks) · y copy the draft · esc close"
                ),
                id="escalations-keys",
            )
        yield KeysFooter()

    def on_mount(self) -> None:
        self.redraw()
        self.query_one(OptionList).focus()
        self.set_interval(1.0, self.redraw)

    @property
    def selected(self) -> Escalation | None:
        options = self.query_one(OptionList)
        index = options.highlighted
        if index is None or index >= len(self.rows):
            return None
        return self.rows[index]

    def redraw(self) -> None:
        view = self.host.escalation_view()
        title = Text(f"Escalations  {_plain(view.incident_id)}")
        if view.stopped:
            title.append("  (timers stopped: mitigated)")
        self.query_one("#escalations-title", Label).update(title)
        options = self.query_one(OptionList)
        keep = self.selected.key if self.selected else self.focus_key
        rows: list[Escalation | None] = []
        prompts: list[Option] = []
        for name, items in (
            ("due", view.board.due),
            ("upcoming", view.board.upcoming),
            ("done", view.board.closed),
        ):
            heading = {"due": "DUE NOW", "upcoming": "UPCOMING", "done": "DONE / CLOSED"}[name]
            prompts.append(Option(Text(f"{heading} ({len(items)})", style="bold"), disabled=True))
            rows.append(None)
            for escalation in items:
                prompts.append(Option(row_text(escalation, view.now, name)))
                rows.append(escalation)
        shown = [(str(p.prompt), str(p.disabled)) for p in prompts]
        if shown != self._shown:
            self._shown = shown
            options.clear_options()
            options.add_options(prompts)
            self.rows = rows
            target = next(
                (i for i, e in enumerate(rows) if e is not None and e.key == keep),
                next((i for i, e in enumerate(rows) if e is not None), None),
            )
            if target is not None:
                options.highlighted = target
        self._show_draft()

    def _show_draft(self) -> None:
        escalation = self.selected
        draft = self.query_one("#escalation-draft", Static)
        if escalation is None:
            draft.update(Text("No escalation to draft: the incident's rules have none yet."))
            return
        text = self.host.escalation_draft(escalation)
        head = Text(f"Draft for {_plain(escalation.rule.contact)} (y copies):\n", style="bold")
        draft.update(head + Text(inert(text)))

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        event.stop()
        self._show_draft()

    def _require(self) -> Escalation | None:
        escalation = self.selected
        if escalation is None:
            self.notify("Pick an escalation first (arrow keys)", severity="warning")
        return escalation

    def action_close(self) -> None:
        self.dismiss(None)

    def action_mark(self) -> None:
        if escalation := self._require():
            self.host.mark_escalated(escalation)

    def action_snooze(self) -> None:
        if escalation := self._require():
            self.host.snooze_escalation(escalation)

    def action_dismiss_one(self) -> None:
        if escalation := self._require():
            self.host.dismiss_escalation(escalation)

    def action_copy(self) -> None:
        if escalation := self._require():
            self.host.copy_escalation_draft(escalation)
