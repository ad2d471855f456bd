"""Acting on escalations: escalate, snooze, dismiss, checked the same way everywhere.

The console's `E` modal and `warroom escalate` both come here: the escalation is found
(by key, rule id or contact name), the input checked (a snooze needs a time to come and a
reason, a dismissal a reason, `how` one plain line), and one `escalation` event appended
through the `IncidentService`. `rule_book` builds the rules of any incident from the
config and the scenario catalogue (`warroom.scenarios.escalation_rules`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from warroom.model.escalation import (
    Escalation,
    EscalationRule,
    EscalationTimers,
    board,
    escalations,
    find,
)
from warroom.model.escalation_events import (
    MAX_REASON,
    dismissed_payload,
    escalated_payload,
    snoozed_payload,
)
from warroom.model.events import Event
from warroom.model.incident import IncidentState
from warroom.model.severity import SeverityLadder
from warroom.model.text import inert
from warroom.scenarios.escalation_rules import RuleBook
from warroom.services.incidents import IncidentError, IncidentService

MAX_SNOOZE = timedelta(hours=12)
MAX_NAME = 200


def rule_book(config: object, catalogue: object | None = None) -> RuleBook:
    """The rules of any incident: scenarios from `catalogue` (default: load them) and the
    config's `[[escalation]]` entries."""
    if catalogue is None:
        from warroom.scenarios import load_scenarios

        catalogue = load_scenarios()
    return RuleBook(catalogue, getattr(config, "escalations", ()), drill_time_scale(config))


def drill_time_scale(config: object) -> float:
    """How fast a drill's config runs the runbook's clocks (1.0 outside drills)."""
    scale = getattr(config, "drill_time_scale", None)
    if isinstance(scale, float) and 0 < scale <= 1:
        return float(scale)
    return 1.0


def escalation_rule(
    config: object,
    ladder_of: Callable[[IncidentState], SeverityLadder],
    catalogue: object | None = None,
) -> EscalationTimers:
    """The timed rule the runtime registers (`warroom.runtime.rules`): every incident's
    escalations, from the scenarios, its ladder and the config."""
    book = rule_book(config, catalogue)
    return EscalationTimers(
        rules_for=lambda state: book.rules_for(state, ladder_of(state)),
        ladder_of=ladder_of,
    )


def _line(text: str, what: str, required: bool = False) -> str:
    clean = " ".join(inert(text, single_line=True).split())
    if required and not clean:
        raise IncidentError(f"{what}: say why (one line)")
    if len(clean) > MAX_REASON:
        raise IncidentError(f"{what}: longer than {MAX_REASON} characters")
    return clean


def pick(
    state: IncidentState,
    rules: Sequence[EscalationRule],
    ladder: SeverityLadder,
    wanted: str,
) -> Escalation:
    """The escalation `wanted` names (key, rule id or contact), or a one-line error."""
    found = escalations(state, rules, ladder)
    escalation = find(found, wanted)
    if escalation is None:
        names = inert(", ".join(dict.fromkeys(e.rule.contact for e in found)) or "none")
        raise IncidentError(f"no escalation for {wanted!r} in {state.id} (escalations: {names})")
    return escalation


async def escalate(
    service: IncidentService,
    state: IncidentState,
    escalation: Escalation,
    to: str = "",
    how: str = "",
    at: datetime | None = None,
) -> Event:
    """Record that the IC escalated (to whom, how; `at` backdates it)."""
    if escalation.done is not None:
        raise IncidentError(f"already escalated to {escalation.rule.contact}")
    who = _line(to, "to") or escalation.rule.contact
    if len(who) > MAX_NAME:
        raise IncidentError(f"to: longer than {MAX_NAME} characters")
    payload = escalated_payload(escalation.key, escalation.rule.contact, who, _line(how, "how"))
    return await service.record_escalation(state, payload, at)


async def snooze(
    service: IncidentService,
    state: IncidentState,
    escalation: Escalation,
    until: datetime,
    reason: str,
) -> Event:
    """Put the prompt off until `until`, with a reason (the snooze is on the timeline)."""
    if escalation.closed:
        raise IncidentError(f"the escalation to {escalation.rule.contact} is already closed")
    now = service.now()
    if until <= now:
        raise IncidentError("snooze until a time to come (e.g. 10m)")
    if until - now > MAX_SNOOZE:
        raise IncidentError("a snooze longer than 12 h: dismiss it with a reason instead")
    why = _line(reason, "snooze", required=True)
    payload = snoozed_payload(escalation.key, escalation.rule.contact, until, why)
    return await service.record_escalation(state, payload)


async def dismiss(
    service: IncidentService,
    state: IncidentState,
    escalation: Escalation,
    reason: str,
) -> Event:
    """Decide not to escalate, with a reason (kept on the timeline and in the report)."""
    if escalation.closed:
        raise IncidentError(f"the escalation to {escalation.rule.contact} is already closed")
    why = _line(reason, "dismiss", required=True)
    payload = dismissed_payload(escalation.key, escalation.rule.contact, why)
    return await service.record_escalation(state, payload)


__all__ = ["board", "dismiss", "escalate", "escalation_rule", "pick", "rule_book", "snooze"]
