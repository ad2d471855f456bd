"""`warroom db`: the shared PostgreSQL database (`db migrate`, `db import ID`, and
`db queue`, in `queue_commands`).

Migrate and import need a database: `--store postgresql://...` or `[store] dsn` in the config. The
password never reaches the output: `open_store` registers it, and every message goes
through `redact_text` (in `warroom.cli.common.fail`).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import Any

from warroom.cli import queue_commands
from warroom.cli.common import CommandError, open_config
from warroom.model.ids import normalise_incident_id
from warroom.model.text import for_terminal
from warroom.paths import data_dir
from warroom.services.stores import open_store
from warroom.store.base import StoreError, UnknownIncident
from warroom.store.local import LocalStore
from warroom.store.postgres import PostgresStore

NO_DATABASE = (
    "no database given: pass --store postgresql://USER@HOST/DB (before the command) "
    'or set [store] dsn = "${WARROOM_DSN}" in the config'
)


def register(subparsers: Any) -> None:
    db = subparsers.add_parser(
        "db", help="the shared PostgreSQL database (migrate, import, the offline queue)"
    )
    commands = db.add_subparsers(title="db commands", metavar="DB_COMMAND")
    db.set_defaults(handler=lambda _args: _usage(db))

    migrate = commands.add_parser(
        "migrate", help="create or upgrade warroom's tables (also done on first use)"
    )
    migrate.set_defaults(handler=cmd_migrate)

    upload = commands.add_parser(
        "import", help="upload an incident from the local data folder into the database"
    )
    upload.add_argument("incident", help="incident id, e.g. INC-20261123-1")
    upload.set_defaults(handler=cmd_import)

    queue_commands.register(commands)


def _usage(parser: argparse.ArgumentParser) -> int:
    """The command without its subcommand: one line saying what it takes."""
    needs = "needs a command: migrate, import ID"
    raise CommandError(f"{parser.prog} {needs} (see {parser.prog} --help)", 2)


def open_database(args: argparse.Namespace) -> PostgresStore:
    config = open_config(args)
    if not (getattr(args, "store", None) or config.store_dsn):
        raise CommandError(NO_DATABASE, 2)
    store = open_store(config, args.store, getattr(args, "data_dir", None))
    if not isinstance(store, PostgresStore):  # pragma: no cover - open_store contract
        raise CommandError(NO_DATABASE, 2)
    return store


def cmd_migrate(args: argparse.Namespace) -> int:
    store = open_database(args)

    async def work() -> tuple[int, list[Any]]:
        try:
            return await store.migrate()
        finally:
            await store.close()

    try:
        version, applied = asyncio.run(work())
    except StoreError as error:
        raise CommandError(str(error)) from None
    if applied:
        names = ", ".join(f"{m.version} ({m.name})" for m in applied)
        print(f"{store.target}: schema now at version {version}; applied {names}")
    else:
        print(f"{store.target}: schema already at version {version}; nothing to do")
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    incident_id = normalise_incident_id(args.incident)
    local = LocalStore(data_dir(getattr(args, "data_dir", None)))
    try:
        loaded = local.load_sync(incident_id)
    except UnknownIncident:
        raise CommandError(f"no incident {incident_id} in {local.folder}") from None
    for problem in loaded.problems:
        print(f"warroom: warning: {for_terminal(str(problem))} (skipped)", file=sys.stderr)
    if not loaded.events:
        raise CommandError(f"{incident_id} in {local.folder} has no readable events")
    store = open_database(args)

    async def work() -> Any:
        try:
            return await store.import_incident(loaded.events)
        finally:
            await store.close()

    try:
        outcome = asyncio.run(work())
    except StoreError as error:
        raise CommandError(str(error)) from None
    where = store.target
    if outcome.renumbered:
        print(
            f"{outcome.source_id} imported into {where} as {outcome.incident_id} "
            f"({outcome.source_id} was already taken there): "
            f"{outcome.inserted} events added, {outcome.already_there} already there"
        )
    else:
        print(
            f"{outcome.incident_id} imported into {where}: "
            f"{outcome.inserted} events added, {outcome.already_there} already there"
        )
    return 0
