"""The `escalation` event's payload: building it and saying it in one line.

An escalation event records what the IC did about one escalation (its key): `escalated`
(to whom, how; the event's time is when), `snoozed` (until when, why) or `dismissed`
(why). Kept apart from `warroom.model.escalation` so the fold can describe the event
without importing the rules. Pure.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from warroom.model.events import format_utc

MAX_REASON = 500


def escalated_payload(key: str, contact: str, to: str, how: str) -> dict[str, Any]:
    return {"action": "escalated", "key": key, "contact": contact, "to": to, "how": how}


def snoozed_payload(key: str, contact: str, until: datetime, reason: str) -> dict[str, Any]:
    return {
        "action": "snoozed",
        "key": key,
        "contact": contact,
        "until": format_utc(until),
        "reason": reason,
    }


def dismissed_payload(key: str, contact: str, reason: str) -> dict[str, Any]:
    return {"action": "dismissed", "key": key, "contact": contact, "reason": reason}


def describe_escalation(payload: Mapping[str, Any]) -> str:
    """'Escalated to DBA team by phone', 'Escalation to DBA team snoozed until 14:30 UTC:
    waiting for the failover', 'Escalation to CISO dismissed: security team answered'."""
    action = str(payload.get("action", ""))
    contact = str(payload.get("contact", "") or payload.get("to", ""))
    reason = str(payload.get("reason", ""))
    if action == "escalated":
        to = str(payload.get("to", "") or contact)
        how = str(payload.get("how", ""))
        return f"Escalated to {to}" + (f" by {how}" if how else "")
    if action == "snoozed":
        until = str(payload.get("until", ""))
        moment = until[11:16] + " UTC" if len(until) >= 16 else until
        return f"Escalation to {contact} snoozed until {moment}" + (f": {reason}" if reason else "")
    if action == "dismissed":
        return f"Escalation to {contact} dismissed" + (f": {reason}" if reason else "")
    return f"Escalation: {action or '?'}"
