"""The `warroom` command: argument parsing and dispatch to the subcommand modules.

Each module in `COMMAND_MODULES` exposes `register(subparsers)`, which adds its
subcommands and sets `handler` (a function taking the parsed args and returning the exit
code) as a parser default. With no subcommand, warroom opens the console. Nothing here
imports Textual; the console is imported only when it is started.

Only the module of the command being run is imported (`COMMANDS` says which; a test
keeps it true to what the modules register): opening the console does not pay for
importing asyncpg, the drill or the probes' command code. `--help` imports them all.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence
from typing import NoReturn

from warroom import __version__
from warroom.cli.common import CommandError, fail
from warroom.config import ConfigError
from warroom.model.text import for_terminal, has_surrogates
from warroom.store.base import StoreError

COMMAND_MODULES = (
    "warroom.cli.incident_commands",
    "warroom.cli.step_commands",
    "warroom.cli.record_commands",
    "warroom.cli.scenario_commands",
    "warroom.cli.probe_commands",
    "warroom.cli.db_commands",
    "warroom.cli.drill_commands",
    "warroom.cli.serve_command",
    "warroom.cli.ask_commands",
    "warroom.cli.command_notes_commands",
)


COMMANDS = {
    **dict.fromkeys(
        ("declare", "incidents", "note", "status", "severity", "role", "export"),
        "warroom.cli.incident_commands",
    ),
    "tick": "warroom.cli.step_commands",
    "untick": "warroom.cli.step_commands",
    **dict.fromkeys(("set", "record", "done"), "warroom.cli.record_commands"),
    "scenarios": "warroom.cli.scenario_commands",
    "import-runbook": "warroom.cli.scenario_commands",
    "check": "warroom.cli.probe_commands",
    "watch": "warroom.cli.probe_commands",
    "db": "warroom.cli.db_commands",
    "drill": "warroom.cli.drill_commands",
    "serve": "warroom.cli.serve_command",
    **dict.fromkeys(("ask", "asks", "answer", "handoff"), "warroom.cli.ask_commands"),
    **dict.fromkeys(("hypothesis", "decide", "todo"), "warroom.cli.command_notes_commands"),
}
GLOBAL_OPTIONS_WITH_VALUES = frozenset(
    {"--config", "--data-dir", "--store", "--author", "--theme", "--incident"}
)


def modules_for(argv: Sequence[str]) -> tuple[str, ...]:
    """The command modules needed to parse `argv`: the command's own, none for the
    console, all of them for help or anything not recognised (argparse then explains)."""
    skip = False
    for token in argv:
        if skip:
            skip = False
            continue
        if token in ("-h", "--help"):
            return COMMAND_MODULES
        if token in GLOBAL_OPTIONS_WITH_VALUES:
            skip = True
            continue
        if token.startswith("-"):
            continue
        module = COMMANDS.get(token)
        return (module,) if module else COMMAND_MODULES
    return ()


class OneLineParser(argparse.ArgumentParser):
    """argparse, with its errors on one terminal-safe line (usage is in `--help`)."""

    def error(self, message: str) -> NoReturn:
        hint = f" (see {self.prog} --help)"
        self.exit(2, f"warroom: error: {for_terminal(message)}{hint}\n")


def build_parser(modules: Sequence[str] = COMMAND_MODULES) -> argparse.ArgumentParser:
    parser = OneLineParser(
        prog="warroom",
        description="A keyboard-driven incident console. With no command, opens the console.",
    )
    parser.add_argument("--version", action="version", version=f"warroom {__version__}")
    add_global_options(parser)
    subparsers = parser.add_subparsers(title="commands", metavar="COMMAND")
    for name in modules:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as error:
            if error.name == name:
                continue
            raise
        module.register(subparsers)
    return parser


def add_global_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", metavar="PATH", help="config file (default ./warroom.toml)")
    parser.add_argument(
        "--data-dir", metavar="DIR", help="data folder (default $WARROOM_DATA_DIR or user data)"
    )
    parser.add_argument(
        "--store",
        metavar="DSN",
        help="postgresql://... to share incidents through PostgreSQL (default: local files)",
    )
    parser.add_argument("--author", help="your name in the timeline (default: config or login)")
    parser.add_argument("--theme", help="console theme (remembered)")
    parser.add_argument("--incident", metavar="ID", help="console: open this incident")
    parser.add_argument(
        "--read-only",
        action="store_true",
        help="console: watch only (every writing key is refused; what `serve --read-only` runs)",
    )


def join_negative_values(argv: Sequence[str], options: tuple[str, ...] = ("--at",)) -> list[str]:
    """`--at -5m` becomes `--at=-5m`, so argparse does not take `-5m` for an option."""
    joined: list[str] = []
    items = list(argv)
    index = 0
    while index < len(items):
        item = items[index]
        if item in options and index + 1 < len(items) and items[index + 1].startswith("-"):
            joined.append(f"{item}={items[index + 1]}")
            index += 2
            continue
        joined.append(item)
        index += 1
    return joined


def say_unsent(args: argparse.Namespace) -> None:
    """One line on stderr while this data folder holds events that cannot be sent (set
    aside by the database, or for a server that refuses this machine)."""
    from warroom.paths import data_dir

    folder = data_dir(getattr(args, "data_dir", None)) / "queue"
    if not folder.is_dir():
        return
    from warroom.store.queue_report import attention_line

    try:
        line = attention_line(folder)
    except OSError as error:
        line = f"the offline queue in {folder} cannot be read: {error.strerror or error}"
    except Exception as error:  # a notice must never turn a command into a traceback
        line = f"the offline queue in {folder} cannot be read: {type(error).__name__}"
    if line:
        print(f"warroom: warning: {line}", file=sys.stderr)


def undecodable_argument(argv: Sequence[str]) -> int | None:
    """The position of the first argument holding bytes that are not UTF-8, or None."""
    for position, word in enumerate(argv, start=1):
        if has_surrogates(word):
            return position
    return None


def main(argv: Sequence[str] | None = None) -> int:
    words = join_negative_values(sys.argv[1:] if argv is None else argv)
    bad = undecodable_argument(words)
    if bad is not None:
        # Refused before anything is written: such bytes cannot be stored or shown as typed.
        return fail(f"argument {bad} is not valid UTF-8 text: {words[bad - 1]}", 2)
    args: argparse.Namespace | None = None
    try:
        parser = build_parser(modules_for(words))
        args = parser.parse_args(words)
        handler = getattr(args, "handler", None)
        if handler is None:
            from warroom.cli.console_command import run_console

            return run_console(args)
        code = int(handler(args) or 0)
    except CommandError as error:
        code = fail(str(error), error.exit_code)
    except ConfigError as error:  # a config (or --store) a command cannot use
        code = fail(str(error), 3)
    except (StoreError, ValueError) as error:  # IncidentError, TimeParseError: ValueErrors
        code = fail(str(error))
    except OSError as error:
        code = fail(describe_os_error(error))
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # `warroom ... | head`: the reader left; say nothing more and stop quietly.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141
    except Exception as error:  # the README promises one line, never a traceback
        if os.environ.get("WARROOM_DEBUG"):
            raise
        code = fail(f"unexpected {type(error).__name__}: {error} (WARROOM_DEBUG=1 shows where)")
    if args is not None and getattr(args, "queue_notice", True):
        say_unsent(args)
    return code


def describe_os_error(error: OSError) -> str:
    """`cannot open PATH: Permission denied`, without Python's `[Errno 13]`."""
    what = error.strerror or type(error).__name__
    if error.filename is not None:
        return f"cannot use {os.fsdecode(error.filename)}: {what}"
    return what


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
