"""The situation record, milestones, todos done and the next-update promise, from real
folds of real events (and the service that writes them, on a real local store)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.test_comms import LADDER, Log, minutes
from warroom.model.comms_template import fill
from warroom.model.events import EventKind, NoteKind
from warroom.model.figures import (
    detected_at,
    elapsed,
    impact_started_at,
    next_update_due,
    promise_for_update,
    time_to_mitigate,
    time_to_resolve,
)
from warroom.model.incident import fold
from warroom.model.situation import service_lines, service_stories
from warroom.model.timeparse import TimeParseError, parse_ahead
from warroom.services.incidents import IncidentError, IncidentService
from warroom.store.local import LocalStore


def test_the_latest_change_of_each_fact_wins_and_empty_clears() -> None:
    log = Log().declare(impact="At declaration")
    log.add(EventKind.RECORD_SET, {"field": "impact", "value": "Checkout down"}, 1)
    log.add(EventKind.RECORD_SET, {"field": "workaround", "value": "Pay by invoice"}, 2)
    log.add(EventKind.RECORD_SET, {"field": "workaround", "value": ""}, 3)
    log.add(EventKind.RECORD_SET, {"field": "nonsense", "value": "x"}, 4)
    log.add(EventKind.RECORD_SET, {"field": "next_update_at", "value": "not a time"}, 5)
    state = log.state()
    assert state.impact == "Checkout down" and state.record.fact("impact") == "Checkout down"
    assert state.record.fact("workaround") == ""
    assert "nonsense" not in state.record.facts
    assert state.record.next_update_at is None
    texts = [entry.text for entry in state.entries]
    assert "Record: Impact: Checkout down" in texts and "Record: Workaround cleared" in texts


def test_milestones_set_correct_and_clear() -> None:
    log = Log().declare()
    log.add(
        EventKind.MILESTONE_SET, {"milestone": "impact_started", "when": "2025-03-04T13:40Z"}, 1
    )
    log.add(
        EventKind.MILESTONE_SET, {"milestone": "impact_started", "when": "2025-03-04T13:45Z"}, 2
    )
    log.add(EventKind.MILESTONE_SET, {"milestone": "bogus", "when": "2025-03-04T13:45Z"}, 2)
    state = log.state()
    assert impact_started_at(state) == minutes(-15)
    assert elapsed(state, minutes(15)) == timedelta(minutes=30)
    log.add(EventKind.MILESTONE_SET, {"milestone": "impact_started", "when": ""}, 3)
    assert impact_started_at(log.state()) == minutes(0)


def test_detection_comes_from_backdated_alerts_and_probes_not_actions() -> None:
    log = Log().declare()
    log.note("action", "deployed 412", -30, recorded=1)  # the cause, not a detection
    log.note("finding", "error budget burn alert", -12, recorded=1)
    log.probe("api", "down", "503", 5)
    state = log.state()
    assert detected_at(state) == minutes(-12)
    assert impact_started_at(state) == minutes(-12)
    struck = log.note("note", "wrong alert", -20, recorded=2)
    log.add(EventKind.ENTRY_STRUCK, {"target": struck.id}, 3)
    assert detected_at(log.state()) == minutes(-12)  # a struck note detects nothing
    log.add(EventKind.MILESTONE_SET, {"milestone": "detected", "when": "2025-03-04T13:55Z"}, 4)
    assert detected_at(log.state()) == minutes(-5)


def test_mitigated_milestone_overrides_the_status_and_figures_count_from_impact() -> None:
    log = Log().declare()
    log.add(
        EventKind.MILESTONE_SET, {"milestone": "impact_started", "when": "2025-03-04T13:50Z"}, 1
    )
    log.add(EventKind.STATUS_CHANGED, {"status": "monitoring"}, 30)
    assert log.state().mitigated_at == minutes(30)
    log.add(EventKind.MILESTONE_SET, {"milestone": "mitigated", "when": "2025-03-04T14:20Z"}, 31)
    state = log.state()
    assert state.mitigated_at == minutes(20)
    assert time_to_mitigate(state) == timedelta(minutes=30)
    log.add(EventKind.MILESTONE_SET, {"milestone": "mitigated", "when": ""}, 32)
    assert log.state().mitigated_at == minutes(30)  # back to the status
    log.add(EventKind.STATUS_CHANGED, {"status": "resolved"}, 40)
    assert time_to_resolve(log.state()) == timedelta(minutes=50)


def test_todos_done_and_reopened() -> None:
    log = Log().declare()
    todo = log.note("todo", "Check lag @bob", 1)
    log.add(EventKind.TODO_DONE, {"target": todo.id}, 2)
    assert log.state().entry(todo.id).done  # type: ignore[union-attr]
    log.add(EventKind.TODO_DONE, {"target": todo.id, "done": False}, 3)
    assert not log.state().entry(todo.id).done  # type: ignore[union-attr]


def test_the_promise_is_the_last_copy_or_the_ics_choice() -> None:
    log = Log().declare()
    state = log.state()
    assert next_update_due(state, LADDER).due_at == minutes(60)  # type: ignore[union-attr]
    assert promise_for_update(state, LADDER, minutes(10) + timedelta(seconds=42)) == minutes(70)
    log.add(
        EventKind.COMMS_COPIED,
        {"template": "x", "audience": "responders", "next_update_at": "2025-03-04T14:40:00Z"},
        10,
    )
    assert next_update_due(log.state(), LADDER).due_at == minutes(40)  # type: ignore[union-attr]
    log.add(EventKind.RECORD_SET, {"field": "next_update_at", "value": "2025-03-04T14:30Z"}, 12)
    state = log.state()
    assert next_update_due(state, LADDER).due_at == minutes(30)  # type: ignore[union-attr]
    assert promise_for_update(state, LADDER, minutes(13)) == minutes(30)
    # The next copy uses the choice; after it the cadence counts again.
    log.add(
        EventKind.COMMS_COPIED,
        {"template": "x", "audience": "responders", "next_update_at": "2025-03-04T14:30:00Z"},
        14,
    )
    state = log.state()
    assert promise_for_update(state, LADDER, minutes(20)) == minutes(80)
    assert next_update_due(state, LADDER).due_at == minutes(30)  # type: ignore[union-attr]
    log.add(EventKind.STATUS_CHANGED, {"status": "resolved"}, 20)
    assert next_update_due(log.state(), LADDER) is None
    assert promise_for_update(log.state(), LADDER, minutes(21)) is None


def test_services_since_the_cutoff_name_recoveries_and_spells_across_it() -> None:
    log = Log().declare()
    log.probe("api", "down", "503", 1)
    log.probe("web", "degraded", "slow", 2)
    log.probe("web", "up", "", 3)
    log.probe("db", "degraded", "pool 90%", 4)
    log.probe("db", "down", "refused", 5)
    log.probe("cache", "down", "x", 6)
    log.probe("cache", "up", "", 7)
    state = log.state()
    cutoff = minutes(6.5)
    lines = service_lines(service_stories(state, cutoff), minutes(10), reasons=True)
    assert lines.splitlines() == [
        "- api: down since 14:01 UTC (503)",
        "- db: down since 14:04 UTC (refused)",
        "- cache: recovered at 14:07 UTC after being down from 14:06 UTC",
    ]  # web recovered before the cutoff: old news
    everything = service_lines(service_stories(state, None), minutes(10), reasons=False)
    assert "- web: recovered at 14:03 UTC after being degraded from 14:02 UTC" in everything
    assert "- db: down since 14:04 UTC" in everything and "refused" not in everything


def test_live_probe_rows_stand_in_for_events() -> None:
    log = Log().declare()
    log.probe("api", "down", "503", 1)
    state = log.state()
    state.probe_states["api"] = {"state": "up"}
    state.probe_states["search"] = {"state": "degraded", "reason": "p95 4s"}
    lines = service_lines(service_stories(state, None), minutes(10), reasons=True).splitlines()
    assert lines == [
        "- search: degraded (p95 4s)",
        "- api: recovered after being down from 14:01 UTC",
    ]


@pytest.mark.parametrize(
    ("body", "values", "expected"),
    [
        ("Impact: {a}\nWorkaround: {b}\n", {"a": "x", "b": ""}, "Impact: x\n"),
        ("Decisions:\n{a}\n\nNext:\n{b}\n", {"a": "", "b": "- y"}, "Next:\n- y\n"),
        ("Head:\n{a}\nTail\n", {"a": ""}, "Head:\nTail\n"),
        ("{a}\n\n\nx\n", {"a": ""}, "x\n"),
        ("Keep {{a}}: {a}\n", {"a": ""}, ""),
    ],
)
def test_fill_leaves_out_missing_facts_with_their_sentence(
    body: str, values: dict[str, str], expected: str
) -> None:
    assert fill(body, values)[0] == expected


def test_parse_ahead_reads_times_to_come() -> None:
    now = datetime(2025, 3, 4, 14, 0, tzinfo=UTC)
    assert parse_ahead("+30m", now) == now + timedelta(minutes=30)
    assert parse_ahead("1h", now) == now + timedelta(hours=1)
    assert parse_ahead("15:30", now) == now.replace(hour=15, minute=30)
    assert parse_ahead("13:00", now) == now.replace(hour=13) + timedelta(days=1)
    for bad in ("-5m", "soon", "2025-03-04T13:00Z", "", "+0m", "25:00"):
        with pytest.raises(TimeParseError):
            parse_ahead(bad, now)
    # A promise no datetime can hold is refused like an unreadable one (was OverflowError,
    # which the record form does not catch); one more than a week ahead is a typo.
    assert parse_ahead("+168h", now) == now + timedelta(days=7)
    for far in ("+99999999h", "+169h", "9999-12-31T23:59Z", "2025-03-11T14:01Z"):
        with pytest.raises(TimeParseError, match=r"out of range|more than 7 days ahead"):
            parse_ahead(far, now)


async def test_the_service_validates_what_it_writes(tmp_path: Path) -> None:
    now = datetime(2025, 3, 4, 14, 30, tzinfo=UTC)
    service = IncidentService(LocalStore(tmp_path / "d"), "alice", LADDER, clock=lambda: now)
    declared = await service.declare("Checkout failing", "SEV-1")
    state = await service.state(declared.incident_id)
    assert await service.set_fact(state, "impact", "  Checkout\n down ") is not None
    state = await service.state(declared.incident_id)
    assert state.record.fact("impact") == "Checkout down"
    assert await service.set_fact(state, "impact", "Checkout down") is None  # unchanged
    with pytest.raises(IncidentError, match="unknown fact"):
        await service.set_fact(state, "mood", "x")
    with pytest.raises(IncidentError, match="longer than"):
        await service.set_fact(state, "scope", "x" * 5000)
    with pytest.raises(IncidentError, match="future"):
        await service.set_milestone(state, "impact_started", now + timedelta(minutes=5))
    with pytest.raises(IncidentError, match="unknown milestone"):
        await service.set_milestone(state, "lunch", now)
    with pytest.raises(IncidentError, match="in the future"):
        await service.set_next_update(state, now - timedelta(minutes=1))
    event = await service.set_next_update(state, now + timedelta(minutes=20, seconds=30))
    assert event.payload["value"] == "2025-03-04T14:50:00.000000Z"  # to the minute
    todo = await service.note(state.id, "Check lag", NoteKind.TODO)
    state = await service.state(state.id)
    await service.todo_done(state, todo.id)
    state = await service.state(state.id)
    with pytest.raises(IncidentError, match="already done"):
        await service.todo_done(state, todo.id)
    with pytest.raises(IncidentError, match="no open todo"):
        await service.todo_done(state, state.entries[0].id)
    kinds = [e.kind for e in fold((await service.store.load(state.id)).events).events]
    assert kinds.count(EventKind.RECORD_SET) == 2 and EventKind.TODO_DONE in kinds


def test_record_events_read_plainly_on_the_timeline() -> None:
    log = Log().declare()
    log.add(EventKind.RECORD_SET, {"field": "customer_summary", "value": "Checkout fails"}, 1)
    log.add(EventKind.RECORD_SET, {"field": "next_update_at", "value": "2025-03-04T15:30:00Z"}, 2)
    log.add(EventKind.RECORD_SET, {"field": "next_update_at", "value": ""}, 3)
    log.add(EventKind.MILESTONE_SET, {"milestone": "detected", "when": "2025-03-04T13:55:09Z"}, 4)
    log.add(EventKind.MILESTONE_SET, {"milestone": "mitigated", "when": ""}, 5)
    log.add(EventKind.MILESTONE_SET, {"milestone": "lunch", "when": "2025-03-04T13:55Z"}, 6)
    log.add(EventKind.MILESTONE_SET, {"milestone": "detected", "when": "soon"}, 7)
    todo = log.note("todo", "Check lag", 8)
    log.add(EventKind.TODO_DONE, {"target": todo.id}, 9)
    state = log.state()
    texts = [entry.text for entry in state.entries][1:]
    assert texts == [
        "Record: Customer summary: Checkout fails",
        "Record: Next update at: 15:30 UTC",
        "Record: Next update at cleared",
        "Milestone: Detected at 2025-03-04 13:55:09 UTC",
        "Milestone: Mitigated cleared",
        "Milestone: lunch at 2025-03-04 13:55:00 UTC",
        "Milestone: Detected cleared",  # an unreadable time clears, as the fold does
        "Check lag",
    ]
    assert "lunch" not in state.record.milestones
    assert "detected" not in state.record.milestones
    assert state.record.set_at["customer_summary"] == minutes(1)


def test_situation_lines_are_one_line_capped_and_dated_when_not_today() -> None:
    from warroom.model.actions import action_items
    from warroom.model.decisions import decisions as decisions_of
    from warroom.model.situation import clock, decision_lines, one_line, todo_lines

    now = datetime(2025, 3, 5, 9, 0, tzinfo=UTC)
    assert clock(minutes(5), now) == "2025-03-04 14:05 UTC"
    assert clock(minutes(5) + timedelta(seconds=9), minutes(6)) == "14:05 UTC"
    assert clock(minutes(5) + timedelta(seconds=9), minutes(6), seconds=True) == "14:05:09 UTC"
    assert one_line("a\nb\x1b[31m") == "a ⏎ b\\x1b[31m"
    assert one_line("x" * 400) == "x" * 299 + "…"
    assert one_line("  padded  ") == "padded"
    log = Log().declare()
    for n in range(33):
        log.note("decision", f"decision {n}", 1 + n / 100)
        log.note("todo", f"todo {n} @ann, now", 1 + n / 100)
    state = log.state()
    decisions = decision_lines(decisions_of(state), minutes(5)).splitlines()
    assert decisions[0] == "- (3 earlier decisions not shown: see the timeline)"
    assert decisions[1] == "- decision 3 (14:01 UTC)" and len(decisions) == 31
    todos = todo_lines(action_items(state)).splitlines()
    assert todos[0] == "- (3 earlier todos not shown: see the timeline)"
    assert todos[-1] == "- todo 32, now (owner: ann)"


def test_the_worst_state_of_a_spell_is_the_one_named() -> None:
    log = Log().declare()
    log.probe("api", "degraded", "slow", 1)
    log.probe("api", "down", "503", 2)
    log.probe("api", "degraded", "slow", 3)
    log.probe("api", "up", "", 4)
    log.probe("db", "unknown", "dns", 5)
    state = log.state()
    lines = service_lines(service_stories(state, None), minutes(10), reasons=True).splitlines()
    assert lines == [
        "- db: unknown since 14:05 UTC (dns)",
        "- api: recovered at 14:04 UTC after being down from 14:01 UTC",
    ]
    assert service_lines(service_stories(state, minutes(4)), minutes(10), reasons=True) == (
        "- db: unknown since 14:05 UTC (dns)"
    )


def test_what_changed_keeps_to_live_news_in_time_order() -> None:
    from warroom.model.situation import changes_since

    log = Log().declare()
    reopened = log.note("todo", "Reopened todo", 1)
    closed = log.note("todo", "Closed todo @bob", 1)
    log.comms(10)
    wrong = log.note("finding", "Wrong finding", 12)
    log.add(EventKind.ENTRY_STRUCK, {"target": wrong.id}, 13)
    log.note("finding", "Pool exhausted", 14)
    log.note("decision", "Fail over", 15)
    log.note("todo", "Page the DBA", 16)
    log.note("action", "Restarted pgbouncer", 11, recorded=17)  # backdated, typed later
    log.add(EventKind.RECORD_SET, {"field": "customer_summary", "value": "Checkout fails"}, 18)
    log.add(EventKind.RECORD_SET, {"field": "scope", "value": "EU only"}, 18)
    log.add(EventKind.RECORD_SET, {"field": "workaround", "value": ""}, 18)
    log.add(EventKind.TODO_DONE, {"target": reopened.id}, 19)
    log.add(EventKind.TODO_DONE, {"target": reopened.id, "done": False}, 19.5)
    log.add(EventKind.TODO_DONE, {"target": closed.id}, 20)
    log.add(EventKind.MILESTONE_SET, {"milestone": "detected", "when": "2025-03-04T13:55Z"}, 21)
    log.add(EventKind.SEVERITY_CHANGED, {"severity": "SEV-2", "previous": "SEV-1"}, 22)
    state = log.state()
    detailed = changes_since(state, minutes(10), minutes(30), detailed=True)
    assert detailed == [
        "- 14:11 UTC: done: Restarted pgbouncer",
        "- 14:14 UTC: finding: Pool exhausted",
        "- 14:15 UTC: decision: Fail over",
        "- 14:16 UTC: new todo: Page the DBA",
        "- 14:18 UTC: scope updated: EU only",
        "- 14:20 UTC: done: Closed todo",
        "- 14:22 UTC: severity is now SEV-2",
    ]
    brief = changes_since(state, minutes(10), minutes(30), detailed=False)
    assert brief == [line for line in detailed if "finding" not in line and "new todo" not in line]
    assert changes_since(state, None, minutes(30), detailed=True) == []
    assert changes_since(state, minutes(21), minutes(30), detailed=True) == [
        "- 14:22 UTC: severity is now SEV-2"
    ]
    log.add(EventKind.MILESTONE_SET, {"milestone": "mitigated", "when": "2025-03-04T14:20Z"}, 23)
    assert changes_since(log.state(), minutes(22), minutes(30), detailed=False) == [
        "- 14:23 UTC: mitigated at 14:20 UTC"
    ]
