"""Timed rules: deadlines a rule reads from the incident's state, fired once as events.

A timed rule (update overdue, an ask's check-back, an escalation after N minutes) is a
pure function of the folded state and the time: `rule.deadlines(state, now)` lists every
deadline it sees, past or future, each with a `key` that is the same on every console and
after a restart. The runtime (`warroom.runtime`) asks every rule on each tick, shows the
nearest future deadline, and when one passes writes a single `timer_fired` event carrying
its key; the fold keeps fired keys in `IncidentState.fired_timers`, so a deadline whose
key is there has fired and is never fired again, by this console or any other sharing
the incident. Rules never do I/O and never look at the wall clock: `now` is given.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from warroom.model.incident import IncidentState


@dataclass(frozen=True, slots=True)
class Deadline:
    """One moment a rule cares about.

    key: stable across consoles and restarts, unique in the incident, e.g.
      "update-overdue:2026-11-30T08:15:00Z" or "escalation:dba-team:severity-1".
    rule: the rule's name ("update-overdue", "ask-expired", "escalation").
    at: the UTC moment it falls due.
    message: one plain line for the header, the bell's notification and the timeline
      ("Status update overdue: promised by 08:15"). Untrusted text stays plain text.
    payload: JSON-safe details copied into the `timer_fired` event (ids the feature
      needs to act on it: the ask's id, the escalation's contact...).
    """

    key: str
    rule: str
    at: datetime
    message: str
    payload: Mapping[str, Any] = field(default_factory=dict)

    def passed(self, now: datetime) -> bool:
        return now >= self.at


class TimedRule(Protocol):
    """What the runtime needs of a rule: a name and the deadlines it reads from state."""

    @property
    def name(self) -> str: ...  # read-only: a frozen dataclass field or a property will do

    def deadlines(self, state: IncidentState, now: datetime) -> Iterable[Deadline]: ...


def pending(rules: Iterable[TimedRule], state: IncidentState, now: datetime) -> list[Deadline]:
    """Every deadline of `rules` not yet fired in `state`, soonest first."""
    fired = state.fired_timers
    found = [
        deadline
        for rule in rules
        for deadline in rule.deadlines(state, now)
        if deadline.key not in fired
    ]
    return sorted(found, key=lambda deadline: (deadline.at, deadline.key))


def due_now(rules: Iterable[TimedRule], state: IncidentState, now: datetime) -> list[Deadline]:
    """The pending deadlines that have passed at `now`: the ones to fire."""
    return [deadline for deadline in pending(rules, state, now) if deadline.passed(now)]


def next_upcoming(
    rules: Iterable[TimedRule], state: IncidentState, now: datetime
) -> Deadline | None:
    """The soonest pending deadline still ahead (what the header counts down to)."""
    return next((d for d in pending(rules, state, now) if not d.passed(now)), None)
