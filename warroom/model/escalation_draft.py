"""The escalation message: what to send the contact, filled from the situation record.

It is the comms composer's machinery (`warroom.model.comms`): the same placeholders and
the same filling rules (a fact not set leaves its line out), with a few of its own for the
escalation: who it is for, why now (the rule and its due time), how long so far, and the
backup. The wording follows the runbooks' escalation template ("ESCALATION NEEDED ...
Tried ... Need ... Please respond"). Pure.
"""

from __future__ import annotations

from datetime import datetime, tzinfo

from warroom.model.comms import CommsTemplate, build_context, fill, parse_template
from warroom.model.escalation import Escalation
from warroom.model.figures import elapsed, format_duration
from warroom.model.incident import IncidentState
from warroom.model.severity import SeverityLadder
from warroom.model.text import inert
from warroom.redact import redact_text

TEMPLATE_ID = "escalation"
SHIPPED = """+++
id = "escalation"
title = "Escalation"
audience = "responders"
description = "To the contact an escalation names: the situation, what was tried, what is needed."
+++
{drill_banner}
ESCALATION NEEDED: {escalation_to}
Incident: {id} {severity_label}: {title}
Status: {status_title}. {impact_span}
Why now: {escalation_why}

Impact: {impact}
Affected: {affected}
Scope: {scope}

Services hit {since}:
{services}

Current hypothesis: {hypothesis}

Tried so far:
{all_actions}

Decisions taken:
{decisions}

Need: your help on this incident now; reply with who is joining.
IC: {ic}
If you cannot take it, say so: the backup is {escalation_backup}.
"""

ESCALATION_PLACEHOLDERS = ("escalation_to", "escalation_why", "escalation_backup")


def shipped_template() -> CommsTemplate:
    return parse_template(SHIPPED, "escalation.md")


def _line(text: str) -> str:
    return redact_text(inert(" ".join(text.split()), single_line=True))


def escalation_draft(
    escalation: Escalation,
    state: IncidentState,
    ladder: SeverityLadder,
    now: datetime,
    tz: tzinfo | None = None,
    template: CommsTemplate | None = None,
) -> str:
    """The escalation message for `escalation`'s contact, ready to paste."""
    chosen = template or shipped_template()
    rule = escalation.rule
    values = build_context(state, ladder, now, tz, names=chosen.placeholders, audience=None)
    due = escalation.due_at
    why = rule.trigger.describe()
    if rule.situation:
        why = f"{rule.situation}: {why}"
    if due is not None:
        why += f" (due {due:%H:%M} UTC, {format_duration(elapsed(state, now))} into the incident)"
    reach = f" ({rule.reach})" if rule.reach else ""
    values.update(
        {
            "escalation_to": _line(f"{rule.contact}{reach}"),
            "escalation_why": _line(why),
            "escalation_backup": _line(rule.backup),
        }
    )
    text, _unknown = fill(chosen.body, values)
    return text.strip() + "\n"
