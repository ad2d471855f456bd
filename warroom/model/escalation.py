"""Escalations on time: rules, their deadlines in an incident, and what the IC did about them.

An `EscalationRule` says who to escalate to and when (a `Trigger`: after N minutes, at the
N-minute mark, at N x the resolve target, on reaching a severity, the ladder's response
time). In one incident a rule gives one or more `Escalation`s: one per rule, or one per
time the severity reached the level for severity rules. Each has a stable key
(`escalation:<rule id>`, or `escalation:<rule id>@<UTC time the severity was reached>`),
its clock's start, the moment it falls due, and the IC's actions, read from `escalation`
events: escalated (who, how, when), snoozed (until, reason), dismissed (reason).

`EscalationTimers` is the timed rule (`warroom.model.timed`): it lists the deadline of
every escalation still open: the due time, or the end of the last snooze (a new key each
snooze, so a snoozed escalation prompts again). Timers stop when the incident is mitigated
and when the escalation is done or dismissed. Pure: no I/O, no clock.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from warroom.model.escalation_when import Start, Trigger
from warroom.model.events import Event, EventError, EventKind, format_utc, parse_utc
from warroom.model.figures import detected_at, impact_started_at
from warroom.model.incident import IncidentState
from warroom.model.severity import SeverityError, SeverityLadder
from warroom.model.timed import Deadline

RULE_NAME = "escalation"
KEY_PREFIX = "escalation:"
ESCALATED, SNOOZED, DISMISSED = "escalated", "snoozed", "dismissed"
ACTIONS = (ESCALATED, SNOOZED, DISMISSED)
HOW_CHOICES = ("phone", "page", "slack", "email", "in person", "other")


@dataclass(frozen=True)
class EscalationRule:
    """Who to escalate to and when, from one source (scenario, ladder or config).

    id: stable across consoles ("database-connections/dba-team", "ladder/acknowledge").
    contact: who ("DBA team"); reach: how to reach them ("dba@agency.com"); backup: who
    when they cannot be reached; situation: what the matrix row is for ("Database
    issues"); when: the runbook's words; source: where the rule was read.
    """

    id: str
    contact: str
    trigger: Trigger
    reach: str = ""
    backup: str = ""
    situation: str = ""
    when: str = ""
    source: str = ""

    def describe(self) -> str:
        """'DBA team, after 15m (Database issues)'."""
        situation = f" ({self.situation})" if self.situation else ""
        return f"{self.contact}, {self.trigger.describe()}{situation}"


@dataclass(frozen=True)
class Action:
    """One `escalation` event: what the IC did about an escalation."""

    action: str
    key: str
    at: datetime
    author: str
    to: str = ""
    how: str = ""
    reason: str = ""
    until: datetime | None = None
    event_id: str = ""


@dataclass(frozen=True)
class Escalation:
    """One escalation of one incident: a rule whose clock has started."""

    key: str
    rule: EscalationRule
    started_at: datetime
    due_at: datetime | None  # None: the ladder has no figure for it (no resolve target)
    actions: tuple[Action, ...] = ()
    fired_at: datetime | None = None

    @property
    def done(self) -> Action | None:
        return next((a for a in self.actions if a.action == ESCALATED), None)

    @property
    def dismissed(self) -> Action | None:
        return next((a for a in self.actions if a.action == DISMISSED), None)

    @property
    def snoozes(self) -> tuple[Action, ...]:
        return tuple(a for a in self.actions if a.action == SNOOZED)

    @property
    def closed(self) -> bool:
        return self.done is not None or self.dismissed is not None

    def next_at(self) -> datetime | None:
        """When it prompts next: the end of the last snooze, else the due time."""
        snoozes = self.snoozes
        if snoozes and snoozes[-1].until is not None:
            return snoozes[-1].until
        return self.due_at

    def deadline_key(self) -> str:
        """The key of the current deadline: a new one after each snooze."""
        count = len(self.snoozes)
        return self.key if not count else f"{self.key}~snooze{count}"

    def late_by(self) -> timedelta | None:
        """How late the escalation was done (zero or more), None when not done or no due."""
        done = self.done
        if done is None or self.due_at is None:
            return None
        return max(done.at - self.due_at, timedelta(0))

    def status(self, now: datetime, stopped_at: datetime | None) -> str:
        """done | dismissed | snoozed | due | upcoming | stopped | missed | no figure."""
        if self.done is not None:
            return "done"
        if self.dismissed is not None:
            return "dismissed"
        if self.due_at is None:
            return "no figure"
        if stopped_at is not None:
            return "missed" if self.due_at <= stopped_at else "stopped"
        upcoming = self.next_at()
        if self.snoozes and upcoming is not None and upcoming > now:
            return "snoozed"
        return "due" if self.due_at <= now else "upcoming"


def actions_of(state: IncidentState) -> dict[str, list[Action]]:
    """The IC's escalation actions, by escalation key, in time order."""
    found: dict[str, list[Action]] = {}
    for event in state.of_kind(EventKind.ESCALATION):
        action = read_action(event)
        if action is not None:
            found.setdefault(action.key, []).append(action)
    return found


def read_action(event: Event) -> Action | None:
    """The action an `escalation` event records, or None for a damaged one."""
    payload = event.payload
    action, key = str(payload.get("action", "")), str(payload.get("key", ""))
    if action not in ACTIONS or not key.startswith(KEY_PREFIX):
        return None
    until = None
    if action == SNOOZED:
        try:
            until = parse_utc(str(payload.get("until", "")))
        except EventError:
            return None
    return Action(
        action=action,
        key=key,
        at=event.at,
        author=event.author,
        to=str(payload.get("to", "")),
        how=str(payload.get("how", "")),
        reason=str(payload.get("reason", "")),
        until=until,
        event_id=event.id,
    )


def stopped_at(state: IncidentState) -> datetime | None:
    """When the timers stopped: the incident's mitigation (or resolution)."""
    return state.mitigated_at or state.resolved_at


def _fired_at(state: IncidentState, key: str) -> datetime | None:
    """When the escalation's first deadline fired (its own key, or a snooze's)."""
    moments = [
        event.at
        for fired_key, event in state.fired_timers.items()
        if fired_key == key or fired_key.startswith(f"{key}~")
    ]
    return min(moments) if moments else None


def _severity_starts(
    state: IncidentState, ladder: SeverityLadder, trigger: Trigger
) -> list[datetime]:
    """The moments the severity reached the trigger's level (or rose, for any rise)."""
    starts: list[datetime] = []
    previous_rank: int | None = None
    reached = False
    for at, severity in state.severity_history:
        level = ladder.find(severity)
        if level is None:
            continue
        if trigger.severity:
            try:
                now_reached = ladder.at_least(level.key, trigger.severity)
            except SeverityError:
                now_reached = False
            if now_reached and not reached:
                starts.append(at)
            reached = now_reached
        elif previous_rank is not None and level.rank < previous_rank:
            starts.append(at)
        previous_rank = level.rank
    return starts


def _resolve_target(state: IncidentState, ladder: SeverityLadder) -> timedelta | None:
    level = ladder.find(state.severity)
    return level.resolve_target if level is not None else None


def _response_time(state: IncidentState, ladder: SeverityLadder) -> timedelta | None:
    level = ladder.find(state.severity)
    return level.response_time if level is not None else None


def escalations(
    state: IncidentState, rules: Iterable[EscalationRule], ladder: SeverityLadder
) -> list[Escalation]:
    """Every escalation of `rules` whose clock has started in `state`, soonest due first."""
    if state.declared_at is None:
        return []
    actions = actions_of(state)
    found: list[Escalation] = []
    for rule in rules:
        trigger = rule.trigger
        base = f"{KEY_PREFIX}{rule.id}"
        if trigger.start is Start.SEVERITY:
            starts = [
                (f"{base}@{format_utc(at)}", at) for at in _severity_starts(state, ladder, trigger)
            ]
        elif trigger.start is Start.IMPACT:
            starts = [(base, impact_started_at(state) or state.declared_at)]
        elif trigger.start is Start.DETECTED:
            starts = [(base, detected_at(state) or state.declared_at)]
        else:
            starts = [(base, state.declared_at)]
        for key, start in starts:
            if trigger.until_ic:
                figure = _response_time(state, ladder)
                due = start + figure if figure is not None else None
            elif trigger.resolve_factor is not None:
                target = _resolve_target(state, ladder)
                due = start + target * trigger.resolve_factor if target is not None else None
            else:
                due = start + trigger.delay
            found.append(
                Escalation(
                    key=key,
                    rule=rule,
                    started_at=start,
                    due_at=due,
                    actions=tuple(actions.get(key, ())),
                    fired_at=_fired_at(state, key),
                )
            )
    known = {escalation.key for escalation in found}
    for key, done in actions.items():
        if key not in known:  # escalated by hand, or a rule no longer configured
            found.append(_by_hand(key, done, state.declared_at))
    far = datetime.max.replace(tzinfo=state.declared_at.tzinfo)
    return sorted(found, key=lambda e: (e.due_at or far, e.key))


def _by_hand(key: str, actions: list[Action], declared_at: datetime) -> Escalation:
    """An escalation no rule states: the IC escalated on their own judgement."""
    contact = next((a.to for a in actions if a.to), "") or key.removeprefix(KEY_PREFIX)
    rule = EscalationRule(
        id=key.removeprefix(KEY_PREFIX),
        contact=contact,
        trigger=Trigger(Start.DECLARED),
        when="by hand",
        source="by hand",
    )
    return Escalation(key, rule, declared_at, None, tuple(actions))


def acknowledged_at(state: IncidentState) -> datetime | None:
    """When the incident first had an IC: at the declaration, or the first assignment."""
    for event in state.of_kind(EventKind.DECLARED, EventKind.ROLE_ASSIGNED):
        if event.kind is EventKind.DECLARED:
            roles = event.payload.get("roles")
            if isinstance(roles, Mapping) and str(roles.get("IC") or "").strip():
                return event.at
        elif (
            event.kind is EventKind.ROLE_ASSIGNED
            and str(event.payload.get("role", "")) == "IC"
            and str(event.payload.get("name", "")).strip()
        ):
            return event.at
    return None


def open_escalations(
    state: IncidentState, rules: Iterable[EscalationRule], ladder: SeverityLadder
) -> list[Escalation]:
    """The escalations whose timers still run: not done, not dismissed, not satisfied."""
    if stopped_at(state) is not None:
        return []
    has_ic = bool(state.roles.get("IC"))
    return [
        escalation
        for escalation in escalations(state, rules, ladder)
        if not escalation.closed
        and escalation.due_at is not None
        and not (escalation.rule.trigger.until_ic and has_ic)
    ]


def deadline_of(escalation: Escalation) -> tuple[str, datetime] | None:
    at = escalation.next_at()
    return (escalation.deadline_key(), at) if at is not None else None


def prompt(rule: EscalationRule) -> str:
    """The one line the header, the bell's notification and the timeline show."""
    if rule.trigger.until_ic:
        return f"No IC yet: {rule.trigger.describe()}; take IC (o) or page {rule.contact}"
    reach = f" ({rule.reach})" if rule.reach else ""
    return f"Escalate to {rule.contact}{reach}: {rule.trigger.describe()}"


@dataclass(frozen=True)
class EscalationTimers:
    """The timed rule of escalations: one deadline per open escalation.

    rules_for: the rules that apply to an incident (its scenario, ladder and config);
    ladder_of: the incident's severity ladder.
    """

    rules_for: Callable[[IncidentState], Sequence[EscalationRule]]
    ladder_of: Callable[[IncidentState], SeverityLadder]
    name: str = RULE_NAME

    def deadlines(self, state: IncidentState, now: datetime) -> Iterable[Deadline]:
        ladder = self.ladder_of(state)
        found = []
        for escalation in open_escalations(state, self.rules_for(state), ladder):
            deadline = deadline_of(escalation)
            if deadline is None:
                continue
            key, at = deadline
            rule = escalation.rule
            found.append(
                Deadline(
                    key=key,
                    rule=self.name,
                    at=at,
                    message=prompt(rule),
                    payload=payload_of(escalation),
                )
            )
        return found


def payload_of(escalation: Escalation) -> dict[str, Any]:
    """What a fired deadline carries: enough to act on it and to report it later."""
    rule = escalation.rule
    return {
        "escalation": escalation.key,
        "rule_id": rule.id,
        "contact": rule.contact,
        "reach": rule.reach,
        "backup": rule.backup,
        "situation": rule.situation,
        "when": rule.trigger.describe(),
        "source": rule.source,
        "due_at": format_utc(escalation.due_at) if escalation.due_at else "",
    }


@dataclass
class Board:
    """The escalations of an incident sorted for the IC: due, upcoming, done/closed."""

    due: list[Escalation] = field(default_factory=list)
    upcoming: list[Escalation] = field(default_factory=list)
    closed: list[Escalation] = field(default_factory=list)


def board(
    state: IncidentState,
    rules: Iterable[EscalationRule],
    ladder: SeverityLadder,
    now: datetime,
) -> Board:
    """What `E` and `warroom escalations` list: due now (or a snooze over), upcoming, and
    the rest (done, dismissed, missed, stopped, no figure)."""
    result = Board()
    stop = stopped_at(state)
    has_ic = bool(state.roles.get("IC"))
    for escalation in escalations(state, rules, ladder):
        status = escalation.status(now, stop)
        if escalation.rule.trigger.until_ic and has_ic and not escalation.closed:
            continue  # acknowledged: the report gives the time to acknowledge
        if status == "due":
            result.due.append(escalation)
        elif status in ("snoozed", "upcoming"):
            result.upcoming.append(escalation)
        else:
            result.closed.append(escalation)
    result.upcoming.sort(key=lambda e: (e.next_at() or now, e.key))
    return result


def next_escalation(
    state: IncidentState,
    rules: Iterable[EscalationRule],
    ladder: SeverityLadder,
    now: datetime,
) -> tuple[Escalation, datetime] | None:
    """The soonest open escalation still ahead, with when it prompts."""
    ahead = [
        (escalation, at)
        for escalation in open_escalations(state, rules, ladder)
        if (at := escalation.next_at()) is not None and at > now
    ]
    return min(ahead, key=lambda pair: (pair[1], pair[0].key)) if ahead else None


def find(escalations_: Iterable[Escalation], wanted: str) -> Escalation | None:
    """An escalation by key, rule id, or contact name (case-insensitive, the first open)."""
    text = wanted.strip().casefold()
    items = list(escalations_)
    for escalation in items:
        if text in (escalation.key.casefold(), escalation.rule.id.casefold()):
            return escalation
    matches = [e for e in items if e.rule.contact.casefold() == text]
    if not matches:
        matches = [e for e in items if text and text in e.rule.contact.casefold()]
    open_ones = [e for e in matches if not e.closed]
    found = open_ones or matches
    return found[0] if found else None
