"""Delivery in the runtime: the outbox drained while an incident runs, and the
public-page drift rule registered with the timed rules.

`delivery_for` builds the data folder's `Delivery` (the outbox and the configured
channels) once per `RuntimeContext`; `IncidentRuntime.run` drains it with
`drain_outbox`, so the console and `warroom watch` both retry what failed. A late
delivery of this incident's message is absorbed like any event; one of another incident
is written to that incident only. `public_page_rules` is the drift guard of
`[public_page]` (none without it).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from warroom.delivery.outbox import Outbox
from warroom.delivery.worker import Delivery
from warroom.model.events import Event
from warroom.model.public_page import PublicPageDrift
from warroom.model.timed import TimedRule

if TYPE_CHECKING:
    from warroom.config import Config
    from warroom.runtime.rules import RuleContext

__all__ = ["Delivery", "delivery_for", "drain_outbox", "public_page_rules"]


def delivery_for(
    config: Config, data_dir: Path, service: Any, clock: Callable[[], datetime]
) -> Delivery:
    from warroom.config import delivery_config

    channels = delivery_config(config).channels
    return Delivery(Outbox(data_dir), channels, service, clock=clock)


async def drain_outbox(
    delivery: Delivery, incident_id: str, absorb: Callable[[Iterable[Event]], object]
) -> None:
    """Drain until cancelled; this incident's late deliveries go into its state."""

    def delivered(events: list[Event]) -> None:
        mine = [event for event in events if event.incident_id == incident_id]
        if mine:
            absorb(mine)

    await delivery.run(delivered)


def public_page_rules(context: RuleContext) -> list[TimedRule]:
    from warroom.config import delivery_config

    if context.config is None:  # a RuleContext built without a config (tests)
        return []
    page = delivery_config(context.config).public_page
    return [PublicPageDrift(page)] if page is not None else []
