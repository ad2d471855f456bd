"""Turning the blocks of one runbook section into a Scenario, keeping the runbook's words.

The builder is fed headings, bold labels ("**Investigation:**") and blocks in document
order. A label or heading decides where what follows goes: symptoms, cause→fix rows,
contacts, or a new phase named after it ("Troubleshooting Steps: Stripe Webhook Issues"
when the label sits under a sub-heading). List items become steps (their code blocks the
step's commands, their sub-items its notes), code blocks become steps through
`runbook_parts.read_code`, tables are sorted by header, paragraphs become notes. Nothing
is written that the runbook does not say; what cannot be placed is reported as skipped.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from warroom.model.scenario import CauseFix, Contact, Link, Phase, Scenario, Step
from warroom.scenarios.markdown_blocks import Block, Item
from warroom.scenarios.runbook_labels import (
    NOTE_LABEL_WORDS,
    PART_LABEL_WORDS,
    SKIP_LABEL_WORDS,
    VAGUE_LABELS,
    context_title,
    label_kind,
    label_only,
    names_a_part,
    plain_label,
    plain_labelled,
)
from warroom.scenarios.runbook_parts import (
    code_commands,
    read_code,
    table_causes,
    table_contacts,
    table_links,
)
from warroom.scenarios.runbook_structure import (
    inline_commands,
    is_command_code,
    numbered_paragraph,
    table_steps,
)
from warroom.scenarios.text_repair import strip_controls
from warroom.scenarios.words import (
    has_word,
    matched_word,
    slugify,
    starts_with_verb,
    tidy,
    words_of,
)

ARROWS = (" → ", "→", " -> ", " => ")
MAX_SYMPTOM_CODE = 300
DEFAULT_PHASE = "Steps"  # the title of a phase the runbook does not name


@dataclass
class _PhaseDraft:
    title: str
    line: int
    steps: list[Step] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


SUMMARY = _PhaseDraft(title="", line=0)  # where notes under "Impact" or "Meaning" go


@dataclass
class Skip:
    line: int
    what: str
    why: str

    def __str__(self) -> str:
        return (
            f"line {self.line}: {self.what}: {self.why}"
            if self.line
            else f"{self.what}: {self.why}"
        )


class ScenarioBuilder:
    """Collects one scenario's parts from a stream of headings, labels and blocks."""

    def __init__(self) -> None:
        self.phases: list[_PhaseDraft] = []
        self.symptoms: list[str] = []
        self.causes: list[CauseFix] = []
        self.contacts: list[Contact] = []
        self.links: list[Link] = []
        self.summary = ""
        self.skipped: list[Skip] = []
        self.target = "none"  # none | phase | symptoms | causes | contacts
        self.context = ""
        self.contact_label = ""
        self.pending_notes: list[str] = []
        self.notes_label = ""
        self.notes_into: _PhaseDraft | None = None
        self.symptoms_inline = False
        self.open_step: Step | None = None

    # -- where things go -------------------------------------------------------------

    def heading(self, title: str, line: int, *, phase_title: str | None = None) -> None:
        """A heading inside the scenario: switches target, or opens a phase of that name.

        With `phase_title` (a section of the general procedure) it always opens a phase.
        """
        title = tidy(title)
        kind = "phase" if phase_title else self._kind(title)
        self.context = phase_title or title
        self.contact_label = ""
        if kind != "phase":
            self.target = kind
            self.symptoms_inline = False
            return
        if not phase_title and context_title(title):
            self.target, self.notes_label, self.notes_into = "notes", title, SUMMARY
            return
        self.start_phase(self.context or DEFAULT_PHASE, line, carry=False)

    def section(
        self, title: str, line: int, blocks: list[Block], *, phase_title: str | None = None
    ) -> None:
        """A heading and its blocks. A lone label opening the section introduces it."""
        self.heading(title, line, phase_title=phase_title)
        labels = [b for b in blocks if label_only(b)]
        for index, block in enumerate(blocks):
            lone = index == 0 and len(labels) == 1 and labels[0] is block
            if lone and self.target == "phase" and block.inline is not None:
                label = block.inline.label or block.inline.text
                if self._kind(label) == "phase" and not has_word(label, NOTE_LABEL_WORDS):
                    self.phases[-1].notes.append(_clean(block.inline.text))
                    continue
            self.block(block)

    def label(self, label: str, rest: str, line: int) -> None:
        label = tidy(label)
        kind = self._kind(label)
        if self.target == "contacts" and kind == "phase":
            kind = "contacts"
        if rest:
            if kind == "symptoms":
                self._add(self.symptoms, rest)
                self.target = "symptoms"
                self.symptoms_inline = True
            elif kind == "causes":
                self._cause_text(rest)
            elif kind == "contacts":
                self.contacts.append(Contact(role=_clean(label) or "Contact", reach=_clean(rest)))
            elif has_word(label, PART_LABEL_WORDS) and (
                starts_with_verb(rest) or inline_commands(rest)
            ):
                context = self.context
                title = f"{context}: {label}" if context and context != label else label
                self._append_step(self.start_phase(title, line), rest, [])
            else:
                self.note(f"{label}: {rest}", line)
            return
        if self.target == "symptoms" and kind != "symptoms" and not names_a_part(label):
            return  # "What the on-call engineer will see:" introduces the symptoms
        if kind == "contacts":
            self.target, self.contact_label = "contacts", label
            return
        if kind == "phase" and has_word(label, NOTE_LABEL_WORDS):
            into = self.phases[-1] if self.target == "phase" and self.phases else None
            self.target, self.notes_label, self.notes_into = "notes", label, into
            return
        if kind != "phase":
            self.target = kind
            self.symptoms_inline = False
            return
        vague = set(words_of(label).split()) <= VAGUE_LABELS
        if vague and self.target == "phase" and self.phases and not self.phases[-1].steps:
            return  # "**Commands**:" over the block of the step being written
        skip_word = matched_word(label, SKIP_LABEL_WORDS) if kind == "phase" else None
        if skip_word:
            self.target = "skip"
            self.skipped.append(Skip(line, f"'{label}'", f"{skip_word}s are not steps"))
            return
        context = self.context
        title = f"{context}: {label}" if context and context != label else label
        self.start_phase(title, line)

    def start_phase(self, title: str, line: int, *, carry: bool = True) -> _PhaseDraft:
        """A new phase; an empty phase before it is dropped, its notes carried over."""
        carried = list(self.pending_notes)
        self.pending_notes.clear()
        if self.phases and not self.phases[-1].steps and (carry or not self.phases[-1].notes):
            carried = self.phases[-1].notes + carried
            self.phases.pop()
        draft = _PhaseDraft(title=_clean(title) or DEFAULT_PHASE, line=line, notes=carried)
        self.phases.append(draft)
        self.target = "phase"
        return draft

    def current_phase(self, line: int) -> _PhaseDraft:
        if self.target != "phase" or not self.phases:
            return self.start_phase(self.context or DEFAULT_PHASE, line)
        return self.phases[-1]

    def note(self, text: str, line: int) -> None:
        text = _clean(text)
        if not text:
            return
        if self.target == "phase" and self.phases:
            self.phases[-1].notes.append(text)
        elif self.target == "notes":
            self._labelled_note([text])
        elif self.target == "none" and not self.summary and not self.phases:
            self.summary = text
        elif self.target == "symptoms":
            self._add(self.symptoms, text)
        else:
            self.pending_notes.append(text)

    # -- blocks ----------------------------------------------------------------------

    def block(self, block: Block) -> None:
        if block.kind != "code":
            self.open_step = None  # only a block right after a step can be its command
        if self.target in {"none", "phase"}:
            numbered = numbered_paragraph(block)
            if numbered:
                phase = self.current_phase(block.line)
                for text in numbered:
                    self._append_step(phase, text, [])
                self.open_step = phase.steps[-1] if phase.steps else None
                return
        if block.kind == "paragraph" and block.inline is not None:
            lines = block.inline.lines
            if len(lines) > 1 and all(line.label and line.rest for line in lines):
                for line in lines:
                    self.label(line.label or "", line.rest, block.line)
                    self.add_links(line.links)
                return
            plain = [plain_labelled(line.text) for line in lines or [block.inline]]
            if block.inline.label is None and plain and all(plain):
                for found in plain:
                    if found is not None:
                        self.label(found[0], found[1], block.line)
                self.add_links(block.inline.links)
                return
            label = block.inline.label
            if label is None and plain_label(block.inline.text):
                label = block.inline.text.rstrip().rstrip(":")
            if label is not None:
                self.label(label, block.inline.rest if block.inline.label else "", block.line)
            else:
                self.note(block.inline.text, block.line)
            self.add_links(block.inline.links)
        elif block.kind == "heading" and block.inline is not None:
            self.label(block.inline.text, "", block.line)
        elif block.kind == "list":
            self.list_items(block.items, block.line)
        elif block.kind == "code":
            self.code(block)
        elif block.kind == "table":
            self.table(block)
        elif block.kind == "quote":
            # An admonition's label ("> **Warning:**") reaches only what the quote holds.
            saved = (self.target, self.notes_label, self.notes_into)
            for child in block.children:
                self.block(child)
            if self.target == "notes":
                self.target, self.notes_label, self.notes_into = saved

    def list_items(self, items: list[Item], line: int) -> None:
        if self.target == "skip":
            self.skipped.append(Skip(line, "list", "under a label that is not steps"))
            return
        if self.target == "notes":
            self._labelled_note([f"- {text}" for item in items for text in _item_texts(item)])
            return
        base_title = ""
        for item in items:
            self.add_links(item.inline.links)
            if self.target == "symptoms":
                self._add(self.symptoms, item.inline.text)
                for nested in _nested_texts(item):
                    self._add(self.symptoms, nested)
            elif self.target == "causes":
                self._cause_item(item)
            elif self.target == "contacts":
                self._contact_item(item)
            else:
                base_title = base_title or self.current_phase(item.line).title
                self._step_item(item, base_title)

    def code(self, block: Block) -> None:
        if self.target == "symptoms" and self.symptoms_inline and is_command_code(block):
            # "**Symptoms:** X in the logs" then commands: the commands are the steps.
            self.start_phase(self.context or DEFAULT_PHASE, block.line)
        elif self.target == "symptoms" and not self.symptoms_inline and block.code.strip():
            # The block under a "Symptoms:" label is what the IC sees (output, an error).
            self._add(self.symptoms, block.code[:MAX_SYMPTOM_CODE])
            return
        if self.target in {"symptoms", "causes", "contacts", "skip", "notes"}:
            why = f"code under a {self.target} label is not a step"
            self.skipped.append(Skip(block.line, f"{block.lang or 'code'} block", why))
            return
        fallback = self.phases[-1].title if self.target == "phase" and self.phases else ""
        fallback = "" if fallback == DEFAULT_PHASE else fallback
        first_line = next((ln.strip() for ln in block.code.splitlines() if ln.strip()), "")
        fallback = fallback or self.context or first_line[:80]
        reading = read_code(block.code, block.lang, fallback)
        if reading.skipped:
            self.skipped.append(Skip(block.line, "code block", reading.skipped))
            return
        phase = self.current_phase(block.line)
        if reading.notes:
            phase.notes.append(_clean_block(reading.notes))
        last = phase.steps[-1] if phase.steps else None
        if (
            last is not None
            and self.open_step is last
            and not last.commands
            and len(reading.steps) == 1
            and reading.steps[0].text == fallback
        ):
            # "1. Check the agents:" then a fenced block at the margin: the item's command.
            commands = tuple(c for c in (_clean_block(c) for c in reading.steps[0].commands) if c)
            phase.steps[-1] = replace(last, commands=commands)
            self.open_step = None
            return
        self.open_step = None
        for found in reading.steps:
            self._append_step(phase, found.text, found.commands, found.notes)

    def table(self, block: Block) -> None:
        causes = table_causes(block.header, block.rows)
        if causes is not None:
            self.causes.extend(_clean_cause(c) for c in causes if _clean(c.cause))
            return
        contacts = table_contacts(block.header, block.rows)
        if contacts is not None:
            self.contacts.extend(
                Contact(_clean(c.role), _clean(c.reach), _clean(c.when), _clean(c.notes))
                for c in contacts
                if _clean(c.role)
            )
            return
        found = table_steps(block.header, block.rows)
        if found and self.target not in {"symptoms", "causes", "contacts", "skip"}:
            phase = self.current_phase(block.line)
            for step in found:
                self._append_step(phase, step.text, step.commands, step.notes)
            return
        links = table_links(block.header, block.rows)
        if links is not None:
            self.links.extend(Link(_clean(k.title), _clean(k.url)) for k in links if _clean(k.url))
            return
        columns = ", ".join(block.header) or "no header"
        self.skipped.append(Skip(block.line, f"table ({columns})", "not steps, causes or contacts"))

    # -- the result ------------------------------------------------------------------

    def build(self, scenario_id: str, title: str, source: str) -> Scenario | None:
        if self.pending_notes and self.phases:
            self.phases[-1].notes.extend(self.pending_notes)
            self.pending_notes.clear()
        phases: list[Phase] = []
        used: set[str] = set()
        for draft in self.phases:
            notes = "\n\n".join(draft.notes)
            if not draft.steps and not notes:
                continue
            phase_id = _unique(slugify(draft.title) or "phase", used)
            steps = tuple(
                Step(
                    id=f"{phase_id}-{n}",
                    text=s.text,
                    commands=s.commands,
                    notes=s.notes,
                )
                for n, s in enumerate(draft.steps, start=1)
            )
            phases.append(Phase(id=phase_id, title=draft.title, steps=steps, notes=notes))
        if not phases:
            return None
        return Scenario(
            id=scenario_id,
            title=_clean(title) or scenario_id,
            phases=tuple(phases),
            summary=self.summary,
            symptoms=tuple(dict.fromkeys(self.symptoms)),
            causes=tuple(dict.fromkeys(self.causes)),
            contacts=tuple(dict.fromkeys(self.contacts)),
            links=tuple({link.url: link for link in self.links}.values()),
            source=source,
        )

    # -- helpers ---------------------------------------------------------------------

    def _kind(self, label: str) -> str:
        return label_kind(label)

    def _add(self, bucket: list[str], text: str) -> None:
        text = _clean(text)
        if text:
            bucket.append(text)

    def add_links(self, links: list[tuple[str, str]]) -> None:
        for text, href in links:
            if href.startswith(("http://", "https://")):
                self.links.append(Link(title=_clean(text) or href, url=_clean(href)))

    def _append_step(
        self, phase: _PhaseDraft, text: str, commands: list[str], notes: str = ""
    ) -> None:
        text = _clean(text)
        commands = [*commands, *(c for c in inline_commands(text) if c not in commands)]
        cleaned = tuple(c for c in (_clean_block(c) for c in commands) if c.strip())
        if not text:
            if not cleaned:
                return
            text = phase.title
        phase.steps.append(Step(id="", text=text, commands=cleaned, notes=_clean_block(notes)))

    def _labelled_note(self, lines: list[str]) -> None:
        lines = [line for line in (_clean(text) for text in lines) if line.strip("- ")]
        if not lines:
            return
        note = "\n".join([f"{self.notes_label}:", *lines])
        if self.notes_into is SUMMARY:
            # "Impact", "Meaning": what the incident is, read before any step.
            self.summary = "\n\n".join(part for part in (self.summary, note) if part)
        elif self.notes_into is not None and self.notes_into in self.phases:
            self.notes_into.notes.append(note)
        else:
            self.pending_notes.append(note)

    def _step_item(self, item: Item, base_title: str) -> None:
        text = item.inline.text.strip()
        lists = [b for b in item.blocks if b.kind == "list"]
        codes = [b for b in item.blocks if b.kind == "code"]
        if lists and not codes and text and (text.endswith(":") or item.inline.all_strong):
            self.start_phase(f"{base_title}: {tidy(text)}", item.line)
            for nested in lists:
                self.list_items(nested.items, nested.line)
            return
        commands = [cmd for block in codes for cmd in code_commands(block.code, block.lang)]
        notes = [
            f"- {line}" if block.kind == "list" else line
            for block in item.blocks
            if block.kind in {"list", "paragraph", "quote"}
            for line in _block_lines(block)
        ]
        phase = self.current_phase(item.line)
        self._append_step(phase, text, commands, "\n".join(notes))
        if not commands and phase.steps and phase.steps[-1].text == _clean(text):
            self.open_step = phase.steps[-1]

    def _cause_text(self, text: str) -> None:
        for arrow in ARROWS:
            if arrow in text:
                cause, fix = text.split(arrow, 1)
                if _clean(cause):
                    self.causes.append(CauseFix(_clean(cause).rstrip(":"), _clean(fix)))
                    return
        if _clean(text):
            self.causes.append(CauseFix(_clean(text).rstrip(":")))

    def _cause_item(self, item: Item) -> None:
        nested = _nested_texts(item)
        fixes = [t.lstrip("→->= ").strip() for t in nested if t.startswith(("→", "->", "=>"))]
        details = [t for t in nested if not t.startswith(("→", "->", "=>"))]
        text = item.inline.text
        if details:
            text = f"{text.rstrip(':')}: {'; '.join(details)}"
        if fixes:
            text = f"{text} → {'; '.join(fixes)}"
        self._cause_text(text)

    def _contact_item(self, item: Item) -> None:
        text = item.inline.text
        if self.contact_label:
            previous = next(
                (c for c in reversed(self.contacts) if c.role == self.contact_label), None
            )
            if previous is not None:
                self.contacts.remove(previous)
                text = f"{previous.reach}; {text}"
            self.contacts.append(Contact(role=self.contact_label, reach=_clean(text)))
        elif ":" in text:
            role, reach = text.split(":", 1)
            if _clean(role):
                self.contacts.append(Contact(role=_clean(role), reach=_clean(reach)))


def _item_texts(item: Item) -> list[str]:
    return [t for t in [item.inline.text, *_nested_texts(item)] if t.strip()]


def _nested_texts(item: Item) -> list[str]:
    texts = []
    for block in item.blocks:
        if block.kind == "list":
            for nested in block.items:
                texts.append(nested.inline.text)
                texts.extend(_nested_texts(nested))
    return [t for t in texts if t.strip()]


def _block_lines(block: Block) -> list[str]:
    if block.kind == "paragraph" and block.inline is not None:
        return [block.inline.text]
    if block.kind == "list":
        lines = []
        for item in block.items:
            lines.append(item.inline.text)
            lines.extend(_nested_texts(item))
        return [line for line in lines if line.strip()]
    if block.kind == "quote":
        return [line for child in block.children for line in _block_lines(child)]
    return []


def _clean(text: str) -> str:
    return " ".join(strip_controls(text).split())


def _clean_block(text: str) -> str:
    """Control characters out, trailing spaces off, inner lines and indentation kept."""
    lines = strip_controls(text.expandtabs(4)).split("\n")
    return "\n".join(line.rstrip() for line in lines).strip("\n")


def _clean_cause(cause: CauseFix) -> CauseFix:
    return CauseFix(_clean(cause.cause), _clean(cause.fix))


def _unique(base: str, used: set[str]) -> str:
    candidate, n = base, 2
    while candidate in used:
        candidate = f"{base}-{n}"
        n += 1
    used.add(candidate)
    return candidate


__all__ = ["ScenarioBuilder", "Skip"]
