"""The situation record: the few facts an IC keeps current for every status update.

Facts are plain text (impact, who is affected, scope, workaround, the customer-facing
summary, the resolution summary) plus the promised time of the next update. Milestones
are moments (impact started, detected, mitigated) the IC may set or correct. Each change
is a `record_set` or `milestone_set` event; the latest change of a field wins. Declaration
and resolution are milestones too, but their own events already say when they happened.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from warroom.model.events import EventError, parse_utc

# Text facts, in the order forms and the CLI offer them, with what each one is.
FACTS: dict[str, str] = {
    "impact": "Impact, in plain words: what users cannot do",
    "affected": "Who is affected and how many",
    "scope": "Scope: regions, products, plans",
    "workaround": "Workaround users can take meanwhile",
    "customer_summary": "Customer-facing summary (the status page sentence)",
    "resolution": "Resolution summary, one line",
}
# Short names for the timeline and forms.
FACT_LABELS: dict[str, str] = {
    "impact": "Impact",
    "affected": "Who is affected",
    "scope": "Scope",
    "workaround": "Workaround",
    "customer_summary": "Customer summary",
    "resolution": "Resolution",
}
NEXT_UPDATE = "next_update_at"
# Moments the IC may set; declared and resolved come from their own events.
MILESTONES: dict[str, str] = {
    "impact_started": "Impact started",
    "detected": "Detected",
    "mitigated": "Mitigated",
}
# How each field is spelt on the command line (`warroom set ID impact-start -10m`).
CLI_NAMES: dict[str, str] = {
    "impact": "impact",
    "affected": "affected",
    "who": "affected",
    "scope": "scope",
    "workaround": "workaround",
    "customer-summary": "customer_summary",
    "customer": "customer_summary",
    "resolution": "resolution",
    "next-update": NEXT_UPDATE,
    "impact-start": "impact_started",
    "impact-started": "impact_started",
    "detected": "detected",
    "mitigated": "mitigated",
}
MAX_FACT_LENGTH = 2000


@dataclass
class SituationRecord:
    """The facts as they stand, and when the IC last set each one."""

    facts: dict[str, str] = field(default_factory=dict)
    set_at: dict[str, datetime] = field(default_factory=dict)
    next_update_at: datetime | None = None
    milestones: dict[str, datetime] = field(default_factory=dict)

    def fact(self, name: str) -> str:
        return self.facts.get(name, "").strip()

    def apply_fact(self, payload: Any, recorded: datetime) -> None:
        """A `record_set` payload: {"field": name, "value": text or ISO time or ""}."""
        name = str(payload.get("field", ""))
        value = payload.get("value", "")
        value = "" if value is None else str(value)
        if name == NEXT_UPDATE:
            self.next_update_at = _moment(value)
            self.set_at[name] = recorded
        elif name in FACTS:
            self.facts[name] = value.strip()
            self.set_at[name] = recorded

    def apply_milestone(self, payload: Any) -> str | None:
        """A `milestone_set` payload: {"milestone": name, "when": ISO time or ""}.

        Returns the milestone's name when it is one we know."""
        name = str(payload.get("milestone", ""))
        if name not in MILESTONES:
            return None
        moment = _moment(str(payload.get("when") or ""))
        if moment is None:
            self.milestones.pop(name, None)
        else:
            self.milestones[name] = moment
        return name


def _moment(text: str) -> datetime | None:
    if not text.strip():
        return None
    try:
        return parse_utc(text.strip())
    except EventError:
        return None


def describe_fact(payload: Any) -> str:
    name = str(payload.get("field", ""))
    value = str(payload.get("value") or "")
    label = "Next update at" if name == NEXT_UPDATE else FACT_LABELS.get(name, name)
    if not value.strip():
        return f"Record: {label} cleared"
    if name == NEXT_UPDATE:
        moment = _moment(value)
        value = moment.strftime("%H:%M UTC") if moment else value
    return f"Record: {label}: {value}"


def describe_milestone(payload: Any) -> str:
    name = str(payload.get("milestone", ""))
    label = MILESTONES.get(name, name)
    moment = _moment(str(payload.get("when") or ""))
    if moment is None:
        return f"Milestone: {label} cleared"
    return f"Milestone: {label} at {moment.strftime('%Y-%m-%d %H:%M:%S UTC')}"
