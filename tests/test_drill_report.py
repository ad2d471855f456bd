"""The drill report's figures, computed from hand-made events and journal entries."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from warroom.drill.drill_config import severity_tables
from warroom.drill.journal import FAULT, RECOVERY, START, STOP, Journal
from warroom.drill.report import DRILL_AUTHOR, compute, detections, is_declaration, to_markdown
from warroom.drill.script import parse_script
from warroom.drill.session import drill_end
from warroom.model.events import EventKind, format_utc, new_event
from warroom.model.figures import LATE_AFTER, format_rounded
from warroom.model.incident import fold
from warroom.model.scenario import Phase, Scenario, Step
from warroom.model.severity import ladder_from_config

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
INCIDENT = "INC-20261123-1"
LADDER = ladder_from_config("custom", severity_tables("SEV-2", 20.0))
"""The drill's ladder: SEV-2 updates every 20 s (40 s of drill time at speed 2)."""
SCRIPT = parse_script(
    """
id = "t"
title = "Test drill"
scenario = "sc"
update_cadence = "40s"
[[timeline]]
at = "2s"
service = "api"
status = 503
""",
    "t.toml",
)
SCENARIO = Scenario(
    id="sc",
    title="Scenario",
    phases=(
        Phase("assess", "Assess", (Step("assess-1", "Look"), Step("assess-2", "Look again"))),
        Phase("mitigate", "Mitigate", (Step("mitigate-1", "Roll back"),)),
        Phase("verify", "Verify", (Step("verify-1", "Watch"),)),
    ),
)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def event(seconds: float, kind: EventKind, author: str = "ana", **payload: object):  # type: ignore[no-untyped-def]
    return new_event(INCIDENT, kind, author, payload, now=at(seconds))


def drill_history():  # type: ignore[no-untyped-def]
    events = [
        event(0, EventKind.DECLARED, DRILL_AUTHOR, title="Test", severity="SEV-2", scenario="sc"),
        event(4, EventKind.PROBE_STATE_CHANGED, service="api", state="down", previous="up"),
        event(12, EventKind.SEVERITY_CHANGED, DRILL_AUTHOR, severity="SEV-1"),
        event(20, EventKind.ROLE_ASSIGNED, role="IC", name="Ana"),
        event(25, EventKind.STEP_CHECKED, scenario="sc", step="assess-2", text="Look again"),
        event(30, EventKind.COMMS_COPIED, template="status-update", text="..."),
        event(35, EventKind.STEP_CHECKED, scenario="sc", step="mitigate-1", text="Roll back"),
        event(44, EventKind.PROBE_STATE_CHANGED, service="web", state="up", previous="down"),
        event(45, EventKind.PROBE_STATE_CHANGED, service="api", state="up", previous="down"),
    ]
    journal = Journal()
    journal.add(START, at=at(0), seed=7, speed=2.0)
    journal.add(FAULT, "api", "api fails", at=at(2))
    journal.add(FAULT, "web", "web fails", at=at(10))
    journal.add(
        RECOVERY, "api", "back", at=at(40), tick_at=format_utc(at(35)), step_text="Roll back"
    )
    journal.add(STOP, at=at(60))
    return fold(events, INCIDENT), journal


def test_figures_count_from_the_first_fault() -> None:
    state, journal = drill_history()
    figures = compute(state, journal, SCRIPT, SCENARIO, LADDER, speed=2.0, ended=at(60))
    assert figures.outage_began == at(2)
    assert figures.time_to_declare == timedelta(seconds=18)  # the IC role, not the drill's
    assert figures.time_to_first_update == timedelta(seconds=28)
    assert figures.time_to_mitigation == timedelta(seconds=33)
    assert figures.time_to_recovery == timedelta(seconds=43)
    assert [s.id for s in figures.steps_done] == ["assess-2", "mitigate-1"]
    assert [s.id for s in figures.steps_skipped] == ["assess-1"]
    assert [s.id for s in figures.steps_not_reached] == ["verify-1"]
    assert figures.cadence == timedelta(seconds=20)  # 40 s of drill time at speed 2
    assert [(g.end - g.start).total_seconds() for g in figures.gaps] == [30, 30]
    assert figures.missed_updates == 2 and not figures.cadence_kept
    first, second, back = figures.detections
    assert first.delay == timedelta(seconds=2)
    assert second.seen is None  # web's only change after its fault is back to up
    assert back.seen is not None and back.seen.payload["service"] == "api"


def test_markdown_shows_the_figures_then_the_post_mortem() -> None:
    state, journal = drill_history()
    figures = compute(state, journal, SCRIPT, SCENARIO, LADDER, speed=2.0, ended=at(60))
    text = to_markdown(figures, state, journal, SCRIPT, LADDER)
    assert "| Time to declare | 18s (IC: Ana) |" in text
    assert "| Time to first status update | 28s |" in text
    assert '| Time to mitigation | 33s (ticked "Roll back") |' in text
    assert "| Time to recovery (every probe up) | 43s |" in text
    assert "| Steps | 2 of 4 done, 1 skipped, 1 not reached |" in text
    assert "missed 2 time(s) (expected every 20s, longest gap 30s)" in text
    assert "--seed 7 --speed 2" in text
    assert "- skipped: Look" in text and "- not reached: Watch" in text
    assert "| +0s | api | fault: api fails | after 2s: down |" in text
    assert "| Grade | 4/5 partial |" in text and "- [ ] kept the update cadence" in text
    assert "# Post-mortem: INC-20261123-1" in text


def test_nothing_done_reads_as_not_done_and_cadence_from_the_declaration() -> None:
    events = [event(0, EventKind.DECLARED, DRILL_AUTHOR, title="T", severity="SEV-2")]
    journal = Journal()
    journal.add(FAULT, "api", "api fails", at=at(1))
    figures = compute(fold(events), journal, SCRIPT, None, LADDER, speed=1.0, ended=at(19))
    assert figures.time_to_declare is None and figures.time_to_mitigation is None
    assert figures.cadence_kept
    assert [(g.start, g.end, g.missed) for g in figures.gaps] == [(at(0), at(19), False)]
    text = to_markdown(figures, fold(events), journal, SCRIPT, LADDER)
    assert "| Time to declare | not done |" in text
    assert "| Time to recovery (every probe up) | not seen |" in text


def test_what_counts_as_declaring() -> None:
    def check(kind: EventKind, author: str = "ana", **payload: object) -> bool:
        return is_declaration(event(1, kind, author, **payload))

    assert check(EventKind.SEVERITY_CHANGED, severity="SEV-1")
    assert not check(EventKind.SEVERITY_CHANGED, DRILL_AUTHOR, severity="SEV-1")
    assert check(EventKind.ROLE_ASSIGNED, role="IC", name="Ana")
    assert not check(EventKind.ROLE_ASSIGNED, role="IC", name="")
    assert not check(EventKind.ROLE_ASSIGNED, role="Comms", name="Bo")
    assert check(EventKind.STEP_CHECKED, text="Declare the incident and open a channel")
    assert not check(EventKind.STEP_CHECKED, text="Roll back")
    assert not check(EventKind.NOTE, text="declare")


def test_cadence_follows_the_severity_as_the_console_countdown_does() -> None:
    # On a ladder whose levels differ (a drill's has one cadence at every level):
    # lowered to SEV-3 (an hour) at 5 s, the countdown stopped counting toward 20 s, so
    # 60 s without an update is no miss; raised to SEV-1 (10 s), it is.
    ladder = ladder_from_config(
        "custom",
        [
            {"key": "SEV-1", "name": "Critical", "update_cadence": "10s"},
            {"key": "SEV-2", "name": "Major", "update_cadence": "20s"},
            {"key": "SEV-3", "name": "Minor", "update_cadence": "1h"},
        ],
    )
    declared = event(0, EventKind.DECLARED, "ana", title="T", severity="SEV-2")
    lowered = fold([declared, event(5, EventKind.SEVERITY_CHANGED, severity="SEV-3")])
    raised = fold([declared, event(5, EventKind.SEVERITY_CHANGED, severity="SEV-1")])
    journal = Journal()
    for state, kept in ((lowered, True), (raised, False)):
        figures = compute(state, journal, SCRIPT, None, ladder, speed=2.0, ended=at(60))
        assert figures.cadence_kept is kept


def test_an_update_that_promised_a_time_is_judged_by_its_promise() -> None:
    # As the console counts down: the update at 10 s promised the next by 50 s.
    events = [
        event(0, EventKind.DECLARED, "ana", title="T", severity="SEV-2"),
        event(10, EventKind.COMMS_COPIED, text="u", next_update_at=format_utc(at(50))),
    ]
    kept = compute(fold(events), Journal(), SCRIPT, None, LADDER, speed=2.0, ended=at(49))
    assert kept.cadence_kept  # 39 s after the update, more than the 20 s cadence
    late = compute(fold(events), Journal(), SCRIPT, None, LADDER, speed=2.0, ended=at(51))
    assert late.missed_updates == 1


def test_gaps_and_times_are_judged_in_whole_seconds() -> None:
    on_time = [
        event(0, EventKind.DECLARED, "ana", title="T", severity="SEV-2"),
        event(20.007, EventKind.COMMS_COPIED, text="update"),
        event(40.4, EventKind.COMMS_COPIED, text="update"),
    ]
    figures = compute(fold(on_time), Journal(), SCRIPT, None, LADDER, speed=2.0, ended=at(40.5))
    assert figures.cadence_kept  # 20.007 s and 20.393 s against 20 s: on time
    late = [*on_time[:1], event(20 + LATE_AFTER.total_seconds(), EventKind.COMMS_COPIED)]
    figures = compute(fold(late), Journal(), SCRIPT, None, LADDER, speed=2.0, ended=at(21))
    assert figures.missed_updates == 1
    assert format_rounded(timedelta(seconds=27.9)) == "28s"
    assert format_rounded(timedelta(seconds=27.4)) == "27s"
    assert format_rounded(timedelta(seconds=59.5)) == "1m 00s"
    assert format_rounded(timedelta(seconds=-2.6)) == "-3s"


def test_each_fault_is_matched_to_the_change_with_its_own_signature() -> None:
    # The slow API's "degraded" is recorded after the 503 was applied: it belongs to the
    # latency fault, and the 503 is the later "down" (the old report said "after 0s").
    events = [
        event(0, EventKind.DECLARED, DRILL_AUTHOR, title="T", severity="SEV-2"),
        event(
            2.4,
            EventKind.PROBE_STATE_CHANGED,
            service="api",
            state="degraded",
            reason="latency 750 ms >= 600 ms",
        ),
        event(
            3.8,
            EventKind.PROBE_STATE_CHANGED,
            service="api",
            state="down",
            reason="status 503, expected 2xx",
        ),
        event(
            9,
            EventKind.PROBE_STATE_CHANGED,
            service="api",
            state="up",
            reason="status 200 in 20 ms",
        ),
    ]
    journal = Journal()
    journal.add(FAULT, "api", "slow", at=at(1), changes={"latency_ms": 750})
    journal.add(FAULT, "api", "fails", at=at(2), changes={"status": 503})
    journal.add(FAULT, "web", "fails", at=at(3), changes={"status": 502})
    journal.add(FAULT, "vendor", "nothing visible", at=at(4), changes={"incident": "x"})
    journal.add(
        RECOVERY, "api", "vendor-side recovery", at=at(7), changes={"status": 200, "latency_ms": 20}
    )
    figures = compute(fold(events), journal, SCRIPT, None, LADDER, speed=2.0, ended=at(10))
    slow, fails, web, vendor, back = figures.detections
    assert slow.seen is events[1] and fails.seen is events[2] and back.seen is events[3]
    assert web.seen is None and web.visible and not vendor.visible
    text = to_markdown(figures, fold(events), journal, SCRIPT, LADDER)
    assert "| fault: fails | after 2s: down: status 503, expected 2xx |" in text
    assert "| fault: fails | not seen (expected down (status 502)) |" in text
    assert "| fault: nothing visible | no change the probes can show |" in text
    assert "| recovery: vendor-side recovery | after 2s: up: status 200 in 20 ms |" in text
    assert "not seen" not in text.split("vendor-side recovery")[1].split("\n")[0]


def test_a_drill_that_died_ends_at_its_last_recorded_moment() -> None:
    state, journal = drill_history()
    assert drill_end(journal, state) == at(60)  # its stop entry
    died = Journal(entries=[entry for entry in journal.entries if entry.kind != STOP])
    assert drill_end(died, state) == at(45)  # the last probe change, not "now"


def test_a_fault_the_probes_never_saw_does_not_take_a_later_ones_change() -> None:
    # The first 503 was fixed before the probes saw it; the 503 seen at 9 s is the second.
    events = [
        event(0, EventKind.DECLARED, DRILL_AUTHOR, title="T", severity="SEV-2"),
        event(
            9,
            EventKind.PROBE_STATE_CHANGED,
            service="api",
            state="down",
            reason="status 503, expected 2xx",
        ),
    ]
    journal = Journal()
    journal.add(FAULT, "api", "first", at=at(1), changes={"status": 503})
    journal.add(RECOVERY, "api", "fixed", at=at(1.2), changes={"status": 200})
    journal.add(FAULT, "api", "again", at=at(8), changes={"status": 503})
    first, fixed, again = detections(journal.of_kind(FAULT, RECOVERY), fold(events).events)
    assert first.seen is None and fixed.seen is None and again.seen is events[1]
