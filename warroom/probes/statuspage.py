"""The `statuspage` probe: a vendor's Atlassian Statuspage `/api/v2/summary.json`.

The page's overall indicator decides: `none` is up, `minor` degraded, `major` and
`critical` down; components under maintenance (or a maintenance in progress) make it
`maintenance` unless the indicator says major or critical. The detail names the
non-operational components (group rows excluded, a child is shown as "Group / Child") and
the unresolved incidents with their latest update. Anything that is not a Statuspage
summary (another JSON shape, HTML, an error status, no answer) is `unknown`: the vendor's
page could not tell us, which never means up.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import httpx

from warroom.probes.config import StatuspageSpec
from warroom.probes.http import FetchFailed, fetch
from warroom.probes.result import ProbeResult, ProbeState

INDICATOR_STATES = {
    "none": ProbeState.UP,
    "minor": ProbeState.DEGRADED,
    "major": ProbeState.DOWN,
    "critical": ProbeState.DOWN,
    "maintenance": ProbeState.MAINTENANCE,
}
RESOLVED = frozenset({"resolved", "postmortem", "completed"})
STATUS_WORDS = {
    "operational": "operational",
    "degraded_performance": "degraded performance",
    "partial_outage": "partial outage",
    "major_outage": "major outage",
    "under_maintenance": "under maintenance",
}


class NotASummary(ValueError):
    """JSON that is not a Statuspage summary."""


async def probe_statuspage(spec: StatuspageSpec, client: httpx.AsyncClient) -> ProbeResult:
    try:
        got = await fetch(
            client,
            spec.summary_url,
            headers={"accept": "application/json"},
            timeout=spec.timeout,
            max_redirects=3,
            max_body_bytes=spec.max_body_bytes,
        )
    except FetchFailed as failure:
        return ProbeResult(
            ProbeState.UNKNOWN,
            f"status page unreachable: {failure.reason}",
            detail={"url": spec.target, **failure.detail},
        )
    latency = got.elapsed_ms
    base = {"url": got.url, "status": got.status}
    if got.status != 200:
        return ProbeResult(
            ProbeState.UNKNOWN,
            f"status page answered {got.status}, not a summary",
            latency,
            {**base, "body": got.snippet()},
        )
    if got.truncated:
        return ProbeResult(
            ProbeState.UNKNOWN,
            f"status page summary larger than {spec.max_body_bytes} bytes",
            latency,
            base,
        )
    try:
        summary = json.loads(got.body)
        return judge_summary(summary, latency, base)
    except (ValueError, UnicodeDecodeError) as error:
        reason = str(error) if isinstance(error, NotASummary) else "body is not JSON"
        return ProbeResult(
            ProbeState.UNKNOWN,
            f"not a Statuspage summary: {reason}",
            latency,
            {**base, "body": got.snippet()},
        )


def judge_summary(
    summary: Any, latency_ms: float | None = None, base: Mapping[str, Any] | None = None
) -> ProbeResult:
    """The result a parsed summary document means; NotASummary for another shape."""
    if not isinstance(summary, Mapping):
        raise NotASummary("the document is not an object")
    status = summary.get("status")
    if not isinstance(status, Mapping) or not isinstance(status.get("indicator"), str):
        raise NotASummary("no status.indicator")
    indicator = status["indicator"]
    if indicator not in INDICATOR_STATES:
        raise NotASummary(f"unknown indicator {indicator!r}")
    components = _list(summary, "components")
    incidents = _list(summary, "incidents")
    maintenances = _list(summary, "scheduled_maintenances")
    named_page = summary.get("page")
    page: Mapping[str, Any] = named_page if isinstance(named_page, Mapping) else {}

    broken = non_operational(components)
    open_incidents = [_incident(item) for item in incidents if _unresolved(item)]
    in_progress = [
        _incident(item) for item in maintenances if item.get("status") in ("in_progress",)
    ]
    under_maintenance = [line for line in broken if line.endswith("under maintenance")]

    state = INDICATOR_STATES[indicator]
    if state is not ProbeState.DOWN and (under_maintenance or in_progress):
        state = ProbeState.MAINTENANCE

    description = str(status.get("description") or indicator)
    parts = [f"{description} (indicator {indicator})"]
    if broken:
        parts.append("not operational: " + ", ".join(broken[:5]))
    if open_incidents:
        parts.append(
            "incident: " + ", ".join(f"{i['name']} ({i['status']})" for i in open_incidents[:3])
        )
    if in_progress and not broken:
        parts.append("maintenance: " + ", ".join(m["name"] for m in in_progress[:3]))
    detail: dict[str, Any] = {
        **(base or {}),
        "page": str(page.get("name", "")),
        "page_updated_at": str(page.get("updated_at") or ""),
        "indicator": indicator,
        "description": description,
        "components": broken,
        "incidents": open_incidents,
    }
    if in_progress:
        detail["maintenances"] = in_progress
    return ProbeResult(state, "; ".join(parts), latency_ms, detail)


def non_operational(components: list[Mapping[str, Any]]) -> list[str]:
    """ "Name: status" for each non-group component that is not operational."""
    groups = {
        item.get("id"): str(item.get("name", ""))
        for item in components
        if item.get("group") is True
    }
    lines = []
    for item in components:
        if item.get("group") is True:
            continue
        status = str(item.get("status", ""))
        if status == "operational":
            continue
        name = str(item.get("name", "?"))
        group = groups.get(item.get("group_id"))
        label = f"{group} / {name}" if group else name
        lines.append(f"{label}: {STATUS_WORDS.get(status, status or 'unknown status')}")
    return lines


def _list(summary: Mapping[str, Any], key: str) -> list[Mapping[str, Any]]:
    value = summary.get(key, [])
    if not isinstance(value, list):
        raise NotASummary(f"{key} is not a list")
    return [item for item in value if isinstance(item, Mapping)]


def _unresolved(incident: Mapping[str, Any]) -> bool:
    return str(incident.get("status", "")) not in RESOLVED and not incident.get("resolved_at")


def _incident(incident: Mapping[str, Any]) -> dict[str, Any]:
    updates = [u for u in incident.get("incident_updates") or [] if isinstance(u, Mapping)]
    latest = max(
        updates,
        key=lambda u: str(u.get("display_at") or u.get("created_at") or ""),
        default=None,
    )
    found: dict[str, Any] = {
        "name": str(incident.get("name", "")),
        "status": str(incident.get("status", "")),
        "impact": str(incident.get("impact", "")),
    }
    if latest is not None:
        found["latest_update"] = str(latest.get("body", ""))
        found["updated_at"] = str(latest.get("display_at") or latest.get("created_at") or "")
    if incident.get("scheduled_until"):
        found["until"] = str(incident["scheduled_until"])
    return found
