"""Starting the console over a `RuntimeContext` (built with `open_context` by a factory the
CLI gives, once the console's first frame is drawn), and choosing who signs the events.
Never imports the CLI."""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import tzinfo
from pathlib import Path
from typing import TYPE_CHECKING

from warroom.config import Config

if TYPE_CHECKING:
    from warroom.runtime import RuntimeContext


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


def launch(
    config: Config,
    data_dir: Path,
    open_context: Callable[[], RuntimeContext],
    incident_id: str | None,
    *,
    zone: tzinfo | None = None,
    theme: str | None = None,
    ask_author: bool = False,
    read_only: bool = False,
    preview_folder: Path | None = None,
) -> int:
    """Run the console until it quits; its return code. The frame is drawn first, then
    `open_context()` builds the runtime context (store, service, rules) and the
    incident is read: the modules behind them are imported after the first frame."""
    from warroom.ui.app import WarroomApp
    from warroom.ui.probe_feed import feed_from_config

    app = WarroomApp(
        None,
        config,
        data_dir,
        incident_id=incident_id,
        feed=feed_from_config(config),
        zone=zone,
        zone_name=config.timezone,
        theme=theme,
        ask_author=ask_author,
        read_only=read_only,
        context_factory=open_context,
        preview_folder=preview_folder,
    )
    app.run()
    return app.return_code or 0
