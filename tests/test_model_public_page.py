"""The public-page drift guard as a pure timed rule, the page's age against the cadence,
and sent updates in the fold (only a delivered one resets the countdown)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from warroom.model.events import EventKind, new_event
from warroom.model.figures import next_update_due
from warroom.model.incident import fold
from warroom.model.public_page import (
    PublicPage,
    PublicPageDrift,
    drift_line,
    page_age_line,
)
from warroom.model.severity import PRESETS
from warroom.model.timed import due_now, pending

START = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
PAGE = PublicPage("our-status", ("SEV-1",), components={"Checkout": ("api",)})
LADDER = PRESETS["sev1-sev3"]


def at(minutes: float) -> datetime:
    return START + timedelta(minutes=minutes)


def event(kind: EventKind, payload: dict, minutes: float) -> object:
    return new_event("INC-1", kind, "ic", payload, now=at(minutes))


def declared(severity: str = "SEV-1") -> list:
    return [event(EventKind.DECLARED, {"title": "t", "severity": severity}, 0)]


def page(state: str, minutes: float) -> object:
    return event(EventKind.PROBE_STATE_CHANGED, {"service": "our-status", "state": state}, minutes)


def fired(deadline, minutes: float) -> object:
    payload = {"key": deadline.key, "rule": deadline.rule, "message": deadline.message}
    return event(EventKind.TIMER_FIRED, {**payload, "automatic": True}, minutes)


def test_drift_fires_once_at_ten_minutes_and_clears_when_the_page_catches_up() -> None:
    events = [*declared(), page("up", 1)]
    rules = [PublicPageDrift(PAGE)]
    state = fold(events)
    assert due_now(rules, state, at(9.9)) == []
    assert drift_line(state, PAGE, at(9.9)) is None
    due = due_now(rules, state, at(12))
    assert len(due) == 1
    assert due[0].message == "SEV-1 for 10 minutes, public page still says Operational"
    assert drift_line(state, PAGE, at(12)) == (
        "SEV-1 for 12 minutes, public page still says Operational"
    )
    events.append(fired(due[0], 12))
    state = fold(events)
    assert due_now(rules, state, at(30)) == []  # once
    assert len([e for e in state.entries if e.kind is EventKind.TIMER_FIRED]) == 1
    events.append(page("down", 31))  # the page catches up
    state = fold(events)
    assert drift_line(state, PAGE, at(32)) is None
    assert pending(rules, state, at(32)) == []


def test_no_drift_below_the_customer_severity_or_when_the_page_cannot_be_read() -> None:
    rules = [PublicPageDrift(PAGE)]
    assert due_now(rules, fold([*declared("SEV-2"), page("up", 1)]), at(60)) == []
    assert len(due_now(rules, fold(declared()), at(60))) == 1  # a first "up" is not written
    assert due_now(rules, fold([*declared(), page("unknown", 1)]), at(60)) == []


def test_a_new_stretch_at_sev1_is_a_new_deadline_and_names_components() -> None:
    events = [
        *declared("SEV-2"),
        page("up", 0),
        event(EventKind.PROBE_STATE_CHANGED, {"service": "api", "state": "down"}, 1),
        event(EventKind.SEVERITY_CHANGED, {"severity": "SEV-1", "previous": "SEV-2"}, 20),
    ]
    state = fold(events)
    due = due_now([PublicPageDrift(PAGE)], state, at(31))
    assert [d.at for d in due] == [at(30)]
    assert drift_line(state, PAGE, at(32)) == (
        "SEV-1 for 12 minutes, public page still says Operational (Checkout)"
    )


def test_resolved_incident_has_no_drift() -> None:
    events = [
        *declared(),
        page("up", 1),
        event(EventKind.STATUS_CHANGED, {"status": "resolved"}, 5),
    ]
    assert due_now([PublicPageDrift(PAGE)], fold(events), at(60)) == []


def test_page_age_counts_against_the_cadence() -> None:
    state = fold(declared())
    cadence = LADDER.get("SEV-1").update_cadence
    assert cadence is not None
    fresh = at(60) - cadence + timedelta(minutes=1)
    assert page_age_line(state, LADDER, PAGE, fresh, at(60)) is None
    assert page_age_line(state, LADDER, PAGE, at(60) - cadence, at(60)) is None
    stale = at(60) - cadence - timedelta(minutes=12, seconds=30)
    assert page_age_line(state, LADDER, PAGE, stale, at(60)) == (
        f"public page last updated {int(cadence.total_seconds() // 60) + 12} min ago"
    )
    assert page_age_line(state, LADDER, PAGE, None, at(60)) is None
    assert page_age_line(fold(declared("SEV-3")), LADDER, PAGE, stale, at(60)) is None


def sent(outcomes: list[str], minutes: float, message: str = "m1") -> object:
    channels = [{"name": f"c{i}", "outcome": o} for i, o in enumerate(outcomes)]
    payload = {"message": message, "template": "update", "audience": "responders"}
    return event(EventKind.COMMS_SENT, {**payload, "channels": channels}, minutes)


def late(minutes: float, message: str = "m1") -> object:
    payload = {"message": message, "template": "update", "audience": "responders", "channel": "c0"}
    return event(EventKind.COMMS_DELIVERY, {**payload, "outcome": "delivered"}, minutes)


def test_only_a_delivered_send_resets_the_countdown_and_only_once() -> None:
    base = fold(declared())
    due = next_update_due(base, LADDER)
    failed = fold([*declared(), sent(["failed"], 5)])
    assert failed.comms == [] and next_update_due(failed, LADDER) == due
    assert "FAILED" in failed.entries[-1].text
    later = fold([*declared(), sent(["failed"], 5), late(7)])
    assert len(later.comms) == 1 and later.last_comms_at == at(7)
    assert later.entries[-1].text == "Delivered the update update for responders to c0"
    both = fold([*declared(), sent(["delivered", "failed"], 5), late(7)])
    assert len(both.comms) == 1 and both.last_comms_at == at(5)
    assert next_update_due(both, LADDER) != due


def test_the_deadline_names_its_rule_service_and_stretch() -> None:
    public = PublicPage("our-status", ("SEV-1",), drift_after=timedelta(minutes=7, seconds=30))
    state = fold([*declared(), page("up", 0)])
    (deadline,) = PublicPageDrift(public).deadlines(state, at(1))
    assert deadline.rule == "public-page-drift"
    assert deadline.key == "public-page-drift:2026-11-30T08:00:00.000000Z"
    assert deadline.at == at(7.5)
    assert deadline.message == "SEV-1 for 7 minutes, public page still says Operational"
    assert dict(deadline.payload) == {
        "service": "our-status",
        "since": "2026-11-30T08:00:00.000000Z",
    }


def test_summary_and_page_text() -> None:
    from warroom.model.delivery import page_text, summary_line

    outcomes = [
        {"name": "room", "outcome": "delivered"},
        {"name": "pager", "outcome": "failed", "detail": "HTTP 500"},
    ]
    assert summary_line(outcomes) == (
        "1 of 2 channel(s) took it; pager failed: HTTP 500 (in the outbox, retried; O shows it)"
    )
    assert summary_line(outcomes[:1]) == "1 of 1 channel(s) took it"
    events = [
        *declared(),
        event(EventKind.ROLE_ASSIGNED, {"role": "IC", "name": "Alice"}, 1),
        event(EventKind.RECORD_SET, {"field": "impact", "value": "Nobody can pay"}, 2),
    ]
    assert page_text(fold(events)).splitlines() == [
        "[SEV-1] INC-1: t",
        "Impact: Nobody can pay",
        "Status: investigating · IC: Alice",
    ]
    assert page_text(fold(declared())).splitlines() == ["[SEV-1] INC-1: t", "Status: investigating"]


def test_drift_starts_exactly_at_drift_after_and_names_degraded_components() -> None:
    events = [
        *declared(),
        event(EventKind.PROBE_STATE_CHANGED, {"service": "api", "state": "degraded"}, 0),
    ]
    state = fold(events)
    assert drift_line(state, PAGE, at(9) + timedelta(seconds=59)) is None
    assert drift_line(state, PAGE, at(10)) == (
        "SEV-1 for 10 minutes, public page still says Operational (Checkout)"
    )
    both = PublicPage("our-status", ("SEV-1",), components={"A": ("api",), "B": ("api",)})
    assert drift_line(state, both, at(10)).endswith("Operational (A, B)")


def test_timeline_lines_of_sends_and_late_deliveries() -> None:
    channels = [
        {"name": "room", "outcome": "delivered"},
        {"name": "pager", "outcome": "failed", "detail": "HTTP 500"},
        {"name": "mail", "outcome": "failed"},
    ]
    payload = {"message": "m", "template": "responders", "audience": "responders"}
    sent_line = fold(
        [*declared(), event(EventKind.COMMS_SENT, {**payload, "channels": channels}, 1)]
    )
    assert sent_line.entries[-1].text == (
        "Sent the responders update: room delivered; pager FAILED (HTTP 500), will retry;"
        " mail FAILED, will retry"
    )
    late_payload = {**payload, "template": "update", "channel": "pager", "outcome": "delivered"}
    once = fold([*declared(), event(EventKind.COMMS_DELIVERY, {**late_payload, "attempts": 1}, 2)])
    assert once.entries[-1].text == "Delivered the update update for responders to pager"
    five = fold([*declared(), event(EventKind.COMMS_DELIVERY, {**late_payload, "attempts": 2}, 2)])
    assert five.entries[-1].text.endswith("to pager after 2 tries")
    lost = {**late_payload, "outcome": "failed", "detail": "gone"}
    failed = fold([*declared(), event(EventKind.COMMS_DELIVERY, lost, 2)])
    assert (
        failed.entries[-1].text == "Not delivered: the update update for responders to pager (gone)"
    )
    assert failed.comms == [] and five.comms != []


def test_a_send_without_a_message_id_never_counts() -> None:
    channels = [{"name": "room", "outcome": "delivered"}]
    payload = {"template": "t", "audience": "a", "channels": channels}
    assert fold([*declared(), event(EventKind.COMMS_SENT, payload, 1)]).comms == []
