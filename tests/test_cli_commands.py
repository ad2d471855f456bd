"""The CLI imports only the module of the command it runs, and knows every command."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from warroom.cli import COMMAND_MODULES, COMMANDS, build_parser, modules_for

REPO = Path(__file__).resolve().parents[1]


def test_commands_table_matches_what_modules_register() -> None:
    parser = build_parser(COMMAND_MODULES)
    registered = {}
    for action in parser._subparsers._group_actions:  # type: ignore[union-attr]
        for name, sub in action.choices.items():
            handler = sub.get_default("handler")
            registered[name] = handler.__module__ if handler else None
    for name, module in COMMANDS.items():
        assert name in registered, name
        assert registered[name] == module or registered[name] is None, name
    assert set(registered) == set(COMMANDS)


def test_modules_for_each_shape_of_command_line() -> None:
    assert modules_for([]) == ()
    assert modules_for(["--data-dir", "note", "--theme", "x"]) == ()  # values, not commands
    assert modules_for(["--config", "c.toml", "note", "ID", "x"]) == (
        "warroom.cli.incident_commands",
    )
    assert modules_for(["drill", "--help"]) == ("warroom.cli.drill_commands",)
    assert modules_for(["--help"]) == COMMAND_MODULES
    assert modules_for(["nonsense"]) == COMMAND_MODULES


def test_opening_the_console_imports_no_command_module() -> None:
    code = (
        "import sys; from warroom.cli import build_parser, modules_for\n"
        "build_parser(modules_for([])).parse_args([])\n"
        "bad = [m for m in sys.modules if m.startswith('warroom.cli.') and m.endswith('commands')"
        " or m == 'asyncpg' or m.startswith('warroom.drill')]\n"
        "print(bad); sys.exit(1 if bad else 0)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO)
    assert result.returncode == 0, result.stdout + result.stderr
