"""The incident CLI end to end, as a user runs it: a real `warroom` process, real files."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from warroom.model.postmortem import from_json

REPO = Path(__file__).resolve().parents[1]


def warroom(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [sys.executable, "-m", "warroom", *args],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        timeout=60,
    )
    if check and result.returncode != 0:
        raise AssertionError(f"warroom {args} failed: {result.stderr}")
    return result


def test_declare_note_export_journey() -> None:
    incident = warroom("declare", "Checkout 502s", "--severity", "sev-1", "--ic", "Alice").stdout
    incident = incident.strip()
    assert incident.startswith("INC-") and incident.endswith("-1")
    warroom("note", incident, "error rate 40%", "--kind", "finding", "--at", "-5m")
    warroom("note", incident, "rolled back 1234", "-k", "action")
    warroom("note", incident, "we roll back first", "-k", "decision")
    warroom("note", incident, "add a canary | for [bold]checkout[/x]", "-k", "todo")
    warroom("note", incident, "plain note")
    warroom("severity", incident, "SEV-2")
    warroom("role", incident, "comms", "Bob")
    warroom("status", incident, "monitoring")
    warroom("status", incident, "resolved")

    listing = warroom("incidents").stdout
    assert incident in listing and "resolved" in listing and "SEV-2" in listing

    markdown = warroom("export", incident, "--tz", "Europe/Berlin").stdout
    assert "# Post-mortem: " in markdown and "Checkout 502s" in markdown
    assert "| UTC | Europe/Berlin | Who | Kind | Entry |" in markdown
    order = [
        "error rate 40%",
        "Declared SEV-1",
        "rolled back 1234",
        "we roll back first",
        "add a canary",
        "plain note",
    ]
    timeline = markdown.split("## Timeline")[1].split("## Findings")[0]
    positions = [timeline.index(text) for text in order]
    assert positions == sorted(positions)
    assert "| IC | Alice |" in markdown and "| Comms | Bob |" in markdown
    assert "add a canary \\| for [bold]checkout[/x]" in markdown  # literal, pipe escaped
    assert "## Action items" in markdown and "peak SEV-1" in markdown

    exported = warroom("export", incident, "--format", "json").stdout
    document = json.loads(exported)
    assert document["incident"]["status"] == "resolved"
    state = from_json(exported)
    assert state.severity == "SEV-2" and state.roles == {"IC": "Alice", "Comms": "Bob"}
    assert len(state.events) == len(document["events"]) == 10


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("note", "INC-20990101-1", "x"), "unknown incident 'INC-20990101-1'"),
        (("declare", "t", "--severity", "SEV-7"), "unknown severity 'SEV-7'"),
        (("export", "INC-20990101-1"), "unknown incident"),
    ],
)
def test_errors_are_one_line(args: tuple[str, ...], message: str) -> None:
    result = warroom(*args, check=False)
    assert result.returncode != 0
    assert message in result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr


def test_bad_at_and_unwritable_folder(tmp_path: Path) -> None:
    incident = warroom("declare", "x", "--severity", "SEV-2").stdout.strip()
    result = warroom("note", incident, "x", "--at", "half past", check=False)
    assert result.returncode == 1 and "cannot read time 'half past'" in result.stderr
    blocker = tmp_path / "blocker"
    blocker.write_text("")
    result = warroom(
        "--data-dir", str(blocker / "d"), "declare", "x", "--severity", "SEV-2", check=False
    )
    assert result.returncode == 1 and "not writable" in result.stderr
    assert "Traceback" not in result.stderr


def test_help_lists_every_command() -> None:
    text = warroom("--help").stdout
    for command in ("declare", "incidents", "note", "status", "severity", "role", "export"):
        assert command in text
