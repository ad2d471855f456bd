"""`warroom serve`: the console in a browser, one console process per browser session.

Safe by default: it binds 127.0.0.1; any other address needs `--token-file` (created
with a random token if absent). The store's DSN reaches the sessions through the
environment (`WARROOM_STORE`), never through a command line a process listing shows.
Textual, aiohttp and textual-serve are imported only when the command runs.
"""

from __future__ import annotations

import argparse
import os
import shlex
import sys
from pathlib import Path
from typing import Any

from warroom.cli.common import CommandError, open_config
from warroom.serve.token import Token, TokenError, load_or_create_token, needs_token

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765


def register(subparsers: Any) -> None:
    serve = subparsers.add_parser(
        "serve",
        help="serve the console to browsers (textual-serve)",
        description=(
            "Serve the console to browsers: each browser session runs its own console on "
            "the same store. Binds 127.0.0.1 unless --host says otherwise; any other "
            "address needs --token-file."
        ),
    )
    serve.add_argument("--host", default=DEFAULT_HOST, help="address to bind (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=DEFAULT_PORT, help="port (default 8765)")
    serve.add_argument(
        "--token-file",
        metavar="PATH",
        help="access token (a random one is written there, mode 0600, if the file is absent)",
    )
    serve.add_argument(
        "--public-url",
        metavar="URL",
        help="the address browsers use, behind a reverse proxy (e.g. https://warroom.example)",
    )
    # Also accepted before `serve` (global options); SUPPRESS keeps those values.
    serve.add_argument(
        "--read-only",
        action="store_true",
        default=argparse.SUPPRESS,
        help="browsers can watch but change nothing (the header says READ-ONLY)",
    )
    serve.add_argument("--store", metavar="DSN", default=argparse.SUPPRESS, help="as above")
    serve.add_argument("--config", metavar="PATH", default=argparse.SUPPRESS, help="as above")
    serve.add_argument("--data-dir", metavar="DIR", default=argparse.SUPPRESS, help="as above")
    serve.set_defaults(handler=run_serve)


def console_command(args: argparse.Namespace) -> list[str]:
    """The command each browser session runs: this Python, this console, no secrets."""
    words = [sys.executable, "-m", "warroom"]
    for option, value in (
        ("--config", args.config),
        ("--data-dir", args.data_dir),
    ):
        if value:
            words += [option, str(Path(value).expanduser().resolve())]
    for option, value in (
        ("--author", args.author),
        ("--theme", args.theme),
        ("--incident", args.incident),
    ):
        if value:
            words += [option, value]
    if args.read_only:
        words.append("--read-only")
    return words


def check_port(port: int) -> None:
    if not 0 < port < 65536:
        raise CommandError(f"--port {port}: a port is a number from 1 to 65535", 2)


def resolve_token(args: argparse.Namespace) -> Token | None:
    if not args.token_file:
        if needs_token(args.host):
            raise CommandError(
                f"--host {args.host}: serving beyond 127.0.0.1 needs --token-file PATH "
                "(a random token is written there if the file is absent)",
                2,
            )
        return None
    try:
        return load_or_create_token(Path(args.token_file).expanduser())
    except TokenError as error:
        raise CommandError(str(error), 2) from None


def run_serve(args: argparse.Namespace) -> int:
    check_port(args.port)
    config = open_config(args)  # a broken config fails here, not in every browser
    token = resolve_token(args)
    dsn = args.store or config.store_dsn
    if args.store:
        from warroom.services.stores import STORE_ENV, check_store_dsn

        check_store_dsn(args.store, "--store")  # masks it from now on; ConfigError if unusable
        os.environ[STORE_ENV] = args.store  # each session's console inherits it
    if args.data_dir:
        Path(args.data_dir).expanduser().mkdir(parents=True, exist_ok=True)

    from warroom.serve.server import WarroomServer, host_for_url

    server = WarroomServer(
        shlex.join(console_command(args)),
        args.host,
        args.port,
        token=token.value if token else None,
        public_url=args.public_url,
    )
    url = f"{server.public_url}/"

    def ready() -> None:
        mode = "read-only" if args.read_only else "read-write"
        store = "PostgreSQL" if dsn else "local files"
        if token is None:
            print(f"  bound to {host_for_url(args.host)}: only this machine can connect")
        elif token.created:
            print(f"  new token (shown this once, kept in {token.path}): {token.value}")
            print(f"  open: {url}?token={token.value}")
        else:
            print(f"  token: the one in {token.path} (open {url}?token=...)")
        # Last, so a script waiting for this line has read everything above it.
        print(f"warroom serve: {url} ({mode}, {store}); Ctrl+C stops", flush=True)

    import asyncio

    try:
        asyncio.run(server.run(ready))
    except OSError as error:
        raise CommandError(
            f"cannot serve on {host_for_url(args.host)}:{args.port}: {error.strerror}"
        ) from None
    return 0
