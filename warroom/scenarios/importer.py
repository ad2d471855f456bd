"""`warroom import-runbook`: a team's Markdown runbook in, scenario files out.

How sections are read (headings at any depth):

- an **incident section** has a Symptoms part, or (outside a general procedure) two of
  investigation / causes / mitigation parts, given as sub-headings or bold labels, and no
  incident sections inside it. Each becomes one scenario.
- **reference material** (severity tables, roles, templates, tools, monitoring, change
  logs...) is skipped, except contacts and links, which go to the general scenario.
- everything else that holds steps is the runbook's **general response procedure**,
  written as one scenario (id `<prefix>-general`) with a phase per section.

Text is decoded and repaired first (`text_repair`), Markdown parsed by markdown-it-py
(`markdown_blocks`), and each scenario assembled by `scenario_builder`. Every scenario is
checked with the same validator `warroom scenarios validate` uses before it is written.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from warroom.model.scenario import Scenario
from warroom.scenarios.markdown_blocks import Section, parse_markdown
from warroom.scenarios.runbook_parts import strip_ordinal, table_causes, table_contacts
from warroom.scenarios.scenario_builder import (
    CONTACT_WORDS,
    SYMPTOM_WORDS,
    ScenarioBuilder,
    Skip,
)
from warroom.scenarios.schema import parse_scenario_text
from warroom.scenarios.text_repair import RunbookTextError, decode_runbook
from warroom.scenarios.words import has_word, matched_word, slugify, tidy, words_of
from warroom.scenarios.writer import dump_scenario

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
VAGUE_WORDS = {"checklist", "steps", "commands", "procedure", "process", "actions", "tasks"}
SHORT_TITLE_WORDS = 3


class RunbookImportError(ValueError):
    """A runbook the importer cannot use; the message is one line for the user."""


@dataclass
class ImportResult:
    """What an import produced: scenarios, what was skipped, what was repaired."""

    source: str
    scenarios: list[Scenario] = field(default_factory=list)
    skipped: list[Skip] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def incident_count(self) -> int:
        return sum(1 for s in self.scenarios if not s.id.endswith("general"))


def import_runbook(path: Path, prefix: str | None = None) -> ImportResult:
    """Read a Markdown runbook file and turn it into scenarios (nothing written yet)."""
    try:
        data = path.read_bytes()
    except IsADirectoryError:
        raise RunbookImportError(f"{path}: is a folder, not a Markdown file") from None
    except OSError as error:
        raise RunbookImportError(f"{path}: cannot read ({error.strerror or error})") from None
    chosen = slugify(path.stem, 32) if prefix is None else slugify(prefix, 32)
    return import_runbook_bytes(data, path.name, chosen, display=str(path))


def import_runbook_bytes(
    data: bytes, source: str, prefix: str = "", *, display: str | None = None
) -> ImportResult:
    """Scenarios from runbook bytes; `source` names the file in the scenarios it writes."""
    try:
        text, repair = decode_runbook(data)
    except RunbookTextError as error:
        raise RunbookImportError(f"{display or source}: {error}") from None
    result = _Importer(source, prefix, display or source).run(text)
    result.notes = repair.describe()
    return result


def write_scenarios(result: ImportResult, out_dir: Path, *, force: bool = False) -> list[Path]:
    """Write each scenario as `<id>.toml` in `out_dir`; refuse to overwrite unless forced."""
    texts = {}
    for scenario in result.scenarios:
        header = (
            f"Imported from {result.source} by `warroom import-runbook`. The wording is the\n"
            "runbook's own: review it, then add services, severity_hint and min_severity."
        )
        text = dump_scenario(scenario, header)
        checked, problems = parse_scenario_text(text, f"{scenario.id}.toml")
        errors = [str(p) for p in problems if p.is_error]
        if checked is None or errors:
            raise RunbookImportError(f"internal error: {errors[0] if errors else scenario.id}")
        texts[out_dir / f"{scenario.id}.toml"] = text
    existing = [path for path in texts if path.exists()]
    if existing and not force:
        names = ", ".join(path.name for path in existing[:3])
        more = f" and {len(existing) - 3} more" if len(existing) > 3 else ""
        raise RunbookImportError(f"{out_dir}: {names}{more} already exist (use --force)")
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        for path, text in texts.items():
            path.write_text(text, encoding="utf-8")
    except OSError as error:
        raise RunbookImportError(f"{out_dir}: cannot write ({error.strerror or error})") from None
    return list(texts)


class _Importer:
    def __init__(self, source: str, prefix: str, display: str) -> None:
        self.source = source
        self.display = display
        self.prefix = prefix
        self.general = ScenarioBuilder()
        self.incidents: list[Section] = []
        self.skipped: list[Skip] = []
        self.used_ids: set[str] = set()

    def run(self, text: str) -> ImportResult:
        root = parse_markdown(text)
        self.kinds: dict[int, set[str]] = {}
        self.has_incident: dict[int, bool] = {}
        self.title_section = _title_section(root)
        self._mark(root, inside_general=False)
        self._visit(root)
        if not self.incidents:
            raise RunbookImportError(
                f"{self.display}: no incident sections found (an incident section is a heading"
                " with a Symptoms part, or with two of: investigation, causes, mitigation)"
            )
        result = ImportResult(source=self.source)
        for section in self.incidents:
            scenario = self._incident(section)
            if scenario is not None:
                result.scenarios.append(scenario)
        general = self.general.build(
            self._unique_id("general"), _document_title(root, self.source), self.source
        )
        if general is not None:
            result.scenarios.insert(0, general)
        elif self.general.contacts or self.general.links:
            self.skipped.append(Skip(0, "contacts and links", "no general procedure to hold them"))
        if not result.scenarios:
            raise RunbookImportError(f"{self.display}: the incident sections hold no steps")
        result.skipped = self.skipped + self.general.skipped
        return result

    # -- classification --------------------------------------------------------------

    def _mark(self, section: Section, inside_general: bool) -> bool:
        """Find incident sections bottom-up; returns whether `section` holds one."""
        general_here = inside_general or (
            section.level > 0
            and section is not self.title_section
            and _is_general_title(section.title)
        )
        below = [self._mark(child, general_here) for child in section.children]
        parts = _part_kinds(section)
        holds = any(below)
        is_incident = (
            section.level > 0
            and not holds
            and not _is_part_title(section.title)
            and (
                "symptoms" in parts
                or (not general_here and len(parts & {"checks", "causes", "fixes"}) >= 2)
            )
        )
        self.kinds[id(section)] = {"incident"} if is_incident else set()
        self.has_incident[id(section)] = holds or is_incident
        return holds or is_incident

    def _visit(self, section: Section) -> None:
        if "incident" in self.kinds[id(section)]:
            self.incidents.append(section)
            return
        if section.level > 0 and not self.has_incident[id(section)] and _is_skip(section.title):
            self._reference(section)
            return
        if section.level > 0 or section.blocks:
            self._general_section(section)
        for child in section.children:
            self._visit(child)

    # -- the general procedure -------------------------------------------------------

    def _general_section(self, section: Section) -> None:
        builder = self.general
        if section.level <= 1 or not section.blocks:
            # A document title or a heading with nothing of its own: intro text only.
            builder.context = ""
            builder.target = "none"
            for block in section.blocks:
                if block.kind == "quote":
                    self.skipped.append(Skip(block.line, "quote", "front-page text, not steps"))
                else:
                    builder.block(block)
            return
        title = _general_phase_title(section)
        builder.section(section.title, section.line, section.blocks, phase_title=title)

    def _reference(self, section: Section) -> None:
        """Skipped reference material; contacts and links are kept for the general scenario."""
        if has_word(section.title, CONTACT_WORDS) or _has_contact_table(section):
            for node in section.walk():
                self.general.heading(node.title, node.line)
                self.general.target = "contacts"
                for block in node.blocks:
                    if block.kind in {"table", "list"} or _labelled(block):
                        self.general.block(block)
            self.general.target = "none"
            return
        why = f"reference material ({matched_word(section.title, SKIP_WORDS)})"
        if has_word(section.title, ("link", "status page", "dashboard", "resource", "related")):
            for node in section.walk():
                for block in node.blocks:
                    self._collect_links(block)
            why += "; its links are kept in the general scenario"
        self.skipped.append(Skip(section.line, f"section '{tidy(section.title)}'", why))

    def _collect_links(self, block) -> None:
        if block.kind == "table":
            self.general.table(block)
        elif block.kind == "list":
            for item in block.items:
                self.general.add_links(item.inline.links)
        elif block.kind == "paragraph" and block.inline is not None:
            self.general.add_links(block.inline.links)

    # -- incidents -------------------------------------------------------------------

    def _incident(self, section: Section) -> Scenario | None:
        builder = ScenarioBuilder()
        for block in section.blocks:
            builder.block(block)
        for child in section.children:
            for node in child.walk():
                builder.section(node.title, node.line, node.blocks)
        title = _incident_title(section)
        source = f"{self.source}, line {section.line}: {tidy(section.title)}"
        scenario = builder.build(
            self._unique_id(slugify(title) or f"line-{section.line}"), title, source
        )
        self.skipped.extend(builder.skipped)
        if scenario is None:
            self.skipped.append(
                Skip(section.line, f"incident '{title}'", "no steps found; not written")
            )
        return scenario

    def _unique_id(self, base: str) -> str:
        base = f"{self.prefix}-{base}" if self.prefix else base
        base = base[:72].rstrip("-_") or "runbook"
        candidate, n = base, 2
        while candidate in self.used_ids:
            candidate = f"{base}-{n}"
            n += 1
        self.used_ids.add(candidate)
        return candidate


def _labelled(block) -> bool:
    inline = block.inline if block.kind == "paragraph" else None
    return inline is not None and (bool(inline.label) or any(ln.label for ln in inline.lines))


def _part_kinds(section: Section) -> set[str]:
    """The kinds of parts a section's labels and sub-headings name."""
    names = [node.title for node in section.walk() if node is not section]
    for node in section.walk():
        for block in node.blocks:
            if block.kind == "paragraph" and block.inline is not None:
                if block.inline.label:
                    names.append(block.inline.label)
                elif block.inline.text.rstrip().endswith(":") and len(block.inline.text) < 60:
                    names.append(block.inline.text)
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


def _is_part_title(title: str) -> bool:
    """'Symptoms', 'Investigation'... name a part of an incident, not an incident."""
    words = words_of(tidy(title)).split()
    return len(words) <= 3 and (
        has_word(title, SYMPTOM_WORDS) or (has_word(title, CHECK_WORDS) and len(words) == 1)
    )


def _is_general_title(title: str) -> bool:
    return has_word(title, GENERAL_WORDS)


def _is_skip(title: str) -> bool:
    return has_word(title, SKIP_WORDS)


def _has_contact_table(section: Section) -> bool:
    return any(
        block.kind == "table"
        and table_causes(block.header, block.rows) is None
        and table_contacts(block.header, block.rows) is not None
        for node in section.walk()
        for block in node.blocks
    )


def _general_phase_title(section: Section) -> str:
    title = tidy(section.title)
    parent = section.parent
    words = words_of(title).split()
    vague = set(words) <= VAGUE_WORDS or len(words) <= SHORT_TITLE_WORDS
    if parent is not None and parent.level > 1 and vague:
        return f"{tidy(parent.title)}: {title}"
    return title


def _incident_title(section: Section) -> str:
    title = strip_ordinal(tidy(section.title))
    head, _, rest = title.partition(" ")
    number, _, tail = rest.partition(" ")
    if head.casefold() in {"scenario", "incident", "case"} and number.rstrip(":.").isdigit():
        title = tail.strip() or title
    return title or f"Section at line {section.line}"


def _title_section(root: Section) -> Section | None:
    """The heading that names the whole document, if one does (a lone top heading)."""
    if len(root.children) == 1 and root.children[0].children:
        return root.children[0]
    return None


def _document_title(root: Section, source: str) -> str:
    for node in root.walk():
        if node.level >= 1 and tidy(node.title):
            return tidy(node.title)
    return Path(source).stem
