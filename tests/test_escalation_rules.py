"""Escalation rules as pure functions: `when` read or refused, the rules each seed runbook
states, the rules' deadlines on a controllable clock, and the post-mortem's account."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from warroom.model.escalation import EscalationTimers, board, escalations, next_escalation
from warroom.model.escalation_config import EscalationConfigError, parse_escalation_tables
from warroom.model.escalation_events import dismissed_payload, escalated_payload, snoozed_payload
from warroom.model.escalation_report import review, verdicts
from warroom.model.escalation_when import Start, Trigger, parse_when
from warroom.model.events import Event, EventKind, new_event
from warroom.model.incident import IncidentState, fold
from warroom.model.postmortem import to_markdown
from warroom.model.severity import PRESETS
from warroom.model.timed import due_now, next_upcoming
from warroom.scenarios import load_scenarios
from warroom.scenarios.escalation_rules import RuleBook, ladder_rules, scenario_rules, unread_whens
from warroom.scenarios.importer import import_runbook

SEEDS = Path("/work/shared/seeds")
START = datetime(2026, 11, 30, 14, 0, tzinfo=UTC)
MIN = timedelta(minutes=1)


def at(minutes: float) -> datetime:
    return START + timedelta(minutes=minutes)


def event(kind: EventKind, minutes: float, payload: dict[str, Any], author: str = "ic") -> Event:
    return new_event("INC-1", kind, author, payload, now=at(minutes))


def declared(
    severity: str = "SEV-2",
    scenario: str = "database-connections",
    ladder: str = "sev1-sev3",
    **more: Any,
) -> Event:
    payload = {
        "title": "Pool exhausted",
        "severity": severity,
        "ladder": ladder,
        "scenario": scenario,
        **more,
    }
    return event(EventKind.DECLARED, 0, payload)


def fired(deadline_key: str, minutes: float, author: str = "console-a") -> Event:
    payload = {"key": deadline_key, "rule": "escalation", "message": "m", "automatic": True}
    return event(EventKind.TIMER_FIRED, minutes, payload, author)


CATALOGUE = load_scenarios(include_user=False)
BOOK = RuleBook(CATALOGUE)


def timers(book: RuleBook = BOOK) -> EscalationTimers:
    ladder_of = lambda state: PRESETS.get(state.ladder, PRESETS["sev1-sev3"])  # noqa: E731
    return EscalationTimers(lambda state: book.rules_for(state, ladder_of(state)), ladder_of)


def rules_of(state: IncidentState, book: RuleBook = BOOK) -> list:
    return book.rules_for(state, PRESETS[state.ladder])


# Reading `when` -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Immediately", Trigger(Start.DECLARED)),
        ("After 15 minutes", Trigger(Start.DECLARED, 15 * MIN)),
        ("15 minutes", Trigger(Start.DECLARED, 15 * MIN)),
        ("Within 5 minutes", Trigger(Start.DECLARED, 5 * MIN)),
        ("Escalate after 30 minutes without progress", Trigger(Start.DECLARED, 30 * MIN)),
        ("after 1h", Trigger(Start.DECLARED, 60 * MIN)),
        ("20m", Trigger(Start.DECLARED, 20 * MIN)),
        ("At 30 min mark", Trigger(Start.IMPACT, 30 * MIN)),
        ("at the 45-minute mark", Trigger(Start.IMPACT, 45 * MIN)),
        (
            "Incident exceeds estimated resolution time by 2x",
            Trigger(Start.IMPACT, resolve_factor=2.0),
        ),
        ("3x the resolve target", Trigger(Start.IMPACT, resolve_factor=3.0)),
        ("twice the resolution SLA", Trigger(Start.IMPACT, resolve_factor=2.0)),
        ("when the resolve target is passed", Trigger(Start.IMPACT, resolve_factor=1.0)),
        ("Severity level increases (P2 → P1 → P0)", Trigger(Start.SEVERITY, severity="")),
        ("on severity rising to SEV-1", Trigger(Start.SEVERITY, severity="SEV-1")),
        ("P0", Trigger(Start.SEVERITY, severity="P0")),
    ],
)
def test_when_is_read_into_a_trigger(text: str, expected: Trigger) -> None:
    assert parse_when(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "When notified",
        "If Zeabur/DB provider issue",
        "When the security team cannot be reached",
        "Provider-side failures; phone support is available around the clock",
        "Additional expertise needed",
        "after lunch",
        "after 15 minutes if the CEO says so",
        "0x the resolve target",
        "",
        "soon",
    ],
)
def test_a_when_that_states_no_time_is_refused_not_guessed(text: str) -> None:
    assert parse_when(text) is None


# Seeds -----------------------------------------------------------------------------------


def seed_rules(number: str) -> tuple[list[str], list[str]]:
    (path,) = SEEDS.glob(f"{number}_*.txt")
    result = import_runbook(path)
    rules = [r for s in result.scenarios for r in scenario_rules(s)]
    unread = [u.when for s in result.scenarios for u in unread_whens(s)]
    return [rule.describe() for rule in rules], unread


needs_seeds = pytest.mark.skipif(not SEEDS.is_dir(), reason="seed runbooks not on this machine")


@needs_seeds
def test_seed_000_and_001_state_no_matrix_their_ladders_give_the_rules() -> None:
    assert seed_rules("000") == ([], [])
    assert seed_rules("001") == ([], [])
    assert [r.id for r in ladder_rules(PRESETS["p1-p4"])] == ["ladder/acknowledge"]
    assert [r.id for r in ladder_rules(PRESETS["sev1-sev3"])] == [
        "ladder/acknowledge",
        "ladder/resolve-target",
    ]


@needs_seeds
def test_seed_002_matrix_issue_type_contact_backup_and_time() -> None:
    rules, unread = seed_rules("002")
    assert rules == [
        "DBA team, after 15m (Database Issues)",
        "Payments team, after 30m (Payment Issues)",
        "Security team, after 5m (Security Issues)",
        "DevOps team, after 30m (Infrastructure)",
    ]
    assert unread == []
    (path,) = SEEDS.glob("002_*.txt")
    general = import_runbook(path).scenarios[0]
    dba = scenario_rules(general)[0]
    assert (dba.reach, dba.backup) == ("dba@agency.com", "Senior Engineer: +1-555-0123")


@needs_seeds
def test_seed_003_when_to_escalate_list() -> None:
    rules, unread = seed_rules("003")
    assert rules == [
        "the next level, at 2x the resolve target",
        "the next level, on each severity rise",
    ]
    assert unread == ["Additional expertise needed", "Customer-facing impact expanding"]


@needs_seeds
def test_seed_004_situation_table() -> None:
    rules, unread = seed_rules("004")
    assert rules == [
        "@eng-manager + @backend-lead, on reaching P0 (P0 incident)",
        "@backend-lead + @devops-lead, immediately (Database corruption)",
        "@eng-manager + Security team, immediately (Security breach)",
        "Relevant team lead, at the 30m mark (Can't resolve in 30 min)",
    ]
    assert unread == ["When notified", "If Zeabur/DB provider issue"]


def test_shipped_scenarios_rules_and_no_unread_when() -> None:
    found = {
        s.id: [r.describe() for r in scenario_rules(s)] for s in CATALOGUE if scenario_rules(s)
    }
    assert found == {
        "database-connections": ["DBA team, after 15m"],
        "payment-processing": ["Payments team, after 30m"],
        "security-incident": ["Security team, after 5m"],
    }
    assert [u for s in CATALOGUE for u in unread_whens(s)] == []


# Deadlines on a controllable clock --------------------------------------------------------


def test_the_dba_escalation_falls_due_at_15_minutes_not_before_and_fires_once() -> None:
    state = fold([declared()])
    rules = [timers()]
    assert [d.message for d in due_now(rules, state, at(14.99))] == []
    upcoming = next_upcoming(rules, state, at(11))
    assert upcoming is not None and upcoming.message == "Escalate to DBA team: after 15m"
    assert upcoming.at == at(15)
    due = [d for d in due_now(rules, state, at(15)) if d.payload["contact"] == "DBA team"]
    assert len(due) == 1
    state = fold([declared(), fired(due[0].key, 15), fired(due[0].key, 15, "console-b")])
    assert [d for d in due_now(rules, state, at(16)) if d.payload["contact"] == "DBA team"] == []
    assert len([e for e in state.entries if e.kind is EventKind.TIMER_FIRED]) == 1


def test_a_severity_rise_to_the_top_fires_the_immediately_rule() -> None:
    (path,) = SEEDS.glob("004_*.txt") if SEEDS.is_dir() else (None,)
    if path is None:
        pytest.skip("seed runbooks not on this machine")
    imported = import_runbook(path)
    catalogue = type(CATALOGUE)(scenarios={s.id: s for s in imported.scenarios})
    book = RuleBook(catalogue)
    scenario = imported.scenarios[2].id  # database-connection-issues
    start = declared("P2", scenario, "p0-p3", roles={"IC": "Ann"})
    rules = [timers(book)]
    state = fold([start])
    assert not any("eng-manager" in d.message for d in due_now(rules, state, at(20)))
    rise = event(EventKind.SEVERITY_CHANGED, 7, {"severity": "P0", "previous": "P2"})
    state = fold([start, rise])
    due = [d for d in due_now(rules, state, at(7)) if "eng-manager" in d.message]
    assert [d.at for d in due] == [at(7)]
    assert due[0].message == "Escalate to @eng-manager + @backend-lead: on reaching P0"


def test_mitigation_stops_the_timers() -> None:
    events = [declared()]
    status = event(
        EventKind.STATUS_CHANGED, 10, {"status": "monitoring", "previous": "investigating"}
    )
    rules = [timers()]
    assert due_now(rules, fold(events), at(20))
    assert due_now(rules, fold([*events, status]), at(20)) == []
    assert next_upcoming(rules, fold([*events, status]), at(11)) is None


def test_a_snooze_is_logged_and_prompts_again_when_it_ends() -> None:
    state = fold([declared()])
    (dba,) = [
        e
        for e in escalations(state, rules_of(state), PRESETS["sev1-sev3"])
        if e.rule.contact == "DBA team"
    ]
    snoozed = event(
        EventKind.ESCALATION, 16, snoozed_payload(dba.key, "DBA team", at(26), "failover running")
    )
    state = fold([declared(), fired(dba.key, 15), snoozed])
    entry = state.entries[-1]
    assert entry.text == "Escalation to DBA team snoozed until 14:26 UTC: failover running"
    rules = [timers()]
    assert [
        d.key for d in due_now(rules, state, at(25)) if d.payload["contact"] == "DBA team"
    ] == []
    (again,) = [d for d in due_now(rules, state, at(26)) if d.payload["contact"] == "DBA team"]
    assert again.key == f"{dba.key}~snooze1"
    listing = board(state, rules_of(state), PRESETS["sev1-sev3"], at(20))
    assert [e.rule.contact for e in listing.upcoming][:1] == ["DBA team"]


def test_escalated_or_dismissed_stops_its_timer() -> None:
    state = fold([declared()])
    ladder = PRESETS["sev1-sev3"]
    dba = next(
        e for e in escalations(state, rules_of(state), ladder) if e.rule.contact == "DBA team"
    )
    done = event(
        EventKind.ESCALATION, 3, escalated_payload(dba.key, "DBA team", "DBA team", "phone")
    )
    state = fold([declared(), done])
    assert state.entries[-1].text == "Escalated to DBA team by phone"
    assert not [d for d in due_now([timers()], state, at(30)) if d.payload["contact"] == "DBA team"]
    gone = event(
        EventKind.ESCALATION, 3, dismissed_payload(dba.key, "DBA team", "DBA on the bridge")
    )
    assert (
        fold([declared(), gone]).entries[-1].text
        == "Escalation to DBA team dismissed: DBA on the bridge"
    )


def test_the_header_countdown_names_the_next_escalation() -> None:
    state = fold([declared(roles={"IC": "Ann"})])
    found = next_escalation(state, rules_of(state), PRESETS["sev1-sev3"], at(11))
    assert found is not None
    escalation, when = found
    assert (escalation.rule.contact, when) == ("DBA team", at(15))


def test_the_acknowledge_rule_prompts_without_an_ic_and_stops_with_one() -> None:
    state = fold([declared("SEV-1")])
    rules = [timers()]
    (ack,) = [
        d for d in due_now(rules, state, at(5)) if d.payload["rule_id"] == "ladder/acknowledge"
    ]
    assert ack.at == at(5) and ack.message.startswith("No IC yet")
    role = event(EventKind.ROLE_ASSIGNED, 2, {"role": "IC", "name": "Ann"})
    state = fold([declared("SEV-1"), role])
    assert not [
        d for d in due_now(rules, state, at(5)) if d.payload["rule_id"] == "ladder/acknowledge"
    ]


def test_the_resolve_target_rule_uses_the_current_severity() -> None:
    state = fold([declared("SEV-1", roles={"IC": "Ann"})])
    rules = [timers()]
    (target,) = [
        d for d in due_now(rules, state, at(60)) if d.payload["rule_id"] == "ladder/resolve-target"
    ]
    assert target.at == at(60)


# Config -------------------------------------------------------------------------------------


def test_a_config_row_applies_by_issue_type_and_wins_over_the_scenario() -> None:
    entries = parse_escalation_tables(
        [
            {
                "issue_type": "Database issues",
                "contact": "DBA team",
                "after": "10m",
                "backup": "Sam",
            },
            {"scenario": "payment-processing", "contact": "CFO", "after": 45},
            {"contact": "Eng manager", "after": "immediately", "severity": "SEV-1"},
        ]
    )
    book = RuleBook(CATALOGUE, entries)
    state = fold([declared()])
    described = [r.describe() for r in rules_of(state, book)]
    assert "DBA team, after 10m (Database issues)" in described
    assert "DBA team, after 15m" not in described
    assert not any("CFO" in d for d in described)
    assert "Eng manager, on reaching SEV-1" in described


@pytest.mark.parametrize(
    ("tables", "message"),
    [
        ("nope", "escalation: expected [[escalation]] tables"),
        ([{"after": "5m"}], "escalation[1]: missing 'contact'"),
        ([{"contact": "", "after": "5m"}], "escalation[1].contact: must not be empty"),
        ([{"contact": 3, "after": "5m"}], "escalation[1].contact: expected a string, got int"),
        ([{"contact": "A"}], "escalation[1]: missing 'after'"),
        ([{"contact": "A", "after": "soonish"}], "escalation[1].after: cannot read 'soonish'"),
        ([{"contact": "A", "after": True}], "escalation[1].after: cannot read 'True'"),
        ([{"contact": "A", "after": -5}], "escalation[1].after: cannot read '-5'"),
        ([{"contact": "A", "after": "5m", "team": "x"}], "escalation[1]: unknown key 'team'"),
        ([{"contact": "A", "after": "5m", "issue_type": "db", "scenario": "x"}], "not both"),
        ([{"contact": "A\x1b[2J", "after": "5m"}], "escalation[1].contact: contains control"),
        ([{"contact": "A", "after": "P0", "severity": "P1"}], "already names a severity"),
        ([{"contact": "A", "after": "2x resolve target", "severity": "P1"}], "plain delay"),
        ([{"contact": "x" * 300, "after": "5m"}], "longer than 200"),
    ],
)
def test_bad_escalation_tables_are_one_line_errors(tables: object, message: str) -> None:
    with pytest.raises(EscalationConfigError) as caught:
        parse_escalation_tables(tables)
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


# Post-mortem --------------------------------------------------------------------------------


def test_the_post_mortem_lists_the_escalation_done_two_minutes_late() -> None:
    state = fold([declared(roles={"IC": "Ann"})])
    ladder = PRESETS["sev1-sev3"]
    dba = next(
        e for e in escalations(state, rules_of(state), ladder) if e.rule.contact == "DBA team"
    )
    done = event(
        EventKind.ESCALATION, 17, escalated_payload(dba.key, "DBA team", "DBA team", "phone")
    )
    resolved = event(EventKind.STATUS_CHANGED, 40, {"status": "resolved"})
    state = fold([declared(roles={"IC": "Ann"}), fired(dba.key, 15), done, resolved])
    text = to_markdown(state, ladder, at(41), escalation_rules=rules_of(state))
    assert "## Escalations" in text
    assert "Due: 1; done: 1 (1 late); snoozed: 0; dismissed: 0; missed: 0." in text
    assert (
        "| DBA team | after 15m | 14:15:00 UTC | 14:17:00 UTC | done 2m 00s late by phone | - |"
        in text
    )
    assert (
        "Time to acknowledge (an IC assigned): 0s, within the SEV-2 response time of 15m 00s."
        in text
    )
    checks = verdicts(review(state, rules_of(state), ladder, at(41)))
    assert checks[0][1] is False and "done 2m 00s late" in checks[0][0]


def test_an_acted_on_acknowledge_prompt_is_reported_even_after_resolution() -> None:
    # A SEV-1 with no IC: the ladder's acknowledge rule falls due at 5 min; the IC pages
    # the on-call at 6 and resolves at 10. Before, the report left it out ("no escalation
    # fell due") because the acknowledge rule was only reported as a time to acknowledge.
    ladder = PRESETS["sev1-sev3"]
    state = fold([declared("SEV-1")])
    (ack,) = [e for e in escalations(state, rules_of(state), ladder) if e.rule.trigger.until_ic]
    done = event(
        EventKind.ESCALATION, 6, escalated_payload(ack.key, ack.rule.contact, "on-call", "phone")
    )
    resolved = event(EventKind.STATUS_CHANGED, 10, {"status": "resolved"})
    state = fold([declared("SEV-1"), fired(ack.key, 5), done, resolved])
    result = review(state, rules_of(state), ladder, at(10))
    assert [e.key for e in result.done] == [ack.key]
    text = to_markdown(state, ladder, at(11), escalation_rules=rules_of(state))
    assert "## Escalations" in text and "done 1m 00s late by phone" in text
    # Not acted on, it stays the time-to-acknowledge line only.
    state = fold([declared("SEV-1"), fired(ack.key, 5), resolved])
    assert review(state, rules_of(state), ladder, at(10)).due == []


def test_a_missed_escalation_is_missed_in_the_report() -> None:
    state = fold(
        [
            declared(roles={"IC": "Ann"}),
            event(EventKind.STATUS_CHANGED, 30, {"status": "monitoring"}),
        ]
    )
    result = review(state, rules_of(state), PRESETS["sev1-sev3"], at(40))
    assert [e.rule.contact for e in result.missed] == ["DBA team"]
    assert to_markdown(state, PRESETS["sev1-sev3"], at(40)).count("## Escalations") == 0
