"""Escalations in a drill: the runbook's minutes run at the drill's pace (the same scale as
its ladder), the prompt comes at the runbook's minute, and the report says whether the
IC escalated on time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from warroom.config import Config, load_config
from warroom.drill.drill_config import (
    cadence_factor,
    config_document,
    severity_tables,
    write_config,
)
from warroom.drill.journal import START, STOP, Journal
from warroom.drill.library import load_drills
from warroom.drill.report import DRILL_AUTHOR, compute, to_markdown
from warroom.model.escalation import EscalationTimers, escalations
from warroom.model.escalation_events import escalated_payload
from warroom.model.events import EventKind, new_event
from warroom.model.incident import fold
from warroom.model.severity import ladder_from_config
from warroom.model.timed import due_now
from warroom.scenarios import load_scenarios
from warroom.scenarios.escalation_rules import RuleBook
from warroom.services.escalations import drill_time_scale, rule_book

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
INCIDENT = "DRILL-20261123-1"
CATALOGUE = load_scenarios(include_user=False)
SCRIPT = load_drills(catalogue=CATALOGUE).find("pool-exhaustion")
SCALE = cadence_factor("SEV-1", timedelta(seconds=60))
LADDER = ladder_from_config("custom", severity_tables("SEV-1", 60.0))


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def event(seconds: float, kind: EventKind, author: str = "ana", **payload: object):  # type: ignore[no-untyped-def]
    return new_event(INCIDENT, kind, author, payload, now=at(seconds))


def declared():  # type: ignore[no-untyped-def]
    return event(
        0,
        EventKind.DECLARED,
        DRILL_AUTHOR,
        title="Pool fills up",
        severity="SEV-1",
        ladder="custom",
        scenario="database-connections",
        drill=True,
        roles={"IC": "Ana"},
    )


def journal() -> Journal:
    record = Journal()
    record.add(START, at=at(0), seed=7, speed=1.0)
    record.add(STOP, at=at(40))
    return record


def test_the_drill_config_carries_its_pace_and_the_rules_follow_it(tmp_path: Path) -> None:
    document = config_document(Config(), "ana", [], "SEV-1", 60.0)
    config = load_config(write_config(tmp_path / "warroom.toml", document))
    assert drill_time_scale(config) == SCALE == 1 / 60
    assert drill_time_scale(Config()) == 1.0
    book = rule_book(config, CATALOGUE)
    state = fold([declared()])
    (dba,) = [r for r in book.rules_for(state, LADDER) if r.contact == "DBA team"]
    assert dba.trigger.delay == timedelta(seconds=15)  # "after 15 minutes", drill time


def test_a_drill_without_escalating_prompts_at_the_runbooks_minute_and_reports_it() -> None:
    assert SCRIPT is not None and SCRIPT.scenario == "database-connections"
    book = RuleBook(CATALOGUE, (), SCALE)
    state = fold([declared()])
    rule = EscalationTimers(lambda s: book.rules_for(s, LADDER), lambda _s: LADDER)
    assert not [d for d in due_now([rule], state, at(14.9)) if "DBA" in d.message]
    (prompt,) = [d for d in due_now([rule], state, at(15)) if "DBA" in d.message]
    assert prompt.at == at(15)
    rules = book.rules_for(state, LADDER)
    figures = compute(state, journal(), SCRIPT, CATALOGUE.get(SCRIPT.scenario), LADDER, 1.0, at(40))
    report = to_markdown(figures, state, journal(), SCRIPT, LADDER, escalation_rules=rules)
    assert "## Escalations on time" in report
    missed = "- [ ] Escalated to DBA team on time (due 09:00:15 UTC: After 15 minutes): MISSED"
    assert missed in report
    assert "**Not escalated on time: DBA team.**" in report


def test_the_drill_report_says_the_ic_escalated_on_time() -> None:
    book = RuleBook(CATALOGUE, (), SCALE)
    state = fold([declared()])
    (dba,) = [
        e
        for e in escalations(state, book.rules_for(state, LADDER), LADDER)
        if e.rule.contact == "DBA team"
    ]
    done = event(
        14, EventKind.ESCALATION, **escalated_payload(dba.key, "DBA team", "DBA team", "phone")
    )
    state = fold([declared(), done])
    rules = book.rules_for(state, LADDER)
    figures = compute(state, journal(), SCRIPT, CATALOGUE.get(SCRIPT.scenario), LADDER, 1.0, at(40))
    report = to_markdown(figures, state, journal(), SCRIPT, LADDER, escalation_rules=rules)
    on_time = "due 09:00:15 UTC: After 15 minutes): done on time by phone"
    assert f"- [x] Escalated to DBA team on time ({on_time}" in report
    assert "Not escalated on time" not in report
    row = "| DBA team | after 15s | 09:00:15 UTC | 09:00:14 UTC | done on time by phone | - |"
    assert row in report
