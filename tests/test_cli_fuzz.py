"""A fuzz test over argv for every command (hypothesis): never a traceback, a bad input
always gets a one-line error and a non-zero exit, and a failed command leaves no file.

Arguments are drawn from a pool of hostile words (markup, escapes, C1, bidi overrides,
huge and tiny numbers and times, paths to a file where a folder belongs, schemes-less
DSNs...) mixed with each command's own options and arbitrary text, and run in-process
through `warroom.cli.main` (a subprocess each would take minutes). The console, drills
and anything that would reach the network are left out: every command gets a word
drills only `--report`, and no store DSN in the pool has a reachable host.
The safety net in `main` ("unexpected ...") counts as a failure here.
"""

from __future__ import annotations

import contextlib
import io
import os
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from warroom.cli import main

HOSTILE = [
    "",
    " ",
    "-",
    "--",
    "[/var]",
    "[bold red]x[/]",
    "[@click=app.quit]q[/]",
    "\x1b]0;pwned\x07",
    "\x1b[2J",
    "\u009b31m",
    "\u202egnp.exe",
    "a\u200bb",
    "\ufeffbom",
    "\x00nul",
    "line\nbreak",
    "<script>x</script>",
    "x" * 300,
    "0",
    "-1",
    "1e309",
    "nan",
    "99999999999999999999",
    "INC-20261123-1",
    "INC-99999999-99999999999",
    "inc-20261123-1",
    "../../etc/passwd",
    "SEV-1",
    "sev-9",
    "P0",
    "IC",
    "resolved",
    "investigating",
    "md",
    "json",
    "Europe/Berlin",
    "Mars/Olympus",
    "-5m",
    "-99999999h",
    "23:59",
    "25:61",
    "0001-01-01T00:00",
    "9999-12-31T23:59:59-05:00",
    "@14:02",
    "general",
    "nope",
    "database-connections",
    "blocker",
    "blocker/inside",
    "runbook.md",
    "out",
    "out.md",
    "hostile.toml",
    "missing.toml",
    "localhost/db",
    "user:pa/ss@host/db",
    "postgresql://[::1",
    "--help",
]
COMMANDS: dict[str, list[str]] = {
    "declare": ["--severity", "-s", "--scenario", "--ic", "--impact", "--drill"],
    "incidents": ["--open"],
    "note": ["--kind", "-k", "--at", "--tz"],
    "status": [],
    "severity": [],
    "role": ["--clear"],
    "export": ["--format", "-f", "--tz", "--output", "-o"],
    "scenarios": ["list", "show", "validate", "--severity"],
    "import-runbook": ["--out"],
    "check": ["--json"],
    "watch": [],
    "db": ["migrate", "import"],
    "drill": [],
}
GLOBAL_OPTIONS = ["--config", "--data-dir", "--store", "--author", "--theme"]


def words(options: list[str]) -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(HOSTILE),
        st.sampled_from(options) if options else st.nothing(),
        st.text(max_size=8),
    )


@st.composite
def command_lines(draw: st.DrawFn) -> list[str]:
    argv: list[str] = []
    for option in draw(st.lists(st.sampled_from(GLOBAL_OPTIONS), max_size=2, unique=True)):
        argv += [option, draw(st.sampled_from(HOSTILE))]
    command = draw(st.sampled_from(sorted(COMMANDS)))
    if command == "drill":  # anything else may start a fleet
        return [*argv, "drill", "--report", draw(st.sampled_from(HOSTILE))]
    rest = draw(st.lists(words(COMMANDS[command]), max_size=6))
    return [*argv, command, *rest]


def snapshot(folder: Path) -> dict[str, int]:
    """Every path under `folder` with its size (folders as -1)."""
    found = {}
    for path in folder.rglob("*"):
        with contextlib.suppress(OSError):
            found[str(path.relative_to(folder))] = -1 if path.is_dir() else path.stat().st_size
    return found


def run(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(argv)
        except SystemExit as exit:  # argparse: --help, or a usage error
            code = exit.code if isinstance(exit.code, int) else 1
    return code, out.getvalue(), err.getvalue()


@settings(
    max_examples=int(os.environ.get("WARROOM_FUZZ_EXAMPLES", "150")),
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(argv=command_lines())
def test_no_command_line_gets_a_traceback(argv: list[str], isolated_dirs: Path) -> None:
    home = isolated_dirs.parent
    if not (isolated_dirs / "incidents").exists():
        setup(home)
    before = snapshot(home)
    code, stdout, stderr = run(argv)
    assert "Traceback" not in stderr and "unexpected " not in stderr, (argv, stderr)
    for raw in ("\x1b", "\u009b", "\u202e", "\x07"):
        assert raw not in stderr, (argv, stderr)
        if "--help" not in argv:
            assert raw not in stdout, (argv, stdout)
    if code == 0:
        return
    errors = [line for line in stderr.splitlines() if line.startswith("warroom: error: ")]
    if "validate" in argv and not errors:  # `scenarios validate` is a report on stdout
        assert " error(s)" in stdout.splitlines()[-1], (argv, stdout)
        return
    assert errors, (argv, code, stderr)
    if not {"scenarios", "import-runbook"} & set(argv):  # those report one line per problem
        assert len(errors) == 1, (argv, stderr)
    assert snapshot(home) == before, (argv, stderr)


def setup(home: Path) -> None:
    """An incident to write to, a file where a folder belongs, a runbook, two configs."""
    assert run(["declare", "Checkout 502s", "--severity", "SEV-1"])[0] == 0
    (home / "blocker").write_text("")
    (home / "runbook.md").write_text("# Disk full on [/var]\n\n## Check\n\n1. `df -h` [/x]\n")
    (home / "hostile.toml").write_text(
        '[incident]\nauthor = "[/a]\\u001b]0;t\\u0007"\ntimezone = "Mars/Olympus"\n'
    )
