"""Hypotheses, decisions and action items: written through the service on a real local
store, read back by folding, and drawn into the updates, the post-mortem and the tracker
exports."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from warroom.comms_templates import load_templates
from warroom.model.actions import (
    DueDateError,
    action_items,
    actions_csv,
    actions_json,
    due_moment,
    normalise_owner,
    parse_due,
)
from warroom.model.comms import render, render_draft
from warroom.model.decisions import decisions, poll_words, read_decision
from warroom.model.events import Event, EventKind, NoteKind, new_event
from warroom.model.hypotheses import (
    CONFIRMED,
    OPEN,
    RULED_OUT,
    current_theory,
    find_hypothesis,
    hypotheses,
    live_hypotheses,
    ruled_out,
)
from warroom.model.incident import IncidentState, describe, fold
from warroom.model.note_input import parse_note_line
from warroom.model.postmortem import to_markdown
from warroom.model.severity import PRESETS
from warroom.model.situation import changes_since
from warroom.services.command_notes import CommandNotes
from warroom.services.incidents import IncidentError, IncidentService
from warroom.store.local import LocalStore

LADDER = PRESETS["sev1-sev3"]
T0 = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)
TEMPLATES = {t.id: t for t in load_templates()[0]}


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now

    def tick(self, minutes: float = 1) -> None:
        self.now += timedelta(minutes=minutes)


@pytest.fixture
def room(tmp_path: Path) -> tuple[IncidentService, CommandNotes, Clock]:
    clock = Clock()
    service = IncidentService(LocalStore(tmp_path / "store"), "dana", LADDER, clock=clock)
    return service, CommandNotes(service), clock


async def declared(service: IncidentService) -> str:
    event = await service.declare("Checkout 502s", "SEV-1", roles={"IC": "Dana"})
    return event.incident_id


async def test_a_hypothesis_is_confirmed_another_ruled_out_with_evidence_and_reason(
    room: tuple[IncidentService, CommandNotes, Clock],
) -> None:
    service, notes, clock = room
    incident = await declared(service)
    lag = await service.note(incident, "replica-2 lag 40 s since 13:52", NoteKind.FINDING)
    cpu = await service.note(incident, "primary CPU normal", NoteKind.FINDING)
    clock.tick()
    replica = await notes.add_hypothesis(incident, "replica lag from the 13:50 deploy")
    pool = await notes.add_hypothesis(incident, "pgbouncer pool too small")
    state = await service.state(incident)
    assert [h.state for h in live_hypotheses(state)] == [OPEN, OPEN]
    assert current_theory(state) == (
        "2 open: replica lag from the 13:50 deploy; pgbouncer pool too small"
    )

    clock.tick()
    await notes.link_evidence(state, replica.id, lag.id)
    await notes.link_evidence(await service.state(incident), replica.id, cpu.id)
    with pytest.raises(IncidentError, match="needs a reason"):
        await notes.set_hypothesis_state(await service.state(incident), pool.id, RULED_OUT, " ")
    await notes.set_hypothesis_state(
        await service.state(incident), pool.id, RULED_OUT, "pool at 30% all along"
    )
    await notes.link_evidence(await service.state(incident), replica.id, cpu.id, linked=False)
    await notes.set_hypothesis_state(await service.state(incident), replica.id, CONFIRMED)
    state = await service.state(incident)

    found = {h.text: h for h in hypotheses(state)}
    confirmed = found["replica lag from the 13:50 deploy"]
    assert confirmed.state == CONFIRMED and [e.id for e in confirmed.evidence] == [lag.id]
    assert confirmed.changed is not None and confirmed.changed.author == "dana"
    assert [(h.text, h.reason) for h in ruled_out(state)] == [
        ("pgbouncer pool too small", "pool at 30% all along")
    ]
    assert live_hypotheses(state) == []
    await notes.set_hypothesis_state(state, pool.id, OPEN)
    reopened = await service.state(incident)
    assert current_theory(reopened) == (
        "replica lag from the 13:50 deploy — confirmed; still open: pgbouncer pool too small"
    )
    await notes.set_hypothesis_state(reopened, replica.id, OPEN)
    await notes.set_hypothesis_state(
        await service.state(incident), pool.id, RULED_OUT, "pool at 30% all along"
    )
    assert current_theory(await service.state(incident)) == (
        "replica lag from the 13:50 deploy — 1 finding supports it"
    )
    await notes.set_hypothesis_state(await service.state(incident), replica.id, CONFIRMED)
    state = await service.state(incident)
    assert current_theory(state) == "replica lag from the 13:50 deploy — confirmed"
    with pytest.raises(IncidentError, match="already confirmed"):
        await notes.set_hypothesis_state(state, replica.id, CONFIRMED)
    with pytest.raises(IncidentError, match="already evidence"):
        await notes.link_evidence(state, replica.id, lag.id)
    with pytest.raises(IncidentError, match="evidence is a finding"):
        await notes.link_evidence(state, replica.id, pool.id)

    # The timeline says what happened in words of its own.
    lines = [entry.text for entry in state.entries]
    assert 'Hypothesis ruled out: "pgbouncer pool too small": pool at 30% all along' in lines
    assert 'Evidence for "replica lag from the 13:50 deploy": "primary CPU normal"' in lines
    assert 'Evidence withdrawn from "replica lag from the 13:50 deploy": "primary CPU normal"' in (
        lines
    )
    assert 'Hypothesis confirmed: "replica lag from the 13:50 deploy"' in lines

    # Updates: responders and executives read the theory; customers never do.
    now = clock.now + timedelta(minutes=1)
    responders = render(TEMPLATES["responders"], state, LADDER, now, UTC)
    assert "Current theory: replica lag from the 13:50 deploy — confirmed" in responders
    assert "Ruled out:\n- pgbouncer pool too small (pool at 30% all along)" in responders
    executives = render(TEMPLATES["executives"], state, LADDER, now, UTC)
    assert "Our current understanding: replica lag from the 13:50 deploy — confirmed" in (
        executives
    )
    assert "pgbouncer" not in executives
    for audience in ("customers", "support"):
        text = render(TEMPLATES[audience], state, LADDER, now, UTC)
        assert "replica lag" not in text and "pgbouncer" not in text, audience

    # The post-mortem keeps both: the cause and what was ruled out, with the reason.
    markdown = to_markdown(state, LADDER, now)
    section = markdown.split("## Hypotheses")[1].split("## Decisions")[0]
    assert "**Confirmed**" in section and "**Ruled out**" in section
    assert "- 14:01 UTC: pgbouncer pool too small" in section
    assert "  - Ruled out at 14:02 UTC by dana: pool at 30% all along" in section
    assert "  - Evidence (14:00 UTC): replica-2 lag 40 s since 13:52" in section
    assert "primary CPU normal" not in section  # withdrawn
    root = markdown.split("## Root cause")[1].split("## Resolution")[0]
    assert "- Confirmed during the incident: replica lag from the 13:50 deploy" in root


def _event(kind: EventKind, minute: float, author: str = "dana", **payload: object) -> Event:
    at = T0 + timedelta(minutes=minute)
    return new_event("INC-20261123-1", kind, author, payload, at=at, now=at)


def _declared() -> Event:
    return _event(EventKind.DECLARED, 0, title="x", severity="SEV-1", ladder="sev1-sev3")


def test_the_last_state_change_wins_whatever_order_the_events_arrived_in() -> None:
    note = _event(EventKind.NOTE, 1, text="dns", note_kind="hypothesis")
    ruled = _event(EventKind.HYPOTHESIS_STATE, 2, "ivy", target=note.id, state=RULED_OUT)
    reopened = _event(EventKind.HYPOTHESIS_STATE, 3, "sam", target=note.id, state=OPEN)
    events = [_declared(), note, ruled, reopened]
    for order in (events, list(reversed(events)), [events[0], reopened, note, ruled]):
        (found,) = hypotheses(fold(order))
        assert (found.state, found.changed) == (OPEN, reopened)


def test_struck_hypotheses_and_findings_drop_out_and_damaged_events_are_ignored() -> None:
    gone = _event(EventKind.NOTE, 1, text="it is DNS", note_kind="hypothesis")
    kept = _event(EventKind.NOTE, 1.5, text="it is the pool", note_kind="hypothesis")
    finding = _event(EventKind.NOTE, 2, text="pool 100/100", note_kind="finding")
    events = [
        _declared(),
        gone,
        kept,
        finding,
        _event(EventKind.EVIDENCE_LINKED, 3, target=kept.id, finding=finding.id),
        _event(EventKind.HYPOTHESIS_STATE, 4, target=kept.id, state="maybe"),  # unknown
        _event(EventKind.HYPOTHESIS_STATE, 4, target="nope", state=CONFIRMED),
        _event(EventKind.HYPOTHESIS_STATE, 4, target=kept.id, state=["x"]),  # type: ignore[arg-type]
        _event(EventKind.EVIDENCE_LINKED, 4, target=kept.id, finding="missing"),
        _event(EventKind.ENTRY_STRUCK, 5, target=gone.id, reason="typo"),
    ]
    state = fold(events)
    (only,) = hypotheses(state)
    assert (only.text, only.state, [e.text for e in only.evidence]) == (
        "it is the pool",
        OPEN,
        ["pool 100/100"],
    )
    state = fold([*events, _event(EventKind.ENTRY_STRUCK, 6, target=finding.id)])
    assert hypotheses(state)[0].evidence == ()
    assert current_theory(fold([_declared()])) == ""


def test_a_hypothesis_is_found_by_id_prefix_or_words_and_ambiguity_is_named() -> None:
    one = _event(EventKind.NOTE, 1, text="replica lag", note_kind="hypothesis")
    two = _event(EventKind.NOTE, 2, text="replica disk full", note_kind="hypothesis")
    state = fold([_declared(), one, two])
    assert find_hypothesis(state, "lag").id == one.id
    assert find_hypothesis(state, two.id[:30]).id == two.id
    with pytest.raises(ValueError, match="2 hypotheses match 'replica'"):
        find_hypothesis(state, "replica")
    with pytest.raises(ValueError, match="no hypothesis matches 'dns'"):
        find_hypothesis(state, "dns")
    with pytest.raises(ValueError, match="name the hypothesis"):
        find_hypothesis(state, " ")


def test_hyp_prefix_in_the_note_line_writes_a_hypothesis() -> None:
    for line in ("hyp: replica lag", "hypothesis: replica lag", "HYP: replica lag"):
        parsed = parse_note_line(line, T0)
        assert (parsed.kind, parsed.text) == (NoteKind.HYPOTHESIS, "replica lag")
    parsed = parse_note_line("-5m hyp: replica lag", T0)
    assert parsed.kind is NoteKind.HYPOTHESIS and parsed.at == T0 - timedelta(minutes=5)


async def test_a_decision_records_the_poll_and_who_decided_and_old_notes_still_read(
    room: tuple[IncidentService, CommandNotes, Clock],
) -> None:
    service, notes, clock = room
    incident = await declared(service)
    await service.note(incident, "we roll back first", NoteKind.DECISION)  # a plain note
    state = await service.state(incident)
    await notes.decide(
        state,
        "fail over to the replica",
        objections_asked=True,
        objections=["Marco: replica-1 is 2 min behind", "  ", "Sam:  wait  for the canary"],
    )
    await notes.decide(state, "page the DBA", objections_asked=True, decided_by="Ivy")
    await notes.decide(state, "freeze deploys", objections_asked=False)
    with pytest.raises(IncidentError, match="needs the proposal"):
        await notes.decide(state, "  ", objections_asked=True)
    with pytest.raises(IncidentError, match="longer than 500"):
        await notes.decide(state, "x", objections_asked=True, objections=["y" * 501])
    with pytest.raises(IncidentError, match="at most 20"):
        await notes.decide(state, "x", objections_asked=True, objections=["y"] * 21)
    state = await service.state(incident)
    found = decisions(state)
    assert [(d.text, d.decided_by, d.objections_asked) for d in found] == [
        ("we roll back first", "", None),
        ("fail over to the replica", "Dana", True),
        ("page the DBA", "Ivy", True),
        ("freeze deploys", "Dana", False),
    ]
    assert found[1].objections == ("Marco: replica-1 is 2 min behind", "Sam: wait for the canary")
    assert [poll_words(d) for d in found] == [
        "",
        "objections asked, 2 raised: Marco: replica-1 is 2 min behind; Sam: wait for the canary",
        "objections asked, none raised",
        "objections not asked",
    ]

    now = clock.now + timedelta(minutes=5)
    executives = render(TEMPLATES["executives"], state, LADDER, now, UTC)
    assert "- we roll back first (14:00 UTC)" in executives
    assert "- page the DBA (14:00 UTC; decided by Ivy; objections asked, none raised)" in executives
    customers = render(TEMPLATES["customers"], state, LADDER, now, UTC)
    assert "replica" not in customers and "DBA" not in customers and "Dana" not in customers
    markdown = to_markdown(state, LADDER, now)
    section = markdown.split("## Decisions")[1].split("## Actions taken")[0]
    assert "- 14:00 UTC: freeze deploys (decided by Dana; objections not asked)" in section
    assert "- 14:00 UTC: we roll back first\n" in section


def test_a_decision_payload_a_hand_edited_file_got_wrong_reads_as_a_plain_decision() -> None:
    note = _event(
        EventKind.NOTE,
        1,
        text="roll back",
        note_kind="decision",
        objections_asked="yes",
        objections="none",
        decided_by=3,
    )
    (decision,) = decisions(fold([_declared(), note]))
    assert (decision.objections_asked, decision.objections, decision.decided_by) == (None, (), "")
    raised = read_decision(replace(fold([_declared(), note]).entries[1]))
    assert not raised.structured


async def test_action_items_have_owners_due_dates_and_reach_updates_and_exports(
    room: tuple[IncidentService, CommandNotes, Clock],
) -> None:
    service, notes, _clock = room
    incident = await declared(service)
    rotate = await notes.add_todo(incident, "rotate the key", owner="@marco", due="2026-12-02")
    alert = await notes.add_todo(incident, "add a lag alert @sam")
    await service.note(incident, '=HYPERLINK("http://x") cleanup', NoteKind.TODO)
    state = await service.state(incident)
    items = {item.text: item for item in action_items(state)}
    assert (items["rotate the key"].owner, items["rotate the key"].due) == ("marco", "2026-12-02")
    assert items["add a lag alert @sam"].owner == "sam"

    await notes.update_todo(state, alert.id, owner="Ivy", due="2026-11-23T15:00:00.000000Z")
    await notes.update_todo(state, rotate.id, due="")
    state = await service.state(incident)
    items = {item.text: item for item in action_items(state)}
    assert (items["add a lag alert @sam"].owner, items["rotate the key"].due) == ("Ivy", "")
    with pytest.raises(IncidentError, match="nothing to change"):
        await notes.update_todo(state, alert.id)
    with pytest.raises(IncidentError, match="an owner is a name"):
        await notes.update_todo(state, alert.id, owner="@@ !!")
    with pytest.raises(IncidentError, match="no todo"):
        await notes.update_todo(state, incident, owner="x")

    now = T0 + timedelta(hours=2)  # past the alert's 15:00 due time
    responders = render(TEMPLATES["responders"], state, LADDER, now, UTC)
    assert "- add a lag alert (owner: Ivy, due 2026-11-23 15:00 UTC, overdue)" in responders
    assert "- rotate the key (owner: marco)" in responders
    draft = render_draft(TEMPLATES["executives"], state, LADDER, now, UTC)
    assert draft.unowned == 1  # the =HYPERLINK one

    await service.todo_done(state, rotate.id)
    state = await service.state(incident)
    executives = render(TEMPLATES["executives"], state, LADDER, now, UTC)
    assert "rotate the key" not in executives.split("Next steps:")[1].split("\n\n")[0]
    markdown = to_markdown(state, LADDER, now)
    table = markdown.split("## Action items")[1].split("##")[0]
    assert "| rotate the key | marco | - | Done | dana |" in table
    assert "| add a lag alert @sam | Ivy | 2026-11-23 15:00 UTC | Open, overdue | dana |" in table

    rows = list(csv.DictReader(io.StringIO(actions_csv(state))))
    assert [(r["action"], r["owner"], r["status"]) for r in rows] == [
        ("rotate the key", "marco", "done"),
        ("add a lag alert @sam", "Ivy", "open"),
        ('\'=HYPERLINK("http://x") cleanup', "", "open"),  # never a live formula
    ]
    assert rows[0]["done_at"] and rows[0]["incident"] == incident
    document = json.loads(actions_json(state, now))
    assert document["format"] == "warroom-actions/1"
    assert [a["due"] for a in document["actions"]] == ["", "2026-11-23T15:00:00.000000Z", ""]


def test_due_dates_people_type_and_the_ones_refused() -> None:
    now = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)
    assert parse_due("2026-12-02", now) == "2026-12-02"
    assert parse_due("+3d", now) == "2026-12-03"
    assert parse_due("+2w", now) == "2026-12-14"
    assert parse_due("tomorrow", now) == "2026-12-01"
    assert parse_due("today", now) == "2026-11-30"
    assert parse_due("2026-11-30T15:30", now) == "2026-11-30T15:30:00.000000Z"
    assert parse_due("2026-12-01T09:00+02:00", now) == "2026-12-01T07:00:00.000000Z"
    assert parse_due("", now) == "" and parse_due("none", now) == ""
    refused = [
        ("2026-11-29", "in the past"),
        ("2026-11-30T09:00", "in the past"),
        ("2030-01-01", "more than two years ahead"),
        ("+9999d", "more than two years ahead"),
        ("yesterday", "cannot read due date"),
        ("next week", "cannot read due date"),
        ("2026-13-01", "cannot read due date"),
        ("12/02/2026", "cannot read due date"),
        ("+3x", "cannot read due date"),
        ("\x1b[31m", "cannot read due date"),
    ]
    for text, message in refused:
        with pytest.raises(DueDateError, match=message):
            parse_due(text, now)
    assert due_moment("2026-12-02") == datetime(2026, 12, 3, tzinfo=UTC)
    assert due_moment("garbage") is None and due_moment("2026-99-99") is None
    assert normalise_owner(" @marco ") == "marco" and normalise_owner("") == ""
    assert normalise_owner("Dana Scully") == "Dana Scully"


def test_command_notes_changes_read_in_the_what_changed_lines() -> None:
    hypothesis = _event(EventKind.NOTE, 1, text="replica lag", note_kind="hypothesis")
    events = [
        _declared(),
        hypothesis,
        _event(
            EventKind.HYPOTHESIS_STATE,
            12,
            target=hypothesis.id,
            state=RULED_OUT,
            reason="0 s",
            text="replica lag",
        ),
        _event(
            EventKind.NOTE,
            13,
            text="fail over",
            note_kind="decision",
            objections_asked=True,
            decided_by="Dana",
        ),
    ]
    state: IncidentState = fold(events)
    now = T0 + timedelta(minutes=20)
    brief = changes_since(state, T0 + timedelta(minutes=10), now, detailed=False)
    assert brief == [
        "- 14:12 UTC: hypothesis ruled out: replica lag (0 s)",
        "- 14:13 UTC: decision: fail over",
    ]
    detailed = changes_since(state, T0, now, detailed=True)
    assert detailed[0] == "- 14:01 UTC: new hypothesis: replica lag"
    assert describe(events[2]) == 'Hypothesis ruled out: "replica lag": 0 s'
    assert describe(_event(EventKind.TODO_UPDATED, 1, owner="")) == (
        "Action item (no text): no owner"
    )
    assert describe(_event(EventKind.EVIDENCE_LINKED, 1, linked=False)) == (
        "Evidence withdrawn from (no text): (no text)"
    )


def test_an_open_action_item_past_its_due_time_fires_once_and_a_done_one_never() -> None:
    from warroom.model.actions import ActionItemDue
    from warroom.model.timed import due_now, next_upcoming

    soon = _event(
        EventKind.NOTE,
        1,
        text="check replica lag",
        note_kind="todo",
        owner="sam",
        due="2026-11-23T14:30:00.000000Z",
    )
    later = _event(EventKind.NOTE, 2, text="write the review", note_kind="todo", due="2026-11-25")
    closed = _event(
        EventKind.NOTE, 3, text="page the DBA", note_kind="todo", due="2026-11-23T14:10:00Z"
    )
    events = [_declared(), soon, later, closed, _event(EventKind.TODO_DONE, 4, target=closed.id)]
    rule = ActionItemDue()
    state = fold(events)
    at_20 = T0 + timedelta(minutes=20)
    assert due_now([rule], state, at_20) == []
    upcoming = next_upcoming([rule], state, at_20)
    assert upcoming is not None and upcoming.at == T0 + timedelta(minutes=30)
    assert upcoming.message == (
        "Action item overdue: check replica lag (owner: sam), due 2026-11-23 14:30 UTC"
    )
    (fired,) = due_now([rule], state, T0 + timedelta(minutes=31))
    assert fired.payload == {"target": soon.id, "owner": "sam", "due": soon.payload["due"]}
    timer = _event(EventKind.TIMER_FIRED, 31, "warroom", key=fired.key, automatic=True)
    assert due_now([rule], fold([*events, timer]), T0 + timedelta(minutes=40)) == []
    # A new due date is a new deadline; done before it, there is none.
    moved = _event(EventKind.TODO_UPDATED, 32, target=soon.id, due="2026-11-23T15:00:00Z")
    assert [d.at for d in due_now([rule], fold([*events, timer, moved]), T0 + timedelta(hours=1))]
    done = _event(EventKind.TODO_DONE, 33, target=soon.id)
    assert due_now([rule], fold([*events, timer, moved, done]), T0 + timedelta(hours=2)) == []
    assert [d.at for d in rule.deadlines(state, at_20)][1] == datetime(2026, 11, 26, tzinfo=UTC)
    resolved = _event(EventKind.STATUS_CHANGED, 5, status="resolved")
    assert rule.deadlines(fold([*events, resolved]), at_20) == []
    from warroom.runtime.rules import RuleContext, default_rules

    context = RuleContext(config=None, ladder_of=lambda state: LADDER)  # type: ignore[arg-type]
    assert any(isinstance(made, ActionItemDue) for made in default_rules(context))


def test_due_times_from_now() -> None:
    now = datetime(2026, 11, 30, 10, 0, 7, tzinfo=UTC)
    assert parse_due("+30m", now) == "2026-11-30T10:30:00.000000Z"
    assert parse_due("+1h30m", now) == "2026-11-30T11:30:00.000000Z"
    with pytest.raises(DueDateError, match="is now"):
        parse_due("+0m", now)
    with pytest.raises(DueDateError, match="cannot read due date"):
        parse_due("+99999h", now)  # at most 9999 h (416 days) this way


def test_the_wording_of_command_notes_at_its_edges() -> None:
    """What mutation testing found unread: every branch of the timeline wording, the poll
    words, the theory without evidence counts, the tracker record's one-line fields."""
    from warroom.model.hypotheses import find_finding

    todo = "rotate the key"
    assert describe(_event(EventKind.TODO_UPDATED, 1, owner="marco", due="2026-12-02", text=todo))
    assert describe(
        _event(EventKind.TODO_UPDATED, 1, owner="marco", due="2026-12-02", text=todo)
    ) == ('Action item "rotate the key": owner marco, due 2026-12-02')
    assert describe(_event(EventKind.TODO_UPDATED, 1, due="", text=todo)) == (
        'Action item "rotate the key": no due date'
    )
    assert describe(_event(EventKind.TODO_UPDATED, 1, text=todo)).endswith(": unchanged")
    assert describe(_event(EventKind.HYPOTHESIS_STATE, 1, state=OPEN, text="dns")) == (
        'Hypothesis reopened: "dns"'
    )
    assert describe(_event(EventKind.HYPOTHESIS_STATE, 1, state="maybe", text="dns")) == (
        'Hypothesis maybe: "dns"'
    )
    assert describe(_event(EventKind.HYPOTHESIS_STATE, 1, text="dns")) == 'Hypothesis : "dns"'
    assert describe(_event(EventKind.EVIDENCE_LINKED, 1, text="dns", finding_text="ok")) == (
        'Evidence for "dns": "ok"'
    )
    long = "word " * 30
    quoted = describe(_event(EventKind.EVIDENCE_LINKED, 1, text=long, finding_text="x" * 80))
    assert quoted == f'Evidence for "{("word " * 16)[:79]}…": "{"x" * 80}"'

    hyp = _event(EventKind.NOTE, 1, text="dns", note_kind="hypothesis")
    finding = _event(EventKind.NOTE, 2, text="dig ok", note_kind="finding")
    other = _event(EventKind.NOTE, 2, text="dig slow", note_kind="finding")
    state = fold(
        [
            _declared(),
            hyp,
            finding,
            other,
            _event(EventKind.EVIDENCE_LINKED, 3, target=hyp.id, finding=finding.id),
            _event(EventKind.HYPOTHESIS_STATE, 3, target=hyp.id, state=OPEN, reason="  why  "),
        ]
    )
    assert current_theory(state) == "dns — 1 finding supports it"
    assert current_theory(state, evidence=False) == "dns"
    assert hypotheses(state)[0].reason == "why"
    assert hypotheses(fold([_declared(), hyp]))[0].reason == ""
    assert find_finding(state, "dig ok").id == finding.id
    assert find_finding(state, other.id[:40]).id == other.id
    for wanted, message in (("dig", "2 findings match 'dig'"), ("x", "no finding"), (" ", "name")):
        with pytest.raises(ValueError, match=message):
            find_finding(state, wanted)

    plain = _event(EventKind.NOTE, 1, text="go", note_kind="decision", objections=["a", "b"])
    unpolled = _event(
        EventKind.NOTE,
        1,
        text="go",
        note_kind="decision",
        objections_asked=False,
        objections=["x" * 130],
    )
    first, second = decisions(fold([_declared(), plain, unpolled]))
    assert poll_words(first) == "objections raised: a; b"
    assert poll_words(second) == f"objections not asked, 1 raised: {'x' * 119}…"

    item_note = _event(
        EventKind.NOTE, 1, text="x", note_kind="todo", owner="a\nb", due="2026-11-23"
    )
    items_state = fold([_declared(), item_note, _event(EventKind.TODO_UPDATED, 2, target="zzz")])
    record = json.loads(actions_json(items_state, T0))
    assert record["incident"] == "INC-20261123-1"
    assert record["actions"][0]["owner"] == "a ⏎ b" and record["actions"][0]["done_at"] == ""
    assert actions_csv(items_state).count("\r\n") == 2  # RFC 4180 line ends
    (item,) = action_items(items_state)
    assert not item.overdue(datetime(2026, 11, 24, tzinfo=UTC))  # due at the day's end
    assert item.overdue(datetime(2026, 11, 24, 0, 0, 1, tzinfo=UTC))
    assert parse_due("-", T0) == "" and parse_due("CLEAR", T0) == ""
    assert parse_due("2026-11-23T15:00:30Z", T0) == "2026-11-23T15:00:00.000000Z"
    assert parse_due("2026-11-23T16:00", T0, ZoneInfo("Europe/Berlin")) == (
        "2026-11-23T15:00:00.000000Z"
    )
    late_evening = datetime(2026, 11, 23, 23, 30, tzinfo=UTC)
    assert parse_due("today", late_evening, ZoneInfo("Europe/Berlin")) == "2026-11-24"
    with pytest.raises(DueDateError, match="in the past"):
        parse_due("2026-11-23T14:00Z", T0)  # exactly now
    assert parse_due(f"+{2 * 366}d", T0) == "2028-11-24"  # the longest allowed
    with pytest.raises(DueDateError, match="more than two years"):
        parse_due(f"+{2 * 366 + 1}d", T0)
    with pytest.raises(DueDateError, match="more than two years"):
        parse_due("2028-11-24T14:01Z", T0)


def test_several_confirmed_and_an_unowned_multi_line_item_due() -> None:
    from warroom.model.actions import ActionItemDue

    one = _event(EventKind.NOTE, 1, text="pool leak", note_kind="hypothesis")
    two = _event(EventKind.NOTE, 2, text="slow index", note_kind="hypothesis")
    todo = _event(
        EventKind.NOTE, 3, "a\nb", text="check\nlag", note_kind="todo", due="2026-11-23T14:30Z"
    )
    state = fold(
        [
            _declared(),
            one,
            two,
            todo,
            _event(EventKind.HYPOTHESIS_STATE, 4, target=one.id, state=CONFIRMED),
            _event(EventKind.HYPOTHESIS_STATE, 5, target=two.id, state=CONFIRMED),
        ]
    )
    assert current_theory(state) == "pool leak — confirmed; slow index — confirmed"
    (deadline,) = ActionItemDue().deadlines(state, T0)
    assert (deadline.rule, deadline.message) == (
        "action-item-due",
        "Action item overdue: check ⏎ lag, due 2026-11-23 14:30 UTC",
    )
    (row,) = json.loads(actions_json(state, T0))["actions"]
    assert row["logged_by"] == "a ⏎ b"
