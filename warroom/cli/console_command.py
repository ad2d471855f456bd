"""Starting the console: `warroom` with no command (Textual is imported only here).

The command line's options become a `RuntimeContext` (config, store, author, zone: the
same `open_context` as `watch`, the drill and the other commands), built by the console
once its first frame is drawn (`warroom.ui.launch`, which never imports the CLI); what
can be refused (config, store DSN, time zone) is refused here, before anything is drawn.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from warroom.cli.common import CommandError, open_config
from warroom.model.ids import normalise_incident_id
from warroom.paths import data_dir
from warroom.runtime.zone import ContextError, zone_of_config
from warroom.services.stores import open_store
from warroom.store.base import StoreError
from warroom.store.local import LocalStore

if TYPE_CHECKING:
    from warroom.runtime import RuntimeContext


def run_console(args: argparse.Namespace) -> int:
    from warroom.ui.launch import choose_author, launch
    from warroom.ui.preferences import load_preferences

    config = open_config(args)
    folder = data_dir(args.data_dir)
    try:
        store = open_store(config, args.store, args.data_dir)
        if hasattr(store, "ensure_folder"):
            store.ensure_folder()
    except StoreError as error:
        raise CommandError(str(error)) from None
    read_only = bool(getattr(args, "read_only", False))
    author, ask_author = choose_author(args.author, config, load_preferences().author)
    ask_author = ask_author and not read_only  # a view-only console signs nothing
    try:
        zone = zone_of_config(config)  # refused here, before anything is drawn
    except ContextError as error:
        raise CommandError(str(error)) from None

    def opened() -> RuntimeContext:  # after the first frame: it imports the runtime
        from warroom.runtime import open_context

        return open_context(config, store, folder, author, read_only=read_only)

    incident = normalise_incident_id(args.incident) if args.incident else None
    return launch(
        config,
        folder,
        opened,
        incident,
        zone=zone,
        theme=args.theme,
        ask_author=ask_author,
        read_only=read_only,
        preview_folder=store.folder if isinstance(store, LocalStore) else None,
    )
