"""The update-overdue reminder: a timed rule on the promised next status update.

When the time stakeholders were promised (the IC's chosen time, else what the last copied
update promised, else the severity's cadence) passes, the runtime fires this rule's
deadline once per promise; the console rings the bell and notifies (config `[comms]
overdue_bell`, `overdue_notify`), `warroom watch` prints it. Pure: no I/O, no clock.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from warroom.model.events import format_utc
from warroom.model.figures import next_update_due
from warroom.model.incident import IncidentState
from warroom.model.severity import SeverityLadder
from warroom.model.situation import clock
from warroom.model.timed import Deadline

UPDATE_OVERDUE = "update-overdue"


@dataclass(frozen=True)
class UpdateOverdue:
    """One deadline: the current promise of the next status update."""

    ladder_of: Callable[[IncidentState], SeverityLadder]
    name: str = UPDATE_OVERDUE

    def deadlines(self, state: IncidentState, now: datetime) -> Iterable[Deadline]:
        due = next_update_due(state, self.ladder_of(state))
        if due is None:
            return ()
        promised = clock(due.due_at, due.due_at, seconds=True)
        return (
            Deadline(
                key=f"{UPDATE_OVERDUE}:{format_utc(due.due_at)}",
                rule=self.name,
                at=due.due_at,
                message=f"Status update overdue: the next was promised by {promised}",
                payload={"due_at": format_utc(due.due_at)},
            ),
        )
