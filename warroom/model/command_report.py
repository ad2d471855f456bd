"""The post-mortem's "Asks and command" section: every ask with its outcome and how long
it took, and every change of IC (who handed over to whom, and when).

Pure; the post-mortem (and through it the drill report) calls `command_section`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from warroom.model.asks import Ask
from warroom.model.events import EventKind, format_utc
from warroom.model.figures import format_duration
from warroom.model.incident import IncidentState


def _utc(moment: datetime) -> str:
    return f"{moment.astimezone(UTC):%H:%M:%S}"


def _declared_ic(payload: Any) -> str:
    roles = payload.get("roles")
    return str(roles.get("IC") or "") if isinstance(roles, dict) else ""


def _outcome(ask: Ask, now: datetime) -> str:
    if ask.is_open:
        late = " (overdue)" if ask.overdue(now) else ""
        return f"Open{late}"
    took = format_duration(ask.closed_at - ask.asked_at) if ask.closed_at else "-"
    late = " late" if ask.closed_at and ask.closed_at > ask.due else ""
    word = "Answered" if ask.status == "answered" else "Dropped"
    return f"{word} after {took}{late}"


def command_section(state: IncidentState, now: datetime, cell: Callable[[str], str]) -> list[str]:
    """Markdown lines (empty when the incident had no asks and no IC change)."""
    handoffs = [
        event
        for event in state.of_kind(EventKind.ROLE_ASSIGNED, EventKind.DECLARED)
        if (event.kind is EventKind.ROLE_ASSIGNED and event.payload.get("role") == "IC")
        or (event.kind is EventKind.DECLARED and _declared_ic(event.payload))
    ]
    asks = sorted(state.asks.values(), key=lambda ask: (ask.asked_at, ask.id))
    if not asks and not any(e.kind is EventKind.ROLE_ASSIGNED for e in handoffs):
        return []  # a declared IC alone: the Roles section says it
    out = ["## Asks and command", ""]
    if asks:
        out += [
            "| Asked (UTC) | Of | Question | Stream | Outcome | Answer |",
            "|---|---|---|---|---|---|",
        ]
        for ask in asks:
            owners = " -> ".join(f"@{owner}" for owner in ask.owners)
            out.append(
                f"| {_utc(ask.asked_at)} | {cell(owners)} | {cell(ask.question)} | "
                f"{cell(ask.stream or '-')} | {_outcome(ask, now)} | {cell(ask.answer or '-')} |"
            )
        out.append("")
    if handoffs:
        out += ["Incident Commander over time:", ""]
        for event in handoffs:
            before = str(event.payload.get("previous") or "")
            name = _declared_ic(event.payload) or str(event.payload.get("name") or "nobody")
            change = f"{cell(before)} -> {cell(name)}" if before else cell(name)
            out.append(f"- {_utc(event.at)} UTC: IC {change} (by {cell(event.author)})")
        out.append("")
    return out


def ask_summary(ask: Ask) -> dict[str, Any]:
    """An ask as JSON-safe values (the JSON export's `incident.asks`)."""
    return {
        "id": ask.id,
        "owner": ask.owner,
        "owners": list(ask.owners),
        "question": ask.question,
        "stream": ask.stream,
        "status": ask.status,
        "asked_at": format_utc(ask.asked_at),
        "due": format_utc(ask.due),
        "closed_at": format_utc(ask.closed_at) if ask.closed_at else None,
        "answer": ask.answer,
    }
