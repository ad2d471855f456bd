"""The public status page against the incident, end to end: our own Statuspage-shaped
page probed by the real `statuspage` probe, the drift guard and the page's age in the
console's header, clearing when the page catches up; `[public_page]` config errors."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from tests.support.delivery_servers import StatuspageServer
from tests.test_comms_journey import T0, Clock, wait_for
from tests.ui_support import catalogue
from warroom.config import ConfigError, parse_config
from warroom.model.events import format_utc
from warroom.model.public_page import PublicPage, drift_line
from warroom.model.severity import PRESETS
from warroom.probes.config import parse_service
from warroom.probes.result import ProbeState
from warroom.probes.scheduler import StateChange
from warroom.probes.statuspage import probe_statuspage
from warroom.services.incidents import IncidentService
from warroom.store.local import LocalStore
from warroom.ui.app import WarroomApp
from warroom.ui.feed import FixedProbeFeed
from warroom.ui.panes.status import ServiceRow
from warroom.ui.screens.main import MainScreen

PAGE_CONFIG = {
    "service": [{"name": "our-status", "kind": "statuspage", "url": "http://127.0.0.1:9/"}],
    "public_page": {"service": "our-status", "components": {"Checkout": ["api"]}},
}


@pytest.fixture
def page() -> Iterator[StatuspageServer]:
    with StatuspageServer() as server:
        yield server


async def test_the_probe_reads_our_page_and_its_last_update(page: StatuspageServer) -> None:
    page.updated_at = T0
    spec = parse_service(
        {"name": "our-status", "kind": "statuspage", "url": page.summary_url}, "t.toml", 1
    )
    async with httpx.AsyncClient() as client:
        result = await probe_statuspage(spec, client)
        assert result.state == "up"
        assert result.detail["page_updated_at"] == T0.isoformat()
        page.indicator, page.component_status = "major", "major_outage"
        caught_up = await probe_statuspage(spec, client)
    assert caught_up.state == "down"


async def test_header_says_the_page_lags_then_clears_when_it_catches_up(tmp_path: Path) -> None:
    clock = Clock()
    row = ServiceRow(
        name="our-status",
        kind="statuspage",
        state="up",
        reason="All Systems Operational",
        detail={"page_updated_at": format_utc(T0 - timedelta(minutes=60))},
    )
    feed = FixedProbeFeed([row])
    store = LocalStore(tmp_path / "data")
    service = IncidentService(store, "alice", PRESETS["sev1-sev3"], clock=clock)
    declared = await service.declare("Checkout fails", "SEV-1")
    app = WarroomApp(
        service,
        parse_config(PAGE_CONFIG),
        tmp_path / "data",
        incident_id=declared.incident_id,
        feed=feed,
        clock=clock,
        zone=None,
        zone_name="UTC",
        catalogue=catalogue(tmp_path),
    )
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(
            pilot,
            lambda: isinstance(app.screen, MainScreen) and app.screen.delivery is not None,
            "the main screen, mounted (it takes the outbox and public page in on_mount)",
        )
        screen = app.screen
        header = screen.query_one("#header")
        clock.now = T0 + timedelta(minutes=12)
        header.tick()
        shown = str(header.render())
        assert "SEV-1 for 12 minutes, public page still says Operational" in shown
        assert "public page last updated 72 min ago" in shown
        # The page catches up: the probe sees the outage.
        feed._rows = [ServiceRow(name="our-status", kind="statuspage", state="down")]
        await screen.record_change(
            StateChange(
                "our-status", "statuspage", ProbeState.DOWN, ProbeState.UP, "major", None, clock.now
            )
        )
        header.tick()
        assert "public page" not in str(header.render())


def test_drift_names_the_components_whose_services_are_down() -> None:
    from warroom.model.events import EventKind, new_event
    from warroom.model.incident import fold

    events = [
        new_event("I", EventKind.DECLARED, "a", {"title": "t", "severity": "SEV-1"}, now=T0),
        new_event(
            "I",
            EventKind.PROBE_STATE_CHANGED,
            "a",
            {"service": "our-status", "state": "up"},
            now=T0,
        ),
        new_event(
            "I", EventKind.PROBE_STATE_CHANGED, "a", {"service": "api", "state": "down"}, now=T0
        ),
    ]
    page = PublicPage(
        "our-status", ("SEV-1",), components={"Checkout": ("api",), "Login": ("auth",)}
    )
    assert drift_line(fold(events), page, T0 + timedelta(minutes=15)) == (
        "SEV-1 for 15 minutes, public page still says Operational (Checkout)"
    )


@pytest.mark.parametrize(
    ("table", "says"),
    [
        ({"service": "nope"}, "public_page.service: expected the name of a [[service]]"),
        ({"service": "our-status", "severities": ["SEV-9"]}, "public_page.severities"),
        ({"service": "our-status", "severities": []}, "public_page.severities"),
        ({"service": "our-status", "drift_after": 0}, "public_page.drift_after"),
        ({"service": "our-status", "drift_after": True}, "public_page.drift_after"),
        ({"service": "our-status", "components": {"A": "api"}}, "public_page.components"),
        ({"service": "our-status", "colour": "red"}, "unknown field 'colour'"),
    ],
)
def test_public_page_config_errors_are_one_line(table: dict, says: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config({"service": PAGE_CONFIG["service"], "public_page": table})
    assert says in str(caught.value) and "\n" not in str(caught.value)
