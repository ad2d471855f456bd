"""The statuspage probe against recorded-style `/api/v2/summary.json` served on loopback."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from tests.support.probe_servers import LoopbackServer, refused_port
from warroom.probes.config import StatuspageSpec, parse_service
from warroom.probes.result import ProbeState
from warroom.probes.runner import ProbeRunner

PAGE = {
    "id": "kctbh9vrtdwd",
    "name": "PayCo",
    "url": "https://status.payco.example",
    "time_zone": "Etc/UTC",
    "updated_at": "2024-05-14T09:41:07.105Z",
}


def component(
    name: str,
    status: str = "operational",
    *,
    id: str | None = None,
    group: bool = False,
    group_id: str | None = None,
    children: list[str] | None = None,
) -> dict[str, Any]:
    item: dict[str, Any] = {
        "id": id or name.lower().replace(" ", "-"),
        "name": name,
        "status": status,
        "created_at": "2019-03-01T16:45:16.451Z",
        "updated_at": "2024-05-14T09:40:01.003Z",
        "position": 1,
        "description": None,
        "showcase": True,
        "start_date": None,
        "group_id": group_id,
        "page_id": PAGE["id"],
        "group": group,
        "only_show_if_degraded": False,
    }
    if children is not None:
        item["components"] = children
    return item


def incident(name: str, status: str, impact: str, updates: list[tuple[str, str, str]]) -> dict:
    return {
        "id": "p31zjtct2jer",
        "name": name,
        "status": status,
        "created_at": "2024-05-14T09:12:00.000Z",
        "updated_at": "2024-05-14T09:40:01.003Z",
        "monitoring_at": None,
        "resolved_at": None,
        "impact": impact,
        "shortlink": "https://stspg.io/p31zjtct2jer",
        "started_at": "2024-05-14T09:12:00.000Z",
        "page_id": PAGE["id"],
        "incident_updates": [
            {
                "id": f"upd{n}",
                "status": update_status,
                "body": body,
                "incident_id": "p31zjtct2jer",
                "created_at": at,
                "updated_at": at,
                "display_at": at,
                "affected_components": None,
                "deliver_notifications": True,
            }
            for n, (update_status, body, at) in enumerate(updates)
        ],
    }


def summary(
    indicator: str,
    description: str,
    components: list[dict] | None = None,
    incidents: list[dict] | None = None,
    maintenances: list[dict] | None = None,
) -> dict[str, Any]:
    return {
        "page": PAGE,
        "components": components or [component("API"), component("Dashboard")],
        "incidents": incidents or [],
        "scheduled_maintenances": maintenances or [],
        "status": {"indicator": indicator, "description": description},
    }


MAJOR = summary(
    "major",
    "Partial System Outage",
    components=[
        component("Card payments", id="grp", group=True, children=["eu", "us"]),
        component("EU acquiring", "major_outage", id="eu", group_id="grp"),
        component("US acquiring", "operational", id="us", group_id="grp"),
        component("Payouts", "degraded_performance"),
        component("Dashboard"),
    ],
    incidents=[
        incident(
            "Elevated card declines in the EU",
            "identified",
            "major",
            [
                (
                    "identified",
                    "The issue has been identified and a fix is being rolled out.",
                    "2024-05-14T09:40:01.003Z",
                ),
                (
                    "investigating",
                    "We are investigating elevated declines.",
                    "2024-05-14T09:12:00.000Z",
                ),
            ],
        ),
        {**incident("Old resolved thing", "resolved", "minor", []), "resolved_at": "2024-05-13"},
    ],
)


def page_spec(url: str) -> StatuspageSpec:
    raw = {"name": "payments-vendor", "kind": "statuspage", "url": url, "timeout": 2}
    spec = parse_service(raw, "test.toml", 1)
    assert isinstance(spec, StatuspageSpec)
    return spec


async def probe(server: LoopbackServer, runner: ProbeRunner, document: Any) -> Any:
    server.route("/api/v2/summary.json", body=document)
    return await runner.run(page_spec(server.url("")))


@pytest.mark.parametrize(
    ("indicator", "description", "state"),
    [
        ("none", "All Systems Operational", ProbeState.UP),
        ("minor", "Minor Service Outage", ProbeState.DEGRADED),
        ("major", "Partial System Outage", ProbeState.DOWN),
        ("critical", "Major System Outage", ProbeState.DOWN),
    ],
)
async def test_each_indicator(
    server: LoopbackServer, runner: ProbeRunner, indicator: str, description: str, state: Any
) -> None:
    result = await probe(server, runner, summary(indicator, description))
    assert result.state is state
    assert result.reason == f"{description} (indicator {indicator})"
    assert result.detail["page"] == "PayCo"
    assert result.latency_ms is not None


async def test_major_names_components_groups_excluded_and_latest_update(
    server: LoopbackServer, runner: ProbeRunner
) -> None:
    result = await probe(server, runner, MAJOR)
    assert result.state is ProbeState.DOWN
    assert result.detail["components"] == [
        "Card payments / EU acquiring: major outage",
        "Payouts: degraded performance",
    ]
    [open_incident] = result.detail["incidents"]
    assert open_incident["name"] == "Elevated card declines in the EU"
    assert open_incident["status"] == "identified"
    assert open_incident["latest_update"].startswith("The issue has been identified")
    assert "EU acquiring: major outage" in result.reason
    assert "incident: Elevated card declines in the EU (identified)" in result.reason


async def test_group_status_alone_does_not_count(
    server: LoopbackServer, runner: ProbeRunner
) -> None:
    document = summary(
        "none",
        "All Systems Operational",
        components=[
            component("Card payments", "partial_outage", id="grp", group=True, children=["eu"]),
            component("EU acquiring", id="eu", group_id="grp"),
        ],
    )
    result = await probe(server, runner, document)
    assert result.state is ProbeState.UP
    assert result.detail["components"] == []


async def test_components_under_maintenance(server: LoopbackServer, runner: ProbeRunner) -> None:
    window = {
        **incident("Database upgrade", "in_progress", "maintenance", []),
        "scheduled_for": "2024-05-14T09:00:00.000Z",
        "scheduled_until": "2024-05-14T11:00:00.000Z",
    }
    document = summary(
        "maintenance",
        "Service Under Maintenance",
        components=[component("API", "under_maintenance"), component("Dashboard")],
        maintenances=[window],
    )
    result = await probe(server, runner, document)
    assert result.state is ProbeState.MAINTENANCE
    assert result.detail["components"] == ["API: under maintenance"]
    assert result.detail["maintenances"][0]["until"] == "2024-05-14T11:00:00.000Z"

    minor = copy.deepcopy(document)
    minor["status"] = {"indicator": "minor", "description": "Minor Service Outage"}
    assert (await probe(server, runner, minor)).state is ProbeState.MAINTENANCE
    major = copy.deepcopy(document)
    major["status"] = {"indicator": "major", "description": "Partial System Outage"}
    assert (await probe(server, runner, major)).state is ProbeState.DOWN


@pytest.mark.parametrize(
    "document",
    [
        {"status": "ok"},
        {"status": {"indicator": "green"}},
        {"page": PAGE, "components": "all good", "status": {"indicator": "none"}},
        ["not", "an", "object"],
        {"data": {"attributes": {"aggregate_state": "operational"}}},
    ],
)
async def test_other_shapes_are_unknown_never_up(
    server: LoopbackServer, runner: ProbeRunner, document: Any
) -> None:
    result = await probe(server, runner, document)
    assert result.state is ProbeState.UNKNOWN
    assert result.reason.startswith("not a Statuspage summary")


async def test_html_error_and_unreachable_pages_are_unknown(
    server: LoopbackServer, runner: ProbeRunner
) -> None:
    html = await probe(server, runner, "<html>Just a moment...</html>")
    assert (html.state, html.reason) == (
        ProbeState.UNKNOWN,
        "not a Statuspage summary: body is not JSON",
    )
    server.route("/api/v2/summary.json", status=503, body="down for everyone")
    error = await runner.run(page_spec(server.url("")))
    assert (error.state, error.reason) == (
        ProbeState.UNKNOWN,
        "status page answered 503, not a summary",
    )
    gone = await runner.run(page_spec(f"http://127.0.0.1:{refused_port()}"))
    assert gone.state is ProbeState.UNKNOWN
    assert gone.reason == "status page unreachable: connection refused"


async def test_vendor_text_stays_inert(server: LoopbackServer, runner: ProbeRunner) -> None:
    document = copy.deepcopy(MAJOR)
    document["components"][1]["name"] = "EU [bold]acq[/x]\x1b[2J"
    document["incidents"][0]["incident_updates"][0]["body"] = "fix \x1b]0;title\x07[link=x]y"
    result = await probe(server, runner, document)
    shown = json.dumps(result.to_dict(), ensure_ascii=False)
    assert "\x1b" not in shown and "\x07" not in shown and "\\u001b" not in shown
    assert "Card payments / EU [bold]acq[/x]: major outage" in result.detail["components"]
    assert result.detail["incidents"][0]["latest_update"] == "fix [link=x]y"


def test_summary_url() -> None:
    assert page_spec("https://status.x.example/").summary_url == (
        "https://status.x.example/api/v2/summary.json"
    )
    assert page_spec("https://status.x.example/api/v2/summary.json").summary_url == (
        "https://status.x.example/api/v2/summary.json"
    )
