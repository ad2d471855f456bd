"""Sending from the command line: `warroom send` and `warroom outbox`.

`warroom send ID --audience executives` renders that audience's template for the
incident (as the console's composer would), names each destination, asks y/n (`--yes`
skips the question; without a terminal it is required), sends through the outbox and
prints the outcome per channel; exit 0 when every channel took it, 1 when some are left
in the outbox (retried by the console or `warroom watch`), 2 when none did.
`--audience escalation` pages: the escalation template when there is one, else a short
page built from the incident. `--text-file F` (or `-` for stdin) sends your own text.

`warroom outbox` lists what is not yet delivered; `--retry` tries it now, `--discard
KEY` stops trying an entry (you sent it another way). Channel URLs are never printed.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import Any

from warroom.cli.common import CommandError, open_config
from warroom.cli.incident_commands import service_for, zone_of
from warroom.config import delivery_config
from warroom.model.ids import normalise_incident_id
from warroom.model.text import inert

ESCALATION = "escalation"


def register(subparsers: Any) -> None:
    send = subparsers.add_parser(
        "send",
        help="send an audience's status update to its channels (chat, pager, status page)",
        description="Render the audience's update, show where it goes, send it via the outbox.",
    )
    send.add_argument("incident", metavar="ID")
    send.add_argument("--audience", required=True, help="responders | executives | ... ")
    send.add_argument("--template", help="template id (default: the audience's first)")
    send.add_argument("--text-file", help="send this file's text instead (- reads stdin)")
    send.add_argument("--yes", "-y", action="store_true", help="do not ask before sending")
    send.add_argument("--tz", help="zone for clock times in the text")
    send.set_defaults(handler=cmd_send)

    outbox = subparsers.add_parser("outbox", help="what is not yet delivered; retry or discard")
    outbox.add_argument("--retry", action="store_true", help="try every unsent entry now")
    outbox.add_argument("--discard", metavar="KEY", action="append", help="stop trying KEY")
    outbox.add_argument("--all", action="store_true", help="also list delivered entries")
    outbox.set_defaults(handler=cmd_outbox)


def _delivery(args: argparse.Namespace, service: Any) -> Any:
    from warroom.delivery.outbox import Outbox
    from warroom.delivery.worker import Delivery
    from warroom.paths import data_dir

    config = open_config(args)
    channels = delivery_config(config).channels
    return Delivery(Outbox(data_dir(getattr(args, "data_dir", None))), channels, service)


def cmd_send(args: argparse.Namespace) -> int:
    from warroom.comms_templates import load_templates
    from warroom.model.comms import render_draft
    from warroom.model.delivery import DELIVERED, page_text

    config = open_config(args)
    channels = delivery_config(config).channels
    audience = args.audience.strip()
    targets = [c for c in channels if c.serves(audience)]
    if not targets:
        known = sorted({a for c in channels for a in c.audiences}) or ["none configured"]
        raise CommandError(
            f"no [[channel]] for audience {audience!r} (channels serve: {', '.join(known)})"
        )
    zone = zone_of(getattr(args, "tz", None), config)
    incident_id = normalise_incident_id(args.incident)
    service = service_for(args, config)
    custom = _read_text(args.text_file) if args.text_file else None

    async def main() -> int:
        delivery = _delivery(args, service)
        try:
            state = await service.state(incident_id)
            ladder = service.ladder_of(state)
            now = service.now()
            templates, _ = load_templates()
            chosen = [
                t
                for t in templates
                if (args.template and t.id == args.template)
                or (not args.template and t.audience.casefold() == audience.casefold())
            ]
            promise = None
            if custom is not None:
                text, template_id = custom, chosen[0].id if chosen else "text"
            elif chosen:
                draft = render_draft(chosen[0], state, ladder, now, zone)
                text, template_id, promise = draft.text, chosen[0].id, draft.promise
            elif audience.casefold() == ESCALATION:
                text, template_id = page_text(state), "page"
            else:
                raise CommandError(f"no template for audience {audience!r} (see --template)")
            if not text.strip():
                raise CommandError("the text is empty: nothing sent")
            print(f"{incident_id}: {template_id} for {audience}, to:")
            for channel in targets:
                print(f"  - {channel.label}")
            print("-" * 40)
            print(inert(text))
            print("-" * 40)
            if not args.yes and not _confirm("Send? [y/N] "):
                print("not sent")
                return 1
            report = await delivery.send(
                incident_id,
                template_id,
                audience,
                text,
                next_update_at=promise if state.is_open else None,
                status=state.status.value,
                channels=targets,
            )
        finally:
            await service.store.close()
        for outcome in report.outcomes:
            detail = f": {outcome.get('detail')}" if outcome["outcome"] != DELIVERED else ""
            print(f"{outcome['name']}: {outcome['outcome']}{detail}")
        if report.event_error:
            print(f"warning: the send is not on the timeline: {report.event_error}")
        left = len(report.outcomes) - report.delivered
        if left:
            print(
                f"{left} left in the outbox: retried while the console or `warroom watch` "
                "runs (`warroom outbox --retry` tries now)"
            )
        return 0 if not left else (1 if report.delivered else 2)

    try:
        return asyncio.run(main())
    except OSError as error:
        raise CommandError(f"outbox: {error.strerror or error}") from None


def _read_text(path: str) -> str:
    if path == "-":
        return sys.stdin.read()
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.read()
    except (OSError, UnicodeDecodeError) as error:
        raise CommandError(f"{path}: cannot read ({getattr(error, 'strerror', error)})") from None


def _confirm(prompt: str) -> bool:
    if not sys.stdin.isatty():
        raise CommandError("not a terminal: add --yes to send without the question")
    try:
        return input(prompt).strip().casefold() in ("y", "yes")
    except EOFError:
        return False


def cmd_outbox(args: argparse.Namespace) -> int:
    from warroom.delivery.outbox import Outbox
    from warroom.model.events import utc_now
    from warroom.paths import data_dir

    outbox = Outbox(data_dir(getattr(args, "data_dir", None)))
    if args.discard:
        count = outbox.discard(args.discard, utc_now())
        print(f"{count} entr{'y' if count == 1 else 'ies'} discarded")
        return 0 if count else 1
    if args.retry:
        service = service_for(args, open_config(args))

        async def retry_all() -> list[Any]:
            delivery = _delivery(args, service)
            try:
                outbox.retry_now(utc_now())
                return await delivery.drain()
            finally:
                await service.store.close()

        events = asyncio.run(retry_all())
        print(f"{len(events)} delivered now")
    entries = outbox.entries() if args.all else outbox.unsent()
    if not entries:
        print("outbox empty: everything was delivered")
        return 0
    for entry in entries:
        retry = ""
        if entry.retry_at and entry.unsent:
            retry = f" next try {entry.retry_at:%H:%M:%S} UTC"
        detail = f" ({entry.detail})" if entry.detail and entry.unsent else ""
        print(
            f"{entry.key}  {entry.incident}  {entry.channel}  {entry.audience}  "
            f"{entry.status}, {entry.attempts} tries{retry}{detail}"
        )
    return 0 if not outbox.unsent() else 1
