"""Deciding what each section of a runbook is: incident, part, general, reference, skipped.

Structure first, vocabulary to break ties:

- a **procedure** is a section whose own blocks hold an actionable list (ordered, checkbox,
  or items that open with a verb or hold a command), commands, a step table or numbered
  steps (`runbook_structure.actionable`);
- an **incident** is a section holding no incident inside it, and
  (a) it has the parts of one: a Symptoms part, or two of investigation / causes /
      mitigation (sub-headings or bold labels), or
  (b) it holds a procedure and its title names a failure ("Database down", "Replica lag",
      "KubePodCrashLooping") or starts with `Incident:` / `Alert -`..., or
  (c) its sub-sections are the steps of one procedure (numbered, or named after a verb or
      a part: "1. Check", "Mitigation"), or
  (d) it holds a procedure, and so do sibling sections that are not steps themselves;
- inside a section titled as a general procedure ("Incident response process") or as
  reference material ("Severity levels", "Roles"), only (a) makes an incident;
- reference sections are skipped (contacts and links are kept), the rest is the general
  procedure. With no incident at all, a document holding procedures is one scenario named
  after its title.

Every decision is kept as a `Reading` with its reason, which `--explain` prints.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from warroom.scenarios.markdown_blocks import Section
from warroom.scenarios.runbook_labels import CONTACT_WORDS, SYMPTOM_WORDS, plain_labelled
from warroom.scenarios.runbook_structure import actionable
from warroom.scenarios.words import (
    failure_word,
    has_word,
    matched_word,
    starts_with_verb,
    strip_incident_prefix,
    strip_ordinal_prefix,
    tidy,
    words_of,
)

CHECK_WORDS = (
    "investigation",
    "investigate",
    "diagnosis",
    "diagnose",
    "diagnostic",
    "quick check",
    "checks",
    "triage",
    "immediate action",
    "first step",
    "troubleshooting",
)
CAUSE_PART_WORDS = ("cause", "common issue", "known issue", "reason")
FIX_WORDS = (
    "mitigation",
    "mitigate",
    "resolution",
    "resolve",
    "solution",
    "fix",
    "recovery",
    "recover",
    "rollback",
    "workaround",
    "remediation",
    "quick win",
    "restore",
)
GENERAL_WORDS = (
    "response",
    "workflow",
    "process",
    "checklist",
    "quick start",
    "framework",
    "strategy",
    "strategies",
    "playbook",
    "procedure",
)
# Names of the steps of one procedure rather than of an incident.
PHASE_WORDS = (
    *CHECK_WORDS,
    *CAUSE_PART_WORDS,
    *FIX_WORDS,
    *SYMPTOM_WORDS,
    "preparation",
    "prepare",
    "identification",
    "detection",
    "containment",
    "eradication",
    "verification",
    "validation",
    "escalation",
    "communication",
    "comms",
    "follow up",
    "post incident",
    "lessons learned",
    "assessment",
    "impact",
    "meaning",
    "step",
    "action",
    "next step",
    "aftermath",
    "cleanup",
    "prerequisite",
    "command",
    "useful",
    "cheat sheet",
    "within",
    "during",
    "before",
    "after",
    "first",
    "minute",
    "hour",
    "day",
    "week",
    "immediately",
    "review",
    "post mortem",
    "postmortem",
    "retrospective",
)
SKIP_WORDS = (
    "severity",
    "severities",
    "role",
    "responsibility",
    "responsibilities",
    "communication",
    "comms",
    "template",
    "tool",
    "access",
    "monitoring",
    "alerting",
    "metric",
    "reference",
    "documentation",
    "related",
    "link",
    "change log",
    "changelog",
    "version",
    "history",
    "training",
    "drill",
    "onboarding",
    "best practice",
    "contents",
    "overview",
    "introduction",
    "preventive",
    "prevention",
    "maintenance",
    "daily",
    "weekly",
    "monthly",
    "glossary",
    "appendix",
    "channel",
    "dashboard",
    "source",
    "status page",
    "faq",
    "about",
    "purpose",
    *CONTACT_WORDS,
)


@dataclass
class Reading:
    """How one section was read, and why (a line of `--explain`)."""

    section: Section
    kind: str  # incident | part | general | reference | title | empty
    why: str

    def __str__(self) -> str:
        marks = "#" * min(self.section.level, 6) if self.section.level else "(top)"
        title = tidy(self.section.title) or "(untitled)"
        return f"line {self.section.line}: {marks} {title} -> {self.kind}: {self.why}"


@dataclass
class Classification:
    incidents: list[Section] = field(default_factory=list)
    reasons: dict[int, str] = field(default_factory=dict)
    procedure: dict[int, str | None] = field(default_factory=dict)
    holds_procedure: dict[int, bool] = field(default_factory=dict)
    title_section: Section | None = None


def classify(root: Section) -> Classification:
    """Which sections are incidents (and why); what each section's own blocks are."""
    found = Classification(title_section=_title_section(root))
    _procedures(root, found)
    _Marker(found).mark(root, general_above=False, reference_above=False)
    return found


def _procedures(section: Section, found: Classification) -> bool:
    own = actionable(section.blocks)
    found.procedure[id(section)] = own
    below = [_procedures(child, found) for child in section.children]
    found.holds_procedure[id(section)] = own is not None or any(below)
    return found.holds_procedure[id(section)]


class _Marker:
    def __init__(self, found: Classification) -> None:
        self.found = found

    def holds(self, section: Section) -> bool:
        return self.found.holds_procedure[id(section)]

    def mark(
        self, section: Section, general_above: bool, reference_above: bool, part_above=False
    ) -> bool:
        """Find incident sections bottom-up; returns whether `section` holds one."""
        heading = section.level > 0 and section is not self.found.title_section
        general_here = general_above or (heading and is_general_title(section.title))
        reference_here = reference_above or (heading and is_reference_title(section.title))
        # Under "Common causes" or "Mitigation", sub-sections are causes or fixes of one
        # incident, not incidents of their own.
        part_here = part_above or (heading and has_word(section.title, CAUSE_PART_WORDS))
        below = [
            self.mark(child, general_here, reference_here, part_here) for child in section.children
        ]
        if any(below):
            return True
        if section.level == 0 or is_part_title(section.title) or part_above:
            return False
        why = self.why_incident(section, general_here, reference_here)
        if why is None:
            return False
        self.found.incidents.append(section)
        self.found.reasons[id(section)] = why
        return True

    def why_incident(self, section: Section, general: bool, reference: bool) -> str | None:
        parts = part_kinds(section)
        if "symptoms" in parts:
            return "it has a symptoms part"
        named = sorted(parts & {"checks", "causes", "fixes"})
        if not general and len(named) >= 2:
            return f"it has {' and '.join(named)} parts"
        if general or reference or not self.holds(section):
            return None
        what = self.what_it_holds(section)
        _, prefix = strip_incident_prefix(tidy(section.title))
        if prefix:
            return f"its title starts with '{prefix}' and it holds {what}"
        failure = failure_word(section.title)
        if failure and not is_phase_title(section.title, numbered=False):
            return f"its title names a failure ('{failure}') and it holds {what}"
        if section is self.found.title_section or is_phase_title(section.title):
            return None
        steps = [child for child in section.children if self.holds(child)]
        if len(steps) >= 2 and all(is_phase_title(child.title) for child in steps):
            return f"its {len(steps)} sub-sections are the steps of one procedure"
        parent = section.parent
        if parent is None or (parent.level > 0 and is_phase_title(parent.title)):
            return None
        siblings = [
            other
            for other in parent.children
            if other is not section
            and self.holds(other)
            and not is_phase_title(other.title)
            and not is_reference_title(other.title)
        ]
        if siblings:
            return f"it holds {what}, and so do {len(siblings)} sibling section(s)"
        return None

    def what_it_holds(self, section: Section) -> str:
        own = self.found.procedure[id(section)]
        if own:
            return own
        for node in section.walk():
            if self.found.procedure[id(node)]:
                return f"{self.found.procedure[id(node)]} (under '{tidy(node.title)}')"
        return "steps"


def part_kinds(section: Section) -> set[str]:
    """The kinds of parts a section's labels and sub-headings name."""
    names = [node.title for node in section.walk() if node is not section]
    for node in section.walk():
        for block in node.blocks:
            if block.kind == "paragraph" and block.inline is not None:
                if block.inline.label:
                    names.append(block.inline.label)
                elif block.inline.text.rstrip().endswith(":") and len(block.inline.text) < 60:
                    names.append(block.inline.text)
                else:
                    for line in block.inline.lines or [block.inline]:
                        found = plain_labelled(line.text)
                        if found is not None:
                            names.append(found[0])
    kinds = set()
    for name in names:
        if has_word(name, SYMPTOM_WORDS):
            kinds.add("symptoms")
        if has_word(name, CHECK_WORDS):
            kinds.add("checks")
        if has_word(name, CAUSE_PART_WORDS):
            kinds.add("causes")
        if has_word(name, FIX_WORDS):
            kinds.add("fixes")
    return kinds


def is_part_title(title: str) -> bool:
    """'Symptoms', 'Investigation', 'Common causes'... name a part of an incident."""
    words = words_of(tidy(title)).split()
    return len(words) <= 4 and (
        has_word(title, SYMPTOM_WORDS)
        or has_word(title, CAUSE_PART_WORDS)
        or (has_word(title, CHECK_WORDS) and len(words) == 1)
    )


def is_phase_title(title: str, *, numbered: bool = True) -> bool:
    """'1. Check', 'Step 2: Drain', 'Restart the pods', 'Mitigation': a step, not an incident.

    With `numbered=False` a number alone ("1. Disk full") does not make a step.
    """
    text = tidy(title)
    bare = strip_ordinal_prefix(text)
    if numbered and bare != text:
        return True
    return starts_with_verb(bare) or has_word(bare, PHASE_WORDS)


def is_general_title(title: str) -> bool:
    return has_word(title, GENERAL_WORDS)


def is_reference_title(title: str) -> bool:
    return has_word(title, SKIP_WORDS)


def reference_word(title: str) -> str:
    return matched_word(title, SKIP_WORDS) or "reference"


def _title_section(root: Section) -> Section | None:
    """The heading that names the whole document, if one does (a lone top heading)."""
    if len(root.children) == 1 and root.children[0].children:
        return root.children[0]
    return None
