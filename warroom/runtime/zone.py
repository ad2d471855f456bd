"""The config's time zone, checked once for every front end (`ContextError` when unknown).

Kept apart from `context` so the console can refuse a bad zone before it draws anything,
without importing the runtime.
"""

from __future__ import annotations

from datetime import tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from warroom.config import Config


class ContextError(ValueError):
    """A config the runtime cannot start from (one line, names the config file)."""


def zone_of_config(config: Config) -> tzinfo | None:
    """The config's `incident.timezone` as a zone (None: not set); ContextError when
    the name is not a zone this machine knows."""
    if not config.timezone:
        return None
    try:
        return ZoneInfo(config.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ContextError(f"{config.source}: incident.timezone: unknown zone") from None
