"""The triage checklist pane: the scenario's phases and steps, ticked with space.

Steps gated by `min_severity` appear when the severity rises. Each phase shows its
progress. The general first-response checklist that every incident follows comes first,
then the incident's scenario. Step text is untrusted (imported runbooks) and shown as
plain text.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rich.table import Table
from rich.text import Text
from textual.binding import Binding
from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from warroom.model.incident import IncidentState
from warroom.model.scenario import GENERAL_SCENARIO_ID, Scenario, Step
from warroom.model.severity import SeverityLadder
from warroom.model.text import inert


@dataclass(frozen=True)
class StepRef:
    scenario: Scenario
    step: Step


class ChecklistView(OptionList):
    """Phases as headings, steps as options with a tick box."""

    BINDINGS = [
        Binding(
            "space",
            "tick_step",
            "Tick",
            id="checklist.tick",
            tooltip="tick / untick the selected step",
        ),
        Binding(
            "y",
            "copy_command",
            "Copy command",
            id="checklist.copy",
            tooltip="copy the step's command",
        ),
        Binding(
            "enter",
            "details",
            "Details",
            show=False,
            id="checklist.details",
            tooltip="show the whole step",
        ),
    ]

    class Toggle(Message):
        def __init__(self, ref: StepRef, done: bool) -> None:
            super().__init__()
            self.ref = ref
            self.done = done

    class CopyCommand(Message):
        def __init__(self, ref: StepRef) -> None:
            super().__init__()
            self.ref = ref

    class Details(Message):
        def __init__(self, ref: StepRef) -> None:
            super().__init__()
            self.ref = ref

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.refs: dict[str, StepRef] = {}
        self.state: IncidentState | None = None
        self._shown: tuple[SeverityLadder, list[Scenario]] | None = None

    def show(
        self,
        state: IncidentState,
        ladder: SeverityLadder,
        scenarios: list[Scenario],
    ) -> None:
        self.state = state
        same_scenarios = self._shown is not None and [s.id for s in self._shown[1]] == [
            s.id for s in scenarios
        ]
        self._shown = (ladder, scenarios)
        highlighted = None
        if same_scenarios and self.highlighted is not None and self.option_count:
            highlighted = self.get_option_at_index(self.highlighted).id
        self.clear_options()
        self.refs = {}
        options: list[Option] = []
        for scenario in scenarios:
            heading = Text(inert(scenario.title, single_line=True).upper(), style="bold")
            options.append(Option(heading, id=f"title:{scenario.id}", disabled=True))
            for phase, steps in scenario.visible_phases(ladder, state.severity):
                done = sum(1 for step in steps if state.is_checked(scenario.id, step.id))
                title = Text(f" {inert(phase.title, single_line=True)} ", style="bold")
                title.append(f"{done}/{len(steps)}", "bold" if done == len(steps) else "")
                options.append(Option(title, id=f"phase:{scenario.id}/{phase.id}", disabled=True))
                for step in steps:
                    key = f"{scenario.id}/{step.id}"
                    self.refs[key] = StepRef(scenario, step)
                    options.append(Option(self._step_text(scenario, step), id=key))
        self.add_options(options)
        index = self._index_of(highlighted) if highlighted else None
        if index is None:
            index = next((i for i, o in enumerate(options) if not o.disabled), None)
        self.highlighted = index

    def _index_of(self, option_id: str) -> int | None:
        try:
            return self.get_option_index(option_id)
        except Exception:
            return None

    def _step_text(self, scenario: Scenario, step: Step) -> Table:
        """A tick box beside the step's text: a two-column grid, so the text wraps at
        whatever width the list has (zoomed or not), each line under the text."""
        done = self.state is not None and self.state.is_checked(scenario.id, step.id)
        text = Text(inert(step.text, single_line=True), style="strike" if done else "")
        if step.commands:
            text.append("  $", style="bold")
        if step.min_severity:
            text.append(f"  ≥{inert(step.min_severity, single_line=True)}")
        grid = Table.grid(padding=0, expand=True)
        grid.add_column(width=4, no_wrap=True)
        grid.add_column(ratio=1, overflow="fold")
        grid.add_row(Text("  ☑ " if done else "  ☐ ", style="bold" if done else ""), text)
        return grid

    @property
    def selected_ref(self) -> StepRef | None:
        if self.highlighted is None or not self.option_count:
            return None
        return self.refs.get(self.get_option_at_index(self.highlighted).id or "")

    def action_tick_step(self) -> None:
        ref = self.selected_ref
        if ref is None or self.state is None:
            return
        done = not self.state.is_checked(ref.scenario.id, ref.step.id)
        self.post_message(self.Toggle(ref, done))

    def action_copy_command(self) -> None:
        ref = self.selected_ref
        if ref is not None:
            self.post_message(self.CopyCommand(ref))

    def action_details(self) -> None:
        ref = self.selected_ref
        if ref is not None:
            self.post_message(self.Details(ref))


def scenarios_for(state: IncidentState, catalogue: object) -> list[Scenario]:
    """The general first-response checklist first (declare, roles, first update: what
    every incident does in its first minutes), then the incident's scenario (once)."""
    get = getattr(catalogue, "get", None)
    chosen = []
    for scenario_id in (GENERAL_SCENARIO_ID, state.scenario):
        if not scenario_id or get is None:
            continue
        scenario = get(scenario_id)
        if scenario is not None and scenario not in chosen:
            chosen.append(scenario)
    return chosen
