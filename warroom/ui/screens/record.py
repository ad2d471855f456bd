"""The situation record form (`R`): the facts every update states, the milestones, and
the time the next update is promised. One screen, one line per field; `ctrl+s` saves the
fields that changed, `escape` leaves without saving. A time that cannot be read is named
on the form, which stays open with everything typed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label

from warroom.model.figures import chosen_next_update
from warroom.model.incident import IncidentState
from warroom.model.record import FACT_LABELS, FACTS, MILESTONES, NEXT_UPDATE
from warroom.model.timeparse import TimeParseError, parse_ahead, parse_at
from warroom.ui.footer import KeysFooter

LABELS = {**FACT_LABELS, **MILESTONES, NEXT_UPDATE: "Next update at"}
HINTS = {
    "impact": "what users cannot do, in plain words",
    "affected": "who and how many, e.g. all EU customers (~40%)",
    "scope": "regions, products, plans",
    "workaround": "what users can do meanwhile",
    "customer_summary": "the sentence customers read",
    "resolution": "one line: what fixed it",
    "impact_started": "-10m, 13:50 or ISO 8601",
    "detected": "-10m, 13:50 or ISO 8601",
    "mitigated": "-10m, 13:50 or ISO 8601",
    "next_update_at": "+30m, 15:30 (empty: the severity's cadence)",
}


@dataclass
class RecordChanges:
    """What the form changed: facts (text), milestones and the next update (None clears)."""

    facts: dict[str, str] = field(default_factory=dict)
    milestones: dict[str, datetime | None] = field(default_factory=dict)
    next_update: tuple[datetime | None] | None = None  # (value,) when it changed

    @property
    def empty(self) -> bool:
        return not self.facts and not self.milestones and self.next_update is None


def _shown(moment: datetime | None) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%MZ") if moment else ""


class RecordScreen(ModalScreen[RecordChanges | None]):
    """Edit the situation record; dismisses with the changes, or None when left."""

    BINDINGS = [
        Binding("ctrl+s", "save", "Save"),
        Binding("escape", "cancel", "Cancel"),
        Binding("down", "app.focus_next", show=False),
        Binding("up", "app.focus_previous", show=False),
    ]

    def __init__(
        self,
        state: IncidentState,
        now: datetime,
        zone: tzinfo | None,
        focus: str = "impact",
    ) -> None:
        super().__init__()
        self.now = now
        self.zone = zone
        self.first = focus
        self.initial: dict[str, str] = {name: state.record.fact(name) for name in FACTS}
        for name in MILESTONES:
            self.initial[name] = _shown(state.record.milestones.get(name))
        self.initial["next_update_at"] = _shown(chosen_next_update(state))

    def compose(self) -> ComposeResult:
        with Vertical(id="record"):
            yield Label(
                Text("Situation record: every update states it (ctrl+s saves, esc cancels)"),
                id="record-title",
            )
            for name, value in self.initial.items():
                with Horizontal(classes="record-row"):
                    yield Label(Text(LABELS[name]), classes="record-label")
                    yield Input(
                        value=value,
                        placeholder=HINTS[name],
                        id=f"record-{name}",
                        compact=True,
                    )
            yield Label("", id="record-error")
        yield KeysFooter()

    def on_mount(self) -> None:
        self.query_one(f"#record-{self.first}", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.input.id == "record-next_update_at":
            self.action_save()
        else:
            self.focus_next()

    def _value(self, name: str) -> str:
        return self.query_one(f"#record-{name}", Input).value.strip()

    def changes(self) -> RecordChanges:
        """The fields that differ from what the form opened with; TimeParseError names
        the first time that cannot be read."""
        result = RecordChanges()
        for name in FACTS:
            if self._value(name) != self.initial[name]:
                result.facts[name] = self._value(name)
        for name in MILESTONES:
            text = self._value(name)
            if text != self.initial[name]:
                try:
                    result.milestones[name] = parse_at(text, self.now, self.zone) if text else None
                except TimeParseError as error:
                    raise TimeParseError(f"{LABELS[name]}: {error}") from None
        text = self._value("next_update_at")
        if text != self.initial["next_update_at"]:
            try:
                result.next_update = (parse_ahead(text, self.now, self.zone) if text else None,)
            except TimeParseError as error:
                raise TimeParseError(f"{LABELS['next_update_at']}: {error}") from None
        return result

    def action_save(self) -> None:
        try:
            changes = self.changes()
        except TimeParseError as error:
            self.query_one("#record-error", Label).update(Text(str(error), style="bold"))
            return
        self.dismiss(changes)

    def action_cancel(self) -> None:
        self.dismiss(None)
