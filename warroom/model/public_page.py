"""The public status page against the incident: the drift guard and the page's age.

The team's own public page (Statuspage-style) is probed like any vendor page: a
`[[service]]` of kind `statuspage` named in `[public_page]`. While the incident sits at
a severity customers must see (`severities`, the ladder's most severe by default) and
that page still says all is operational (probe state `up`, or no change recorded: a
first "up" is not written to the timeline), the drift guard reads
"SEV-1 for 12 minutes, public page still says Operational": live in the header, and once
in the timeline through the timed-rule contract (`PublicPageDrift`, one deadline per
stretch at such a severity, `drift_after` after it began). It clears as soon as the page
shows anything but operational. The page's own `updated_at` counts against the
customer-update cadence: older than the cadence, the header says "public page last
updated 47 min ago". Pure: the probe state comes through the incident's state.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from warroom.model.events import format_utc
from warroom.model.figures import update_cadence
from warroom.model.timed import Deadline

if TYPE_CHECKING:
    from warroom.model.incident import IncidentState
    from warroom.model.severity import SeverityLadder

RULE = "public-page-drift"
DEFAULT_DRIFT_AFTER = timedelta(minutes=10)


@dataclass(frozen=True)
class PublicPage:
    """`[public_page]`: which service reads our page, at which severities it must not
    say Operational, how long that may last, and which components show which services."""

    service: str
    severities: tuple[str, ...]
    drift_after: timedelta = DEFAULT_DRIFT_AFTER
    components: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


def customer_visible_since(state: IncidentState, page: PublicPage) -> datetime | None:
    """When the current stretch at a customer-visible severity began (None: not in one)."""
    if not state.is_open or state.severity not in page.severities:
        return None
    since = None
    for at, severity in reversed(state.severity_history):
        if severity not in page.severities:
            break
        since = at
    return since or state.declared_at


def page_says_operational(state: IncidentState, page: PublicPage) -> bool:
    """The page's probe says up, or has said nothing: a first "up" is never written to
    the timeline (nobody learns from it), while a page the probe cannot read (unknown)
    or that shows the outage (degraded, down, maintenance) is written. So on the
    consoles and `watch` that run the rule, which probe the page, silence means up."""
    probe = state.probe_states.get(page.service) or {}
    return probe.get("state") in ("up", None)


def affected_components(state: IncidentState, page: PublicPage) -> list[str]:
    """Components whose services our own probes see not up."""
    return [
        component
        for component, services in page.components.items()
        if any(
            (state.probe_states.get(s) or {}).get("state") in ("down", "degraded") for s in services
        )
    ]


def drift_line(state: IncidentState, page: PublicPage, now: datetime) -> str | None:
    """The header's line while the page lags the incident; None when it does not."""
    since = customer_visible_since(state, page)
    if since is None or not page_says_operational(state, page):
        return None
    if now - since < page.drift_after:
        return None
    minutes = int((now - since).total_seconds() // 60)
    components = affected_components(state, page)
    which = f" ({', '.join(components)})" if components else ""
    return f"{state.severity} for {minutes} minutes, public page still says Operational{which}"


class PublicPageDrift:
    """The timed rule: one deadline per stretch at a customer-visible severity."""

    name = RULE

    def __init__(self, page: PublicPage) -> None:
        self.page = page

    def deadlines(self, state: IncidentState, now: datetime) -> Iterable[Deadline]:
        since = customer_visible_since(state, self.page)
        if since is None or not page_says_operational(state, self.page):
            return []
        at = since + self.page.drift_after
        minutes = int(self.page.drift_after.total_seconds() // 60)
        return [
            Deadline(
                key=f"{RULE}:{format_utc(since)}",
                rule=RULE,
                at=at,
                message=(
                    f"{state.severity} for {minutes} minutes, public page still says Operational"
                ),
                payload={"service": self.page.service, "since": format_utc(since)},
            )
        ]


def page_age_line(
    state: IncidentState,
    ladder: SeverityLadder,
    page: PublicPage,
    updated_at: datetime | None,
    now: datetime,
) -> str | None:
    """ "public page last updated 47 min ago" when that is longer than the update
    cadence of a customer-visible incident; None otherwise."""
    if updated_at is None or customer_visible_since(state, page) is None:
        return None
    cadence = update_cadence(state, ladder)
    age = now - updated_at
    if cadence is None or age <= cadence:
        return None
    return f"public page last updated {int(age.total_seconds() // 60)} min ago"
