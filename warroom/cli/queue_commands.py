"""`warroom db queue`: what this machine queued for the shared database, and what to do.

- `warroom db queue` (or `db queue list`): every server this data folder queued for, the
  events waiting, the events the database set aside (and why), a server that refuses.
- `db queue retry`: put the set-aside events of the `--store` server back in its queue and
  send it now (after the missing incident was imported, say); says what went, what not.
- `db queue export [-o FILE]`: all of it as Markdown, to re-enter or attach elsewhere.
- `db queue discard [--waiting] [--yes]`: drop the set-aside events (and with `--waiting`
  the waiting ones too), after a confirmation: `--yes`, or typing `discard` at the prompt.
  A Markdown copy of what is dropped is written to `<data dir>/exports/` first.

List, export and discard need no database. Nothing here prints a password: the queue
holds none, and every line goes through `redact_text`.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from warroom.cli.common import CommandError, emit_text
from warroom.model.text import inert
from warroom.paths import data_dir
from warroom.private_files import private_folder, write_private_text
from warroom.redact import redact_text
from warroom.store.base import StoreError
from warroom.store.queue_report import (
    QueueReport,
    event_line,
    noun,
    queue_reports,
    to_markdown,
)

CONFIRM_WORD = "discard"


def register(db_commands: Any) -> None:
    queue = db_commands.add_parser(
        "queue", help="events queued for the database: list, retry, export, discard"
    )
    queue.set_defaults(handler=cmd_list, queue_notice=False)  # it shows them itself
    actions = queue.add_subparsers(title="queue commands", metavar="QUEUE_COMMAND")
    actions.add_parser("list", help="what waits, what was set aside and why").set_defaults(
        handler=cmd_list
    )
    actions.add_parser(
        "retry", help="send the set-aside events of the --store database again"
    ).set_defaults(handler=cmd_retry)
    export = actions.add_parser("export", help="everything queued, as Markdown")
    export.add_argument("--output", "-o", help="write to this file instead of stdout")
    export.set_defaults(handler=cmd_export)
    discard = actions.add_parser("discard", help="drop the set-aside events (asks first)")
    discard.add_argument(
        "--waiting", action="store_true", help="also drop the events still waiting to be sent"
    )
    discard.add_argument("--yes", action="store_true", help="do not ask")
    discard.set_defaults(handler=cmd_discard)


def queue_folder(args: argparse.Namespace) -> Path:
    return data_dir(getattr(args, "data_dir", None)) / "queue"


def _print_report(report: QueueReport) -> None:
    print(redact_text(inert(report.server, single_line=True)))
    if report.refused:
        refused = redact_text(inert(report.refused, single_line=True))
        print(f"  the server refuses this machine: {refused}")
    if report.waiting:
        state = "cannot be sent until it is fixed" if report.refused else "sent when it is back"
        print(f"  {len(report.waiting)} waiting ({state}):")
        for event in report.waiting:
            print(f"    {event_line(event)}")
    if report.rejected:
        print(f"  {len(report.rejected)} set aside by the database:")
        for rejected in report.rejected:
            print(f"    {event_line(rejected.event)}")
            print(f"      why: {redact_text(inert(rejected.reason, single_line=True))}")


def cmd_list(args: argparse.Namespace) -> int:
    reports = queue_reports(queue_folder(args))
    if not reports:
        print("Nothing is queued: every event reached its database.")
        return 0
    for index, report in enumerate(reports):
        if index:
            print()
        _print_report(report)
    stuck = sum(report.unsent for report in reports)
    if stuck:
        print()
        print(
            f"{stuck} cannot be sent as things are. Fix the cause (import the incident, fix "
            "the DSN or the role) and run `warroom --store DSN db queue retry`; or keep them "
            "with `db queue export` and drop them with `db queue discard`."
        )
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    text = to_markdown(queue_reports(queue_folder(args)), datetime.now(UTC))
    return emit_text(text, args.output)


def _confirmed(args: argparse.Namespace, what: str) -> bool:
    if args.yes:
        return True
    if not sys.stdin.isatty():
        raise CommandError(
            f"not discarding {what} without a confirmation: add --yes, or run it in a terminal",
            2,
        )
    print(f"This drops {what} for good (a Markdown copy is kept).", file=sys.stderr)
    try:
        answer = input(f"Type {CONFIRM_WORD!r} to go on: ")
    except EOFError:
        answer = ""
    return answer.strip() == CONFIRM_WORD


def cmd_discard(args: argparse.Namespace) -> int:
    folder = queue_folder(args)
    reports = queue_reports(folder)
    dropping = [
        event
        for report in reports
        for event in [r.event for r in report.rejected] + (report.waiting if args.waiting else [])
    ]
    if not dropping:
        kept = sum(len(report.waiting) for report in reports)
        tail = f" ({kept} waiting to be sent, kept: add --waiting to drop them)" if kept else ""
        print(f"Nothing set aside to discard{tail}.")
        return 0
    what = f"{len(dropping)} {noun(dropping)}"
    if not _confirmed(args, what):
        print("Nothing discarded.", file=sys.stderr)
        return 1
    now = datetime.now(UTC)
    exports = folder.parent / "exports"
    copy = exports / f"discarded-queue-{now.strftime('%Y%m%dT%H%M%SZ')}.md"
    try:
        private_folder(exports)
        write_private_text(copy, to_markdown(reports, now))
    except OSError as error:
        raise CommandError(f"nothing discarded: cannot write {copy}: {error.strerror}") from None
    for report in reports:
        report.queue.drop_rejected({r.event.id for r in report.rejected})
        if args.waiting and report.waiting:
            with report.queue.sender() as mine:
                if not mine:
                    raise CommandError("another warroom is sending this queue right now: retry")
                report.queue.mark_sent(report.queue.pending().end)
                report.queue.compact()
            report.queue.clear_refused()
    print(f"Discarded {what}; a copy is in {copy}")
    return 0


def cmd_retry(args: argparse.Namespace) -> int:
    from warroom.cli.db_commands import open_database

    store = open_database(args)
    queue = store.queue
    rejected = queue.rejected()
    for item in rejected:
        queue.add(item.event)
    moved = {item.event.id for item in rejected}
    queue.drop_rejected(moved)
    total = queue.count()

    async def work() -> bool:
        try:
            return await store.send_queue_now()
        finally:
            await store.close()

    try:
        online = asyncio.run(work())
    except StoreError as error:
        raise CommandError(f"{error}; the {total} queued events stay queued") from None
    waiting = queue.count()
    again = [r for r in queue.rejected() if r.event.id in moved]
    if not online:
        print(f"{store.target} is unreachable: {waiting} events wait, sent when it is back")
        return 1
    print(
        f"{store.target}: {total - waiting - len(again)} of {total} queued events sent "
        f"({len(moved)} of them had been set aside)"
    )
    for item in again:
        print(f"  set aside again: {event_line(item.event)}\n    why: {redact_text(item.reason)}")
    if waiting:
        print(f"  {waiting} still waiting: another warroom on this machine is sending them")
    return 1 if again or waiting else 0
