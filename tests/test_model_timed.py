"""Timed-rule deadlines: pending, due and upcoming, and fired once in the fold."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from warroom.model.events import EventKind, new_event
from warroom.model.incident import IncidentState, fold
from warroom.model.timed import Deadline, due_now, next_upcoming, pending

START = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)


@dataclass
class EveryTenMinutes:
    name: str = "every-ten"

    def deadlines(self, state: IncidentState, now: datetime) -> Iterable[Deadline]:
        assert state.declared_at is not None
        for n in (1, 2, 3):
            at = state.declared_at + timedelta(minutes=10 * n)
            yield Deadline(key=f"ten:{n}", rule=self.name, at=at, message=f"{10 * n} min in")


def _declared() -> list:
    return [
        new_event("INC-1", EventKind.DECLARED, "ic", {"title": "t", "severity": "SEV-2"}, now=START)
    ]


def _fired(key: str, minutes: int, author: str = "a") -> object:
    payload = {"key": key, "rule": "every-ten", "message": f"fired {key}", "automatic": True}
    return new_event(
        "INC-1", EventKind.TIMER_FIRED, author, payload, now=START + timedelta(minutes=minutes)
    )


def test_deadlines_come_due_in_order_and_the_next_one_is_the_soonest_ahead() -> None:
    state = fold(_declared())
    rules = [EveryTenMinutes()]
    now = START + timedelta(minutes=15)
    assert [d.key for d in due_now(rules, state, now)] == ["ten:1"]
    upcoming = next_upcoming(rules, state, now)
    assert upcoming is not None and upcoming.key == "ten:2"
    assert [d.key for d in pending(rules, state, now)] == ["ten:1", "ten:2", "ten:3"]
    assert due_now(rules, state, START + timedelta(minutes=9, seconds=59)) == []


def test_a_fired_key_is_never_due_again_and_a_second_firing_adds_no_entry() -> None:
    events = [*_declared(), _fired("ten:1", 10, "console-a"), _fired("ten:1", 10, "console-b")]
    state = fold(events)
    rules = [EveryTenMinutes()]
    assert due_now(rules, state, START + timedelta(minutes=25)) == [
        d for d in pending(rules, state, START) if d.key == "ten:2"
    ]
    assert list(state.fired_timers) == ["ten:1"]
    fired_entries = [e for e in state.entries if e.kind is EventKind.TIMER_FIRED]
    assert len(fired_entries) == 1 and fired_entries[0].text == "fired ten:1"
    assert fired_entries[0].event.automatic
