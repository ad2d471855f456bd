"""Escalations in the post-mortem and the drill report: due, done and how late, snoozed,
dismissed, missed, and the time to acknowledge against the ladder's response time.

`review(state, rules, ladder, end)` sums an incident up; `markdown(review)` writes the
post-mortem's section; `verdicts(review)` the drill report's on-time checks. Only
escalations that fell due before the timers stopped (mitigation) or the end count as due;
one done before its due time counts as on time. Pure.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from warroom.model.escalation import (
    Escalation,
    EscalationRule,
    acknowledged_at,
    escalations,
    stopped_at,
)
from warroom.model.figures import detected_at, format_duration
from warroom.model.incident import IncidentState
from warroom.model.severity import SeverityLadder
from warroom.model.text import markdown_inline


@dataclass
class Review:
    """What happened to an incident's escalations."""

    due: list[Escalation] = field(default_factory=list)
    early: list[Escalation] = field(default_factory=list)  # done before they fell due
    not_due: int = 0  # stopped (mitigated) or ended before they fell due
    acknowledged_after: timedelta | None = None
    response_time: timedelta | None = None
    severity: str = ""

    @property
    def done(self) -> list[Escalation]:
        return [e for e in self.due if e.done is not None]

    @property
    def late(self) -> list[Escalation]:
        return [e for e in self.done if (e.late_by() or timedelta(0)) > timedelta(0)]

    @property
    def snoozed(self) -> list[Escalation]:
        return [e for e in (*self.due, *self.early) if e.snoozes]

    @property
    def dismissed(self) -> list[Escalation]:
        return [e for e in self.due if e.dismissed is not None]

    @property
    def missed(self) -> list[Escalation]:
        return [e for e in self.due if not e.closed]

    @property
    def acknowledged_in_time(self) -> bool | None:
        if self.acknowledged_after is None or self.response_time is None:
            return None
        return self.acknowledged_after <= self.response_time

    def __bool__(self) -> bool:
        return bool(self.due or self.early or self.acknowledged_after is not None)


def _first_severity(state: IncidentState) -> str:
    return state.severity_history[0][1] if state.severity_history else state.severity


def review(
    state: IncidentState,
    rules: Iterable[EscalationRule],
    ladder: SeverityLadder,
    end: datetime,
) -> Review:
    """The escalations of `state` as of `end` (the resolution, or now)."""
    result = Review()
    limit = min(stopped_at(state) or end, end)
    for escalation in escalations(state, rules, ladder):
        if escalation.rule.trigger.until_ic and not escalation.closed:
            # The acknowledge rule is reported as the time to acknowledge, unless the IC
            # acted on it (paged the on-call, or dismissed it): that is an escalation.
            continue
        due = escalation.due_at
        if due is not None and due <= limit:
            result.due.append(escalation)
        elif escalation.done is not None:
            result.early.append(escalation)
        else:
            result.not_due += 1
    acknowledged = acknowledged_at(state)
    detected = detected_at(state)
    severity = _first_severity(state)
    level = ladder.find(severity) if severity else None
    result.severity = severity
    result.response_time = level.response_time if level is not None else None
    if acknowledged is not None and detected is not None:
        result.acknowledged_after = max(acknowledged - detected, timedelta(0))
    return result


def _utc(moment: datetime | None) -> str:
    return moment.strftime("%H:%M:%S UTC") if moment else "-"


def outcome(escalation: Escalation) -> str:
    """'done on time', 'done 2m 00s late', 'dismissed: ...', 'MISSED'."""
    done = escalation.done
    if done is not None:
        late = escalation.late_by()
        how = f" by {done.how}" if done.how else ""
        if escalation.due_at is None:
            return f"done{how} (no rule: by hand)"
        if late:
            return f"done {format_duration(late)} late{how}"
        return f"done on time{how}"
    dismissed = escalation.dismissed
    if dismissed is not None:
        return f"dismissed: {dismissed.reason}"
    return "MISSED"


def acknowledge_line(result: Review) -> str:
    if result.acknowledged_after is None:
        return "Time to acknowledge (an IC assigned): no IC was assigned."
    figure = format_duration(result.acknowledged_after)
    if result.response_time is None:
        return f"Time to acknowledge (an IC assigned): {figure} (the ladder sets no response time)."
    verdict = "within" if result.acknowledged_in_time else "OVER"
    return (
        f"Time to acknowledge (an IC assigned): {figure}, {verdict} the"
        f" {markdown_inline(result.severity)} response time of"
        f" {format_duration(result.response_time)}."
    )


def markdown(result: Review) -> list[str]:
    """The post-mortem's "Escalations" section (empty when there is nothing to say)."""
    if not result:
        return []
    out = ["## Escalations", ""]
    out.append(
        f"Due: {len(result.due)}; done: {len(result.done)} ({len(result.late)} late);"
        f" snoozed: {len(result.snoozed)}; dismissed: {len(result.dismissed)};"
        f" missed: {len(result.missed)}."
        + (f" Not yet due when the timers stopped: {result.not_due}." if result.not_due else "")
    )
    out += ["", acknowledge_line(result), ""]
    rows = [*result.due, *result.early]
    if rows:
        out += ["| Contact | When | Due | Done | Outcome | Snoozes |", "|---|---|---|---|---|---|"]
        for escalation in rows:
            rule = escalation.rule
            done = escalation.done
            snoozes = "; ".join(
                f"{_utc(s.at)} until {_utc(s.until)}: {s.reason}" for s in escalation.snoozes
            )
            cells = [
                rule.contact + (f" ({rule.situation})" if rule.situation else ""),
                rule.trigger.describe(),
                _utc(escalation.due_at),
                _utc(done.at) if done else "-",
                outcome(escalation),
                snoozes or "-",
            ]
            out.append("| " + " | ".join(_cell(c) for c in cells) + " |")
        out.append("")
    return out


def _cell(text: str) -> str:
    return markdown_inline(" ".join(text.split())).replace("|", "\\|")


def verdicts(result: Review) -> list[tuple[str, bool]]:
    """The drill report's checks: one per escalation that fell due, and acknowledging."""
    checks = []
    for escalation in result.due:
        rule = escalation.rule
        name = (
            f"Escalated to {rule.contact} on time (due {_utc(escalation.due_at)}:"
            f" {rule.when or rule.trigger.describe()}): {outcome(escalation)}"
        )
        on_time = escalation.done is not None and not escalation.late_by()
        checks.append((name, on_time or escalation.dismissed is not None))
    if result.acknowledged_in_time is not None:
        checks.append((acknowledge_line(result), bool(result.acknowledged_in_time)))
    return checks
