"""What the console's drafts and checklist title read from the state, beside the events:
live probe results merged in for drafts, and how many steps of a scenario are ticked."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from warroom.model.incident import IncidentState
from warroom.probes.shown import ShownState


class LiveProbe(Protocol):
    """A service's latest probe result as the console shows it (`ServiceRow`)."""

    # Read-only (properties), so a frozen dataclass like `ServiceRow` is one.
    @property
    def name(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def reason(self) -> str: ...
    @property
    def state(self) -> ShownState: ...


def with_live_probes(state: IncidentState, live: Iterable[LiveProbe]) -> IncidentState:
    """`state` with live results standing in for the probe events (the probe may know
    a state the timeline was not told, e.g. a first "up"; a stale row by its last
    result); services not probed yet are left out. `state` itself is not changed."""
    merged = {
        row.name: {"state": row.state.value, "reason": row.reason, "probe_kind": row.kind}
        for row in live
        if row.state is not ShownState.PENDING
    }
    if not merged:
        return state
    return state.with_probe_states({**state.probe_states, **merged})


def steps_done(state: IncidentState, scenario_id: str) -> int:
    """How many steps of `scenario_id` are ticked in `state`."""
    return sum(1 for key in state.checked_steps if key.split("/")[0] == scenario_id)
