"""Building the console from the command line's options and running it."""

from __future__ import annotations

import argparse
import os
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from warroom.cli.common import CommandError, open_config
from warroom.config import Config
from warroom.model.ids import normalise_incident_id
from warroom.paths import data_dir
from warroom.services.incidents import IncidentService
from warroom.services.stores import open_store
from warroom.store.base import StoreError


def configured_author(config: Config) -> str | None:
    """The author set on purpose: `incident.author` in the config, or $WARROOM_AUTHOR."""
    named = config.configured_author
    if named and named.strip():
        return named.strip()
    return os.environ.get("WARROOM_AUTHOR", "").strip() or None


def choose_author(flag: str | None, config: Config, remembered: str | None) -> tuple[str, bool]:
    """Who signs the events, and whether the console should ask: `--author`, else the
    config's `incident.author` (or $WARROOM_AUTHOR), else the name given once on this
    machine; else ask, offering the login name."""
    explicit = (flag or "").strip() or configured_author(config)
    if explicit:
        return explicit, False
    if remembered:
        return remembered, False
    return config.author, True


def launch(args: argparse.Namespace) -> int:
    config = open_config(args)
    folder = data_dir(args.data_dir)
    try:
        store = open_store(config, args.store, args.data_dir)
        if hasattr(store, "ensure_folder"):
            store.ensure_folder()
    except StoreError as error:
        raise CommandError(str(error)) from None
    zone = None
    if config.timezone:
        try:
            zone = ZoneInfo(config.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise CommandError(f"{config.source}: incident.timezone: unknown zone") from None
    from warroom.ui.preferences import load_preferences

    read_only = bool(getattr(args, "read_only", False))
    author, ask_author = choose_author(args.author, config, load_preferences().author)
    ask_author = ask_author and not read_only  # a view-only console signs nothing
    service = IncidentService(
        store, author, config.ladder, config.custom_ladders, read_only=read_only
    )
    from warroom.ui.app import WarroomApp
    from warroom.ui.probe_feed import feed_from_config

    app = WarroomApp(
        service,
        config,
        folder,
        incident_id=normalise_incident_id(args.incident) if args.incident else None,
        feed=feed_from_config(config),
        zone=zone,
        zone_name=config.timezone,
        theme=args.theme,
        ask_author=ask_author,
        read_only=read_only,
    )
    app.run()
    return app.return_code or 0
