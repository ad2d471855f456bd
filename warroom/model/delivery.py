"""Sent status updates as events: what a send and a late delivery say, and which count.

`comms_sent` is written once per send, after the first try of every channel of the
audience: the message id, template, audience, text, the promise it made, and per channel
its name, kind of service and outcome (`delivered` or `failed` with a one-line reason;
failed ones stay in the outbox and are retried). `comms_delivery` is written when a
retry gets through. A message counts as a status update (it resets the update countdown,
like a copied one) the first time any channel took it; a send nobody received does not.
Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from warroom.model.events import Event
    from warroom.model.incident import IncidentState

DELIVERED = "delivered"
FAILED = "failed"


def channel_outcomes(payload: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    channels = payload.get("channels")
    if not isinstance(channels, list):
        return []
    return [c for c in channels if isinstance(c, Mapping)]


def delivered_any(payload: Mapping[str, Any]) -> bool:
    """A `comms_sent` payload some channel took, or a `comms_delivery` that got through."""
    if "channels" in payload:
        return any(c.get("outcome") == DELIVERED for c in channel_outcomes(payload))
    return payload.get("outcome") == DELIVERED


def counts_as_update(event: Event, already: set[str]) -> bool:
    """The first delivery of a message: it resets the update countdown."""
    message = str(event.payload.get("message", ""))
    return bool(message) and message not in already and delivered_any(event.payload)


def describe_delivery(event: Event) -> str:
    """One plain line for the timeline."""
    from warroom.model.events import EventKind

    payload = event.payload
    template, audience = str(payload.get("template", "")), str(payload.get("audience", ""))
    what = f"the {template} update" + (f" for {audience}" if audience != template else "")
    if event.kind is EventKind.COMMS_SENT:
        parts = []
        for channel in channel_outcomes(payload):
            outcome = str(channel.get("outcome", ""))
            detail = str(channel.get("detail") or "")
            if outcome == FAILED:
                outcome = f"FAILED ({detail}), will retry" if detail else "FAILED, will retry"
            parts.append(f"{channel.get('name', '')} {outcome}")
        return f"Sent {what}: " + "; ".join(parts)
    tries = payload.get("attempts")
    after = f" after {tries} tries" if isinstance(tries, int) and tries > 1 else ""
    outcome = str(payload.get("outcome", ""))
    if outcome == DELIVERED:
        return f"Delivered {what} to {payload.get('channel', '')}{after}"
    return f"Not delivered: {what} to {payload.get('channel', '')} ({payload.get('detail', '')})"


def summary_line(outcomes: Sequence[Mapping[str, Any]]) -> str:
    """ "2 of 3 channels took it; oncall failed: HTTP 500" for a notification."""
    took = [str(c.get("name", "")) for c in outcomes if c.get("outcome") == DELIVERED]
    failed = [c for c in outcomes if c.get("outcome") != DELIVERED]
    text = f"{len(took)} of {len(outcomes)} channel(s) took it"
    for channel in failed:
        text += f"; {channel.get('name', '')} failed: {channel.get('detail', '') or '?'}"
    if failed:
        text += " (in the outbox, retried; O shows it)"
    return text


def page_text(state: IncidentState) -> str:
    """A page for the on-call: short, the facts a paged person needs first."""
    impact = state.record.fact("impact")
    ic = state.roles.get("IC", "")
    lines = [f"[{state.severity}] {state.id}: {state.title}"]
    if impact:
        lines.append(f"Impact: {impact}")
    lines.append(f"Status: {state.status.value}" + (f" · IC: {ic}" if ic else ""))
    return "\n".join(lines)
