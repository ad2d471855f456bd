"""One drill cadence: the script's value, divided by the speed, at every severity, so the
console's countdown, the updates' promise and the report's check agree."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from warroom.drill.drill_config import drill_cadence, severity_tables
from warroom.drill.library import load_drills
from warroom.model.events import EventKind, new_event
from warroom.model.figures import format_duration, next_update_due, promise_for_update
from warroom.model.incident import fold
from warroom.model.severity import ladder_from_config

T0 = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)


def test_every_level_of_the_drill_ladder_has_the_scripts_cadence() -> None:
    for script in load_drills().scripts.values():
        for speed in (1.0, 2.0, 4.0):
            cadence = drill_cadence(script.update_cadence, speed)
            ladder = ladder_from_config(
                "custom", severity_tables(script.severity, script.update_cadence / speed)
            )
            assert {level.update_cadence for level in ladder.levels} == {cadence}, script.id


def test_raising_the_severity_in_a_drill_keeps_the_countdown() -> None:
    script = load_drills().scripts["bad-deploy"]  # SEV-2, every 90 s of drill time
    ladder = ladder_from_config("custom", severity_tables(script.severity, script.update_cadence))
    events = [
        new_event(
            "INC-1", EventKind.DECLARED, "a", {"severity": "SEV-2", "ladder": "custom"}, at=T0
        ),
        new_event(
            "INC-1",
            EventKind.SEVERITY_CHANGED,
            "a",
            {"severity": "SEV-1"},
            at=T0 + timedelta(seconds=5),
        ),
    ]
    state = fold(events)
    due = next_update_due(state, ladder)
    assert due is not None and due.cadence == timedelta(seconds=90)  # not 45 s
    assert format_duration(due.cadence) == "1m 30s"
    assert promise_for_update(state, ladder, T0) == T0 + timedelta(seconds=90)  # to the second
