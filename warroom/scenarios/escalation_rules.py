"""Escalation rules of an incident, merged from its three sources.

1. The scenarios' contacts with a `when` ("DBA team", "After 15 minutes"), and the steps
   of a phase titled "When to escalate" ("Incident exceeds estimated resolution time by
   2x": the next level). A matrix row read from a runbook may name its situation in the
   role column and the contact in the reach ("Database Issues" | "DBA team:
   dba@agency.com" | "Backup: Senior Engineer"); such a row is for its situation: a
   severity it names ("P0 incident" -> on reaching P0), else the scenarios whose id,
   title, summary or symptoms hold every word of it ("Database issues" -> database-*).
   The rules of the incident's scenario, of the shipped `general` scenario and of the
   general scenario its runbook was imported with (`<prefix>-general`) apply.
2. The severity ladder: its response time (no IC `response time` after detection: take
   IC or page the on-call) and its resolve target (passed: the next level).
3. The config's `[[escalation]]` tables (`warroom.model.escalation_config`); a config row
   for a contact a scenario also names replaces the scenario's (the team's matrix wins).

A `when` that `parse_when` cannot read makes no rule: `unread_whens` lists it for
`warroom scenarios show`, with a warning, and it is never guessed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from warroom.model.escalation import EscalationRule
from warroom.model.escalation_config import EscalationEntry
from warroom.model.escalation_when import Start, Trigger, parse_when, severity_named
from warroom.model.incident import IncidentState
from warroom.model.scenario import GENERAL_SCENARIO_ID, Contact, Scenario
from warroom.model.severity import SeverityLadder

WHEN_PHASE = re.compile(r"\bwhen to escalate\b|\bescalation (?:triggers|criteria)\b", re.I)
NEXT_LEVEL = "the next level"
ON_CALL = "the on-call engineer"
_CHANNEL_WORDS = {"email", "phone", "slack", "name", "pager", "documentation", "docs", "web"}
_SITUATION_WORDS = re.compile(
    r"\b(issues?|incidents?|breach|corruption|outage|failures?|down|escalation|can'?t|cannot"
    r"|infrastructure|problems?)\b",
    re.I,
)
_GENERIC = {
    "issue", "issues", "incident", "incidents", "problem", "problems", "failure", "failures",
    "outage", "outages", "the", "a", "an", "of", "and", "or", "any", "all", "with", "in",
    "can", "cant", "can't", "cannot", "t", "not", "resolve", "resolved", "within", "min",
    "mins", "minute", "minutes", "hour", "hours", "only", "if", "when",
}  # fmt: skip


@dataclass(frozen=True)
class UnreadWhen:
    """A contact (or "when to escalate" step) whose time warroom cannot read."""

    scenario: str
    contact: str
    when: str


def slug(text: str) -> str:
    return "-".join(re.findall(r"[a-z0-9]+", text.casefold()))[:48] or "contact"


def _words(text: str) -> set[str]:
    return set(re.findall(r"[a-z0-9']+", text.casefold()))


def topic_words(situation: str) -> set[str]:
    """What a situation is about: 'Database Issues' -> {'database'}."""
    return {
        word
        for word in _words(situation)
        if word not in _GENERIC and not word.isdigit() and not re.fullmatch(r"p\d|sev\d?", word)
    }


def _stem(word: str) -> str:
    return word[:-1] if len(word) > 4 and word.endswith("s") else word


def matches_scenario(situation: str, scenario: Scenario | None) -> bool:
    """True when every topic word of `situation` appears in the scenario's words."""
    if scenario is None:
        return False
    wanted = {_stem(word) for word in topic_words(situation)}
    if not wanted:
        return True
    text = " ".join((scenario.id, scenario.title, scenario.summary, *scenario.symptoms))
    have = {_stem(word) for word in _words(text.replace("-", " "))}
    return wanted <= have


def _split_reach(reach: str) -> tuple[str, str]:
    """'DBA team: dba@agency.com' -> ('DBA team', 'dba@agency.com'); else ('', reach)."""
    name, sep, rest = reach.partition(":")
    name = name.strip()
    if (
        sep
        and name
        and "@" not in name
        and len(name) <= 60
        and name.casefold() not in _CHANNEL_WORDS
        and not rest.startswith("//")
    ):
        return name, rest.strip()
    return "", reach


def _backup(notes: str) -> str:
    for part in notes.split(";"):
        label, sep, value = part.partition(":")
        if sep and label.strip().casefold() in ("backup", "secondary", "fallback"):
            return value.strip()
    return ""


def read_contact(contact: Contact) -> tuple[str, str, str]:
    """(who, reach, situation) of a contact row."""
    name, address = _split_reach(contact.reach)
    if name:
        return name, address, contact.role
    if contact.reach and (severity_named(contact.role) or _SITUATION_WORDS.search(contact.role)):
        return contact.reach, "", contact.role
    return contact.role, contact.reach, ""


def contact_rule(scenario: Scenario, contact: Contact) -> EscalationRule | None:
    """The rule a contact states, or None (no `when`, or one that cannot be read)."""
    trigger = parse_when(contact.when) if contact.when.strip() else None
    if trigger is None:
        return None
    who, reach, situation = read_contact(contact)
    severity = severity_named(situation) if situation else None
    if severity and trigger.start is Start.DECLARED:
        trigger = Trigger(Start.SEVERITY, delay=trigger.delay, severity=severity)
    return EscalationRule(
        id=f"{scenario.id}/{slug(who)}",
        contact=who,
        trigger=trigger,
        reach=reach,
        backup=_backup(contact.notes),
        situation=situation,
        when=contact.when,
        source=f"scenario {scenario.id}",
    )


def _phase_steps(scenario: Scenario) -> Iterable[str]:
    for phase in scenario.phases:
        if WHEN_PHASE.search(phase.title):
            yield from (step.text for step in phase.steps)


def phase_rules(scenario: Scenario) -> list[EscalationRule]:
    """Rules from a "When to escalate" list: each readable item escalates to the next
    level, reached through the scenario's contacts that carry no `when` of their own."""
    names = ", ".join(c.role for c in scenario.contacts if not c.when.strip())
    rules = []
    for text in _phase_steps(scenario):
        trigger = parse_when(text)
        if trigger is None:
            continue
        rules.append(
            EscalationRule(
                id=f"{scenario.id}/next-level-{slug(trigger.describe())}",
                contact=NEXT_LEVEL,
                trigger=trigger,
                reach=names,
                when=text,
                source=f"scenario {scenario.id} (when to escalate)",
            )
        )
    return rules


def scenario_rules(scenario: Scenario) -> list[EscalationRule]:
    """Every rule a scenario states (contacts, then its "when to escalate" list)."""
    found = [rule for c in scenario.contacts if (rule := contact_rule(scenario, c))]
    return [*found, *phase_rules(scenario)]


def unread_whens(scenario: Scenario) -> list[UnreadWhen]:
    """Contacts and "when to escalate" items whose time cannot be read (no rule made)."""
    unread = [
        UnreadWhen(scenario.id, read_contact(c)[0], c.when)
        for c in scenario.contacts
        if c.when.strip() and parse_when(c.when) is None
    ]
    unread += [
        UnreadWhen(scenario.id, NEXT_LEVEL, text)
        for text in _phase_steps(scenario)
        if parse_when(text) is None
    ]
    return unread


def ladder_rules(ladder: SeverityLadder) -> list[EscalationRule]:
    """The ladder's response time (acknowledge by) and resolve target, as rules."""
    rules = []
    if any(level.response_time for level in ladder.levels):
        rules.append(
            EscalationRule(
                id="ladder/acknowledge",
                contact=ON_CALL,
                trigger=Trigger(Start.DETECTED, until_ic=True),
                situation="response time",
                when="the severity's response time",
                source=f"ladder {ladder.id} (response time)",
            )
        )
    if any(level.resolve_target for level in ladder.levels):
        rules.append(
            EscalationRule(
                id="ladder/resolve-target",
                contact=NEXT_LEVEL,
                trigger=Trigger(Start.IMPACT, resolve_factor=1.0),
                situation="resolve target",
                when="the severity's resolve target",
                source=f"ladder {ladder.id} (resolve target)",
            )
        )
    return rules


def config_rule(entry: EscalationEntry) -> EscalationRule:
    scope = entry.scenario or entry.issue_type or "any"
    return EscalationRule(
        id=f"config/{slug(entry.contact)}-{slug(scope)}",
        contact=entry.contact,
        trigger=entry.trigger,
        reach=entry.reach,
        backup=entry.backup,
        situation=entry.issue_type or (f"scenario {entry.scenario}" if entry.scenario else ""),
        when=entry.after,
        source=f"config escalation[{entry.number}]",
    )


def _config_applies(entry: EscalationEntry, scenario: Scenario | None, scenario_id: str) -> bool:
    if entry.scenario:
        return entry.scenario == scenario_id
    if entry.issue_type:
        return matches_scenario(entry.issue_type, scenario)
    return True


def _general_of(scenario_id: str, catalogue: object) -> list[str]:
    """The shipped general scenario and the general one imported with `scenario_id`."""
    ids = [GENERAL_SCENARIO_ID]
    prefix = scenario_id
    while "-" in prefix:
        prefix = prefix.rsplit("-", 1)[0]
        candidate = f"{prefix}-general"
        if candidate != scenario_id and _get(catalogue, candidate) is not None:
            ids.append(candidate)
            break
    return ids


def _get(catalogue: object, scenario_id: str) -> Scenario | None:
    get = getattr(catalogue, "get", None)
    return get(scenario_id) if get is not None else None


def _applies(rule: EscalationRule, chosen: Scenario | None) -> bool:
    """A general scenario's rule applies unless its situation is a topic (an issue type)
    the incident's scenario does not match."""
    situation = rule.situation
    if not situation or severity_named(situation) or not topic_words(situation):
        return True
    return matches_scenario(situation, chosen)


class RuleBook:
    """The escalation rules of any incident: scenarios (from `catalogue`), the incident's
    ladder, and the config's entries. `rules_for(state, ladder)` merges them.

    time_scale: a drill runs the runbook's clocks faster (its ladder is scaled the same
    way, see `warroom.drill.drill_config`): the scenario's and config's delays are
    multiplied by it; the ladder's own figures already are.
    """

    def __init__(
        self,
        catalogue: object,
        entries: Sequence[EscalationEntry] = (),
        time_scale: float = 1.0,
    ) -> None:
        self.catalogue = catalogue
        self.entries = tuple(entries)
        self.time_scale = time_scale
        self._by_scenario: dict[str, list[EscalationRule]] = {}

    def _scenario_rules(self, scenario_id: str) -> list[EscalationRule]:
        cached = self._by_scenario.get(scenario_id)
        if cached is not None:
            return cached
        chosen = _get(self.catalogue, scenario_id) if scenario_id else None
        rules: list[EscalationRule] = []
        for general_id in (
            _general_of(scenario_id, self.catalogue) if scenario_id else [GENERAL_SCENARIO_ID]
        ):
            general = _get(self.catalogue, general_id)
            if general is None or general is chosen:
                continue
            for rule in scenario_rules(general):
                if _applies(rule, chosen):
                    rules.append(rule)
        if chosen is not None:
            rules.extend(scenario_rules(chosen))
        self._by_scenario[scenario_id] = rules
        return rules

    def rules_for(self, state: IncidentState, ladder: SeverityLadder) -> list[EscalationRule]:
        scenario_id = state.scenario or ""
        chosen = _get(self.catalogue, scenario_id) if scenario_id else None
        configured = [
            config_rule(entry)
            for entry in self.entries
            if _config_applies(entry, chosen, scenario_id)
        ]
        taken = {rule.contact.casefold() for rule in configured}
        merged: dict[str, EscalationRule] = {}
        for rule in (*self._scenario_rules(scenario_id), *ladder_rules(ladder), *configured):
            if rule.source.startswith("scenario") and rule.contact.casefold() in taken:
                continue  # the team's own matrix names this contact: its row wins
            merged.setdefault(rule.id, self._scaled(rule))
        return list(merged.values())

    def _scaled(self, rule: EscalationRule) -> EscalationRule:
        if self.time_scale == 1.0 or not rule.trigger.delay or rule.source.startswith("ladder"):
            return rule
        trigger = replace(rule.trigger, delay=rule.trigger.delay * self.time_scale)
        return replace(rule, trigger=trigger)


def describe_rules(scenario: Scenario) -> tuple[list[str], list[str]]:
    """What `warroom scenarios show` prints: the rules read, and one warning per `when`
    that names no time warroom can read."""
    lines = []
    for rule in scenario_rules(scenario):
        reach = f" ({rule.reach})" if rule.reach else ""
        backup = f"; backup: {rule.backup}" if rule.backup else ""
        lines.append(f"  - {rule.describe()}{reach}{backup}")
    warnings = [
        f"{scenario.id}: escalation to {u.contact}: cannot read a time in {u.when!r};"
        " no timer (escalate by hand, or write e.g. 'after 15 minutes')"
        for u in unread_whens(scenario)
    ]
    return lines, warnings


def print_escalation_rules(scenario: Scenario) -> None:
    """The scenario's escalation rules on stdout, unreadable `when`s as warnings on stderr."""
    import sys

    from warroom.model.text import inert

    lines, warnings = describe_rules(scenario)
    if lines:
        print("\nEscalation rules (timed)")
        for line in lines:
            print(inert(line, single_line=True))
    if warnings:
        print("\nEscalations by hand (no time warroom can read)")
        for warning in warnings:
            print(inert(f"warning: {warning}", single_line=True), file=sys.stderr)
        for unread in unread_whens(scenario):
            print(inert(f"  - {unread.contact}: {unread.when}", single_line=True))
