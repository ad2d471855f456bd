"""What a runbook's labels and sub-headings name: symptoms, causes, contacts, notes, a phase.

"**Symptoms:**", "Fix: restart it", "#### Impact", "What the on-call engineer will see:":
the scenario builder asks this module where what follows a label goes. Words are compared
with `words.has_word` (case-folded, plurals count).
"""

from __future__ import annotations

from warroom.scenarios.markdown_blocks import Block
from warroom.scenarios.words import has_word, starts_with_verb, tidy, words_of

SYMPTOM_WORDS = (
    "symptom",
    "sign",
    "signal",
    "indicator",
    "what you see",
    "what users see",
    "when to use this",
    "detection",
    "problem",
    "alerts",
)
CAUSE_WORDS = ("cause", "common issue", "known issue", "reason", "likely culprit")
CONTACT_WORDS = ("contact", "escalation matrix", "who to call", "on call engineer", "support")
SKIP_LABEL_WORDS = ("source", "tool", "template", "reference", "further reading")
NOTE_LABEL_WORDS = ("when to use", "goal", "purpose", "prerequisite", "note", "caution", "warning")
# Headings whose text describes the incident rather than listing steps: kept as notes.
CONTEXT_WORDS = (
    "impact",
    "meaning",
    "what this means",
    "description",
    "overview",
    "background",
    "expected output",
)
PLAIN_LABEL_WORDS = 8
VAGUE_LABELS = frozenset({"commands", "command", "steps", "actions", "run", "how"})
# Words that name a part of an incident: a label with one of these switches the target.
PART_NAMES = (
    "investigation",
    "investigate",
    "diagnostic",
    "triage",
    "immediate",
    "troubleshooting",
    "recovery",
    "rollback",
    "remediation",
    "escalation",
    "communication",
    "contact",
    "step",
    "procedure",
    "response",
    "quick win",
    "restore",
    "service",
    "manual",
    "if",
    "when",
    "option",
    "solution",
    "remedy",
    "resolve",
    "mitigate",
    "next",
    "action",
)
# Labels written without bold that still name a part ("Fix: ...", "Diagnosis: ...").
PART_LABEL_WORDS = (
    "fix",
    "diagnosis",
    "verify",
    "verification",
    "mitigation",
    "resolution",
    "workaround",
    "check",
    "action",
    "steps",
    "what to do",
)


def label_kind(label: str) -> str:
    """symptoms | causes | contacts | phase: where what follows this label goes."""
    if has_word(label, SYMPTOM_WORDS):
        return "symptoms"
    if has_word(label, CAUSE_WORDS):
        return "causes"
    if has_word(label, CONTACT_WORDS) and not has_word(label, ("step", "procedure")):
        return "contacts"
    return "phase"


def part_role(title: str) -> str:
    """What a sub-heading of an incident becomes, in words (for `--explain`)."""
    kind = label_kind(tidy(title))
    if kind == "phase" and context_title(tidy(title)):
        return "the summary (it describes; no steps)"
    return {
        "symptoms": "its lists are the symptoms",
        "causes": "its lists and tables are causes and fixes",
        "contacts": "contacts",
    }.get(kind, "a phase")


def names_a_part(label: str) -> bool:
    return has_word(label, (*SYMPTOM_WORDS, *CAUSE_WORDS, *PART_LABEL_WORDS, *PART_NAMES))


def context_title(title: str) -> bool:
    """'Impact', 'User impact', 'Meaning': a heading that describes, over no steps."""
    words = words_of(title).split()
    return has_word(title, CONTEXT_WORDS) and len(words) <= 3 and not starts_with_verb(title)


def plain_labelled(text: str) -> tuple[str, str] | None:
    """('Fix', 'remove ...') for 'Fix: remove ...' when 'Fix' names a part of an incident."""
    label, colon, rest = text.partition(":")
    if not colon or not rest.strip() or "`" in label or len(label.split()) > 3:
        return None
    if rest.startswith("//"):
        return None
    known = (*SYMPTOM_WORDS, *CAUSE_WORDS, *PART_LABEL_WORDS)
    return (label.strip(), rest.strip()) if has_word(label, known) else None


def plain_label(text: str) -> bool:
    """'Symptoms:' written without bold still reads as a label when short."""
    stripped = text.strip()
    return (
        stripped.endswith(":")
        and len(stripped.split()) <= PLAIN_LABEL_WORDS
        and len(stripped) > 1
        and "`" not in stripped
    )


def label_only(block: Block) -> bool:
    if block.kind != "paragraph" or block.inline is None:
        return False
    return (block.inline.label is not None and not block.inline.rest) or (
        block.inline.label is None and plain_label(block.inline.text)
    )
