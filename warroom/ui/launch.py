"""Starting the console over a `RuntimeContext` (built by the CLI with `open_context`),
and choosing who signs the events. Never imports the CLI."""

from __future__ import annotations

import os

from warroom.config import Config
from warroom.runtime import RuntimeContext


def configured_author(config: Config) -> str | None:
    """The author set on purpose: `incident.author` in the config, or $WARROOM_AUTHOR."""
    incident = config.raw.get("incident", {})
    named = incident.get("author") if isinstance(incident, dict) else None
    if isinstance(named, str) and named.strip():
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
    context: RuntimeContext,
    incident_id: str | None,
    *,
    theme: str | None = None,
    ask_author: bool = False,
    read_only: bool = False,
) -> int:
    """Run the console on `context` until it quits; its return code."""
    from warroom.ui.app import WarroomApp
    from warroom.ui.probe_feed import feed_from_config

    app = WarroomApp(
        context.service,
        context.config,
        context.data_dir,
        incident_id=incident_id,
        feed=feed_from_config(context.config),
        zone=context.zone,
        zone_name=context.zone_name,
        theme=theme,
        ask_author=ask_author,
        read_only=read_only,
        context=context,
    )
    app.run()
    return app.return_code or 0
