"""Each way the CLI used to print a traceback, accept nonsense, leak escapes or leave files
readable by everyone: a real `warroom` process on real files, one case a test."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.support.unprivileged import hand_over, run_unprivileged, unprivileged_ids
from warroom.model.events import EventKind
from warroom.store.local import LocalStore

REPO = Path(__file__).resolve().parents[1]


def warroom(
    *args: str | bytes, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "warroom", *args],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO), **(env or {})},
        timeout=60,
    )


def one_line_error(result: subprocess.CompletedProcess[str] | object, *words: str) -> None:
    stderr: str = result.stderr  # type: ignore[attr-defined]
    assert result.returncode != 0, stderr  # type: ignore[attr-defined]
    assert "Traceback" not in stderr, stderr
    errors = [line for line in stderr.splitlines() if line.startswith("warroom: error: ")]
    assert len(errors) == 1, stderr
    assert all(line.startswith("warroom: ") for line in stderr.splitlines()), stderr
    assert "\x1b" not in stderr and "\x9b" not in stderr
    for word in words:
        assert word in errors[0], errors[0]


def declare(*extra: str) -> str:
    result = warroom("declare", "Checkout 502s", "--severity", "SEV-1", *extra)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def files_under(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*")} if folder.exists() else set()


# Tracebacks where the README promises one line ----------------------------------------


@pytest.mark.parametrize("dsn", ["localhost/db", "user:pa/ss@host/db", "host=x dbname=y"])
def test_a_store_without_its_scheme_is_one_line_and_never_echoed(dsn: str) -> None:
    result = warroom("--store", dsn, "incidents")
    one_line_error(result, "--store", "postgresql://")
    assert dsn not in result.stderr


def test_a_config_store_dsn_without_its_scheme_is_one_line(tmp_path: Path) -> None:
    config = tmp_path / "warroom.toml"
    config.write_text('[store]\ndsn = "u:secret@db.internal/warroom"\n')
    result = warroom("--config", str(config), "incidents")
    one_line_error(result, "[store] dsn")
    assert "secret" not in result.stderr


def test_a_data_dir_that_is_a_file(tmp_path: Path) -> None:
    blocker = tmp_path / "blocker"
    blocker.write_text("")
    for args in (("incidents",), ("declare", "x", "-s", "SEV-1"), ("note", "INC-20261123-1", "x")):
        one_line_error(warroom("--data-dir", str(blocker), *args), "is a file")


def test_non_utf8_bytes_in_an_argument_are_refused_and_burn_no_id(isolated_dirs: Path) -> None:
    result = warroom("declare", b"disk \xff\xfe full", "--severity", "SEV-1")
    one_line_error(result, "argument 2 is not valid UTF-8", "<U+DCFF>")
    assert not list((isolated_dirs / "incidents").glob("*.jsonl"))
    assert declare().endswith("-1")  # the first id is still free
    incident = declare()
    one_line_error(warroom("note", incident, b"\x9b31m"), "not valid UTF-8")


@pytest.mark.parametrize(
    "at",
    [
        "0001-01-01T00:00",
        "0001-01-01T00:00+05:00",
        "9999-12-31T23:59:59-05:00",
        "-99999999h",
        "-999999999m",
        "1970-01-01T00:00Z",
        "2026-11-01T10:00Z",
    ],
)
def test_at_far_in_the_past_or_future_is_one_line(at: str) -> None:
    incident = declare()
    one_line_error(warroom("note", incident, "x", "--at", at))
    events = LocalStore(Path(os.environ["WARROOM_DATA_DIR"])).load_sync(incident).events
    assert [e.kind for e in events] == [EventKind.DECLARED]


def test_argparse_errors_are_one_terminal_safe_line() -> None:
    one_line_error(warroom("\x1b]0;pwned\x07"), "invalid choice", "\\x1b]0;pwned\\x07")
    one_line_error(warroom("declare"), "required")
    one_line_error(warroom("export", "INC-1", "--format", "pdf\x9b2J"), "\\x9b2J")


# Silent acceptance ----------------------------------------------------------------------


def test_declare_refuses_an_unknown_scenario_and_lists_the_known(isolated_dirs: Path) -> None:
    result = warroom("declare", "x", "--severity", "SEV-1", "--scenario", "nope")
    one_line_error(result, "unknown scenario 'nope'", "general", "database-connections")
    assert files_under(isolated_dirs) == set()
    assert declare("--scenario", "database-connections")


def test_role_refuses_an_empty_name_and_clear_unassigns(isolated_dirs: Path) -> None:
    incident = declare("--ic", "Alice")
    one_line_error(warroom("role", incident, "IC", ""), "a name is needed", "--clear")
    one_line_error(warroom("role", incident, "IC", "  "), "a name is needed")
    one_line_error(warroom("role", incident, "IC", "Bob", "--clear"), "not both")
    state = LocalStore(isolated_dirs).load_sync(incident).events
    assert len(state) == 1
    assert warroom("role", incident, "IC", "--clear").returncode == 0
    export = json.loads(warroom("export", incident, "-f", "json").stdout)
    assert export["incident"]["roles"] == {}


def test_a_backdate_before_the_declaration_is_named_or_refused(isolated_dirs: Path) -> None:
    incident = declare()
    result = warroom("note", incident, "alert fired", "--at", "-2h")
    assert result.returncode == 0, result.stderr
    assert "before the incident was declared" in result.stderr and " UTC" in result.stderr
    result = warroom("note", incident, "typo", "--at", "-25h")
    one_line_error(result, "more than 24 h before the incident was declared")
    # A clock time just after the current one means yesterday: named, or refused (24 h).
    now = datetime.now(UTC)
    clock = f"{(now.hour + (1 if now.minute < 58 else 2)) % 24:02d}:{now.minute:02d}"
    result = warroom("note", incident, "clock", "--at", clock, "--tz", "UTC")
    if result.returncode == 0:
        assert "read as" in result.stderr and "before the incident was declared" in result.stderr
    else:
        one_line_error(result, "more than 24 h before")


def test_export_uses_the_config_timezone_without_tz(tmp_path: Path) -> None:
    config = tmp_path / "warroom.toml"
    config.write_text('[incident]\ntimezone = "Asia/Kolkata"\n')
    incident = declare()
    markdown = warroom("--config", str(config), "export", incident).stdout
    assert "| UTC | Asia/Kolkata | Who | Kind | Entry |" in markdown
    markdown = warroom("--config", str(config), "export", incident, "--tz", "UTC").stdout
    assert "| UTC | UTC | Who |" in markdown


# Terminal injection in exports ----------------------------------------------------------


def test_exports_write_no_raw_controls_and_mark_reordering(isolated_dirs: Path) -> None:
    incident = declare()
    hostile = "csi \u009b2J osc \x1b]52;c;cHduZWQ=\x07 rlo \u202egnp.exe zw a\u200bb <img src=x>"
    assert warroom("note", incident, hostile).returncode == 0
    exported = warroom("export", incident, "-f", "json").stdout
    for raw in ("\u009b", "\x1b", "\x07", "\u202e", "\u200b"):
        assert raw not in exported
    assert "\\u009b2J" in exported and "\\u202egnp.exe" in exported
    notes = [e for e in json.loads(exported)["events"] if e["kind"] == "note"]
    assert notes[0]["payload"]["text"] == hostile  # the same data, escaped
    incident_file = (isolated_dirs / "incidents" / f"{incident}.jsonl").read_text()
    assert "\u009b" not in incident_file and "\u202e" not in incident_file
    markdown = warroom("export", incident).stdout
    assert "\\x9b2J" in markdown and "<U+202E>gnp.exe" in markdown and "a<U+200B>b" in markdown
    assert "<img" not in markdown and "&lt;img src=x>" in markdown
    listing = warroom("incidents").stdout
    assert "\x1b" not in listing


# Data -----------------------------------------------------------------------------------


def test_a_damaged_declaration_keeps_every_other_event(isolated_dirs: Path) -> None:
    incident = declare("--ic", "Alice")
    assert warroom("note", incident, "db cpu 95%", "-k", "finding").returncode == 0
    assert warroom("severity", incident, "SEV-2").returncode == 0
    path = isolated_dirs / "incidents" / f"{incident}.jsonl"
    lines = path.read_bytes().split(b"\n")
    path.write_bytes(b"\n".join([lines[0][:40] + b"\xff garbage", *lines[1:]]))
    listing = warroom("incidents")
    assert incident in listing.stdout and "title unknown" in listing.stdout
    assert (
        f"{incident}.jsonl:1:" in listing.stderr and "declaration is unreadable" in listing.stderr
    )
    markdown = warroom("export", incident)
    assert markdown.returncode == 0
    assert "db cpu 95%" in markdown.stdout and "SEV-2" in markdown.stdout
    assert "peak SEV-1" in markdown.stdout  # the first severity, read from the change
    assert warroom("note", incident, "still writable").returncode == 0


# Permissions (as an unprivileged user) ---------------------------------------------------


@pytest.fixture
def shared_tmp() -> Iterator[Path]:
    """A folder the unprivileged user owns (pytest's tmp_path is root's, mode 0700)."""
    folder = Path(tempfile.mkdtemp(prefix="warroom-perm-"))
    os.chmod(folder, 0o755)
    hand_over(folder)
    try:
        yield folder
    finally:
        subprocess.run(["rm", "-rf", str(folder)], check=False)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_folders_are_created_0700_and_files_0600(shared_tmp: Path) -> None:
    data = shared_tmp / "data"
    declared = run_unprivileged(["declare", "x", "--severity", "SEV-1"], shared_tmp)
    assert declared.returncode == 0, declared.stderr
    incident = declared.stdout.strip()
    out = shared_tmp / "export.md"
    exported = run_unprivileged(["export", incident, "-o", str(out)], shared_tmp)
    assert exported.returncode == 0, exported.stderr
    assert mode(data) == mode(data / "incidents") == 0o700
    assert mode(data / "incidents" / f"{incident}.jsonl") == 0o600
    assert mode(data / "incidents" / ".lock") == 0o600
    assert mode(out) == 0o600
    if unprivileged_ids() is not None:
        assert (data / "incidents").stat().st_uid == unprivileged_ids()[0]  # type: ignore[index]


def test_copies_and_console_exports_are_private(tmp_path: Path) -> None:
    from warroom.ui.clipboard import save_copy

    saved = save_copy("status update", tmp_path / "data", "INC-1-update")
    assert saved is not None
    assert mode(saved) == 0o600 and mode(saved.parent) == 0o700 and mode(tmp_path / "data") == 0o700


def test_an_unreadable_incident_file_is_a_clear_error(shared_tmp: Path) -> None:
    data = shared_tmp / "data"
    incident = run_unprivileged(["declare", "x", "--severity", "SEV-1"], shared_tmp).stdout.strip()
    (data / "incidents" / f"{incident}.jsonl").chmod(0o000)
    for argv in (["note", incident, "x"], ["export", incident], ["status", incident, "resolved"]):
        result = run_unprivileged(argv, shared_tmp)
        one_line_error(result, "cannot read", "Permission denied")
    listing = run_unprivileged(["incidents"], shared_tmp)
    one_line_error(listing, "cannot read 1 incident file")
    assert "No incidents" not in listing.stdout
    assert "Permission denied" in listing.stderr


def test_an_unreadable_incidents_folder_is_a_clear_error(shared_tmp: Path) -> None:
    data = shared_tmp / "data"
    assert run_unprivileged(["declare", "x", "--severity", "SEV-1"], shared_tmp).returncode == 0
    (data / "incidents").chmod(0o000)
    try:
        listing = run_unprivileged(["incidents"], shared_tmp)
        one_line_error(listing, "cannot read the incidents folder", "Permission denied")
        assert "No incidents" not in listing.stdout
        one_line_error(run_unprivileged(["declare", "y", "--severity", "SEV-1"], shared_tmp))
    finally:
        (data / "incidents").chmod(0o700)
