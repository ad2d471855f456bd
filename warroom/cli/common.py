"""What every CLI command shares: one-line errors, opening the config and the store."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn

from warroom.config import Config, ConfigError, load_config
from warroom.model.text import for_terminal
from warroom.private_files import write_private_text
from warroom.redact import redact_text


class CommandError(Exception):
    """An error to print as one line on stderr, exiting with `exit_code`."""

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def fail(message: str, exit_code: int = 1) -> int:
    """Print the error as one line that no terminal acts on (escapes shown, secrets masked)."""
    print(f"warroom: error: {for_terminal(redact_text(message))}", file=sys.stderr)
    return exit_code


def die(message: str, exit_code: int = 1) -> NoReturn:
    raise CommandError(message, exit_code)


def incident_command(
    subparsers: Any,
    name: str,
    handler: Callable[[argparse.Namespace], int],
    **parser_options: Any,
) -> argparse.ArgumentParser:
    """The parser of a command that acts on one incident: `warroom NAME INCIDENT ...`,
    run by `handler`; the caller adds the command's own arguments after INCIDENT."""
    parser: argparse.ArgumentParser = subparsers.add_parser(name, **parser_options)
    parser.add_argument("incident")
    parser.set_defaults(handler=handler)
    return parser


def open_config(args: argparse.Namespace) -> Config:
    try:
        return load_config(getattr(args, "config", None))
    except ConfigError as error:
        raise CommandError(str(error), 3) from None


def emit_text(text: str, output: str | None) -> int:
    """Write a command's document to `output` (owner-only, its path printed) or stdout."""
    if output:
        try:
            write_private_text(Path(output), text)
        except OSError as error:
            raise CommandError(f"cannot write {output}: {error.strerror}") from None
        print(output)
    else:
        sys.stdout.write(text)
    return 0
