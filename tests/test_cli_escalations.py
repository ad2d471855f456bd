"""Escalations from the command line, as a user runs them: a real `warroom` process on
real files. `escalations` lists, `escalate` records (escalated, snoozed, dismissed, by
hand), bad input is one line and stores nothing, `scenarios show` warns of a `when` it
cannot read, and a bad `[[escalation]]` table is a one-line config error."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from tests.test_cli_incidents import warroom
from warroom.model.events import EventKind, new_event, utc_now
from warroom.store.local import IncidentLog, LocalStore

INCIDENT = "INC-20261130-9"


def declared_minutes_ago(data: Path, minutes: float, scenario: str = "database-connections") -> str:
    store = LocalStore(data)
    store.ensure_folder()
    start = utc_now() - timedelta(minutes=minutes)
    payload = {
        "title": "Pool exhausted",
        "severity": "SEV-2",
        "ladder": "sev1-sev3",
        "scenario": scenario,
        "roles": {"IC": "Ann"},
    }
    event = new_event(INCIDENT, EventKind.DECLARED, "ann", payload, at=start, now=start)
    IncidentLog(store.folder / f"{INCIDENT}.jsonl").append_many([event])
    return INCIDENT


def escalation_events(data: Path) -> list:  # type: ignore[type-arg]
    events = LocalStore(data).load_sync(INCIDENT).events
    return [e for e in events if e.kind is EventKind.ESCALATION]


def test_list_snooze_escalate_and_by_hand(isolated_dirs: Path) -> None:
    incident = declared_minutes_ago(isolated_dirs, 20)
    listing = warroom("escalations", incident).stdout
    assert "due now (1):" in listing
    assert "  DBA team: after 15m, due" in listing and "(5m" in listing
    snoozed = warroom(
        "escalate", incident, "--to", "DBA team", "--snooze", "10m", "--reason", "failover"
    )
    assert snoozed.stdout.startswith("snoozed: DBA team until ")
    listing = warroom("escalations", incident).stdout
    assert "due now (0):" in listing and "snoozed: failover" in listing
    done = warroom("escalate", incident, "--to", "dba team", "--how", "phone", "--at", "-1m")
    assert done.stdout.startswith("escalated to DBA team by phone, 4m")
    by_hand = warroom("escalate", incident, "--to", "Product lead", "--how", "slack")
    assert "no rule names them: recorded by hand" in by_hand.stdout
    rows = [
        json.loads(line) for line in warroom("escalations", incident, "--json").stdout.splitlines()
    ]
    dba = next(row for row in rows if row["contact"] == "DBA team")
    assert dba["status"] == "done" and 230 < dba["late_seconds"] < 250
    assert dba["snoozes"][0]["reason"] == "failover"
    assert any(row["contact"] == "Product lead" and row["status"] == "done" for row in rows)
    actions = [e.payload["action"] for e in escalation_events(isolated_dirs)]
    assert actions == ["snoozed", "escalated", "escalated"]
    exported = warroom("export", incident).stdout
    assert "## Escalations" in exported and "done 4m" in exported


def test_bad_escalation_input_is_one_line_and_stores_nothing(isolated_dirs: Path) -> None:
    incident = declared_minutes_ago(isolated_dirs, 20)
    cases = [
        (("--to", "DBA team", "--snooze", "10m"), "snooze: say why (one line)"),
        (("--to", "DBA team", "--dismiss"), "dismiss: say why (one line)"),
        (("--to", "DBA team", "--snooze", "yesterday", "--reason", "x"), "yesterday"),
        (("--to", "DBA team", "--snooze", "13h", "--reason", "x"), "12 h"),
        (("--to", "Nobody", "--dismiss", "--reason", "x"), "no escalation for 'Nobody'"),
        (("--to", "DBA team", "--at", "99:99"), "cannot read time '99:99'"),
        (("--to", "DBA team", "--snooze", "5m", "--at", "-1m", "--reason", "x"), "--at goes with"),
        (("--to", "DBA team", "--snooze", "5m", "--dismiss"), "not allowed with"),
        (("--to", "", "--how", "phone"), "no escalation for ''"),
    ]
    for args, message in cases:
        result = warroom("escalate", incident, *args, check=False)
        assert result.returncode != 0, args
        assert message in result.stderr, (args, result.stderr)
        assert result.stderr.count("\n") == 1, result.stderr
    assert escalation_events(isolated_dirs) == []
    missing = warroom("escalations", "INC-20261130-77", check=False)
    assert missing.returncode != 0 and missing.stderr.count("\n") == 1


def test_scenarios_show_lists_rules_and_warns_of_unreadable_whens(isolated_dirs: Path) -> None:
    folder = isolated_dirs.parent / "config" / "scenarios"
    folder.mkdir(parents=True)
    (folder / "matrix.toml").write_text(
        'id = "matrix"\ntitle = "Matrix"\n[[phase]]\nid = "a"\ntitle = "A"\n'
        '[[phase.step]]\ntext = "Look"\n'
        '[[contact]]\nrole = "P0 incident"\nreach = "@eng-manager"\nwhen = "Immediately"\n'
        '[[contact]]\nrole = "Customer escalation"\nreach = "@product-lead"\n'
        'when = "When notified"\n'
    )
    shown = warroom("scenarios", "show", "matrix")
    assert (
        "Escalation rules (timed)\n  - @eng-manager, on reaching P0 (P0 incident)" in shown.stdout
    )
    assert "Escalations by hand (no time warroom can read)" in shown.stdout
    assert "  - @product-lead: When notified" in shown.stdout
    assert shown.stderr == (
        "warning: matrix: escalation to @product-lead: cannot read a time in 'When notified';"
        " no timer (escalate by hand, or write e.g. 'after 15 minutes')\n"
    )


def test_config_escalation_table_applies_and_bad_tables_are_one_line(isolated_dirs: Path) -> None:
    incident = declared_minutes_ago(isolated_dirs, 20)
    config = isolated_dirs.parent / "warroom.toml"
    config.write_text(
        '[[escalation]]\nissue_type = "Database issues"\ncontact = "Oncall DBA"\n'
        'after = "10m"\nbackup = "Sam +1-555-0100"\n'
    )
    listing = warroom("escalations", incident).stdout
    assert "Oncall DBA: after 10m" in listing and "backup: Sam +1-555-0100" in listing
    config.write_text('[[escalation]]\ncontact = "DBA"\nafter = "soonish"\n')
    result = warroom("escalations", incident, check=False)
    assert result.returncode == 3
    assert result.stderr.startswith(f"warroom: error: {config}: escalation[1].after: cannot read")
    assert result.stderr.count("\n") == 1
