"""`warroom import-runbook`: a team's Markdown runbook in, scenario files out.

Sections are classified by structure first (`runbook_classify`): a section whose blocks
hold an actionable list, commands or a step table is a procedure; a procedure under a
heading that names a failure, a section with the parts of an incident (Symptoms,
investigation, mitigation...), or one of several sibling procedures is an **incident** and
becomes one scenario. Reference material (severity tables, roles, templates...) is skipped,
except contacts and links; the rest is the runbook's **general response procedure**, one
scenario (`<prefix>-general`) with a phase per section. A document with no incident but
with procedures becomes one scenario named after its title. `ImportResult.readings` says
how each section was read and why (`warroom import-runbook --explain`).

Text is decoded and repaired first (`text_repair`), Markdown parsed by markdown-it-py
(`markdown_blocks`), and each scenario assembled by `scenario_builder`. Every scenario is
checked with the same validator `warroom scenarios validate` uses before it is written.
The work grows linearly with the file; files over `MAX_RUNBOOK_BYTES` and runbooks that
would give more than `MAX_SCENARIOS` files are refused with one line saying so.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

from warroom.model.scenario import Scenario
from warroom.scenarios.markdown_blocks import Section, parse_markdown
from warroom.scenarios.runbook_classify import (
    Classification,
    Reading,
    classify,
    is_general_title,
    is_reference_title,
    reference_word,
)
from warroom.scenarios.runbook_labels import CONTACT_WORDS, part_role
from warroom.scenarios.runbook_parts import strip_ordinal, table_causes, table_contacts
from warroom.scenarios.scenario_builder import ScenarioBuilder, Skip
from warroom.scenarios.schema import parse_scenario_text
from warroom.scenarios.text_repair import RunbookTextError, decode_runbook
from warroom.scenarios.words import (
    has_word,
    slugify,
    strip_incident_prefix,
    strip_ordinal_prefix,
    tidy,
    words_of,
)
from warroom.scenarios.writer import dump_scenario

VAGUE_WORDS = {"checklist", "steps", "commands", "procedure", "process", "actions", "tasks"}
SHORT_TITLE_WORDS = 3


COMMS_WORDS = ("communication", "comms", "stakeholder")
MAX_RUNBOOK_BYTES = 5_000_000
MAX_SCENARIOS = 2000


class RunbookImportError(ValueError):
    """A runbook the importer cannot use; the message is one line for the user.

    `readings` says how the sections were read, when it got that far (for `--explain`).
    """

    def __init__(self, message: str, readings: list[Reading] | None = None) -> None:
        super().__init__(message)
        self.readings = readings or []


@dataclass
class ImportResult:
    """What an import produced: scenarios, what was skipped, what was repaired, and why."""

    source: str
    scenarios: list[Scenario] = field(default_factory=list)
    skipped: list[Skip] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    readings: list[Reading] = field(default_factory=list)


def import_runbook(path: Path, prefix: str | None = None) -> ImportResult:
    """Read a Markdown runbook file and turn it into scenarios (nothing written yet)."""
    try:
        size = path.stat().st_size
        if path.is_file() and size > MAX_RUNBOOK_BYTES:
            raise RunbookImportError(f"{path}: {_too_big(size)}")
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
    if len(data) > MAX_RUNBOOK_BYTES:
        raise RunbookImportError(f"{display or source}: {_too_big(len(data))}")
    try:
        text, repair = decode_runbook(data)
    except RunbookTextError as error:
        raise RunbookImportError(f"{display or source}: {error}") from None
    result = _Importer(source, prefix, display or source).run(text)
    result.notes = repair.describe()
    return result


def _too_big(size: int) -> str:
    return (
        f"{size / 1e6:.1f} MB is more than the {MAX_RUNBOOK_BYTES / 1e6:.0f} MB a runbook"
        " may be (split it into one file per service or team)"
    )


def write_scenarios(result: ImportResult, out_dir: Path, *, force: bool = False) -> list[Path]:
    """Write each scenario as `<id>.toml` in `out_dir`; refuse to overwrite unless forced."""
    if len(result.scenarios) > MAX_SCENARIOS:
        raise RunbookImportError(_too_many(result.source, len(result.scenarios)))
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


def _too_many(source: str, count: int) -> str:
    return (
        f"{source}: {count} incident sections would make {count} scenario files; at most"
        f" {MAX_SCENARIOS} are written from one runbook (split it)"
    )


class _Importer:
    def __init__(self, source: str, prefix: str, display: str) -> None:
        self.source = source
        self.display = display
        self.prefix = prefix
        self.general = ScenarioBuilder()
        self.skipped: list[Skip] = []
        self.readings: list[Reading] = []
        self.used_ids: dict[str, int] = {}
        self.found = Classification()

    def run(self, text: str) -> ImportResult:
        root = parse_markdown(text)
        self.found = classify(root)
        incidents = self.found.incidents
        whole = not incidents and self.found.holds_procedure[id(root)]
        if not incidents and not whole:
            for node in root.walk():
                if node.level > 0:
                    self._read(node, "skipped", "no ordered list, checklist, actions or commands")
            raise RunbookImportError(
                f"{self.display}: no incident sections found, and no steps (a section is read as"
                " steps when it holds an ordered list, a checklist, commands or a step table;"
                " see --explain)",
                self.readings,
            )
        if len(incidents) > MAX_SCENARIOS:
            raise RunbookImportError(_too_many(self.display, len(incidents)))
        self._visit(root)
        result = ImportResult(source=self.source, readings=self.readings)
        for section in incidents:
            scenario = self._incident(section)
            if scenario is not None:
                result.scenarios.append(scenario)
        title = _document_title(root, self.source)
        if whole:
            title = _incident_title_text(title) or title
            base = slugify(title) or "runbook"
            general = self.general.build(self._unique_id(base), title, self.source)
            for reading in self.readings:
                if reading.kind == "general":
                    reading.kind = "procedure"
                    reading.why = reading.why.replace(
                        "the general procedure", "the document's one procedure (no incidents)"
                    )
        else:
            general = self.general.build(self._unique_id("general"), title, self.source)
        if general is not None:
            result.scenarios.insert(0, general)
        elif self.general.contacts or self.general.links:
            # No general procedure to hold them: every incident gets the runbook's contacts.
            result.scenarios = [
                replace(
                    scenario,
                    contacts=tuple(dict.fromkeys((*scenario.contacts, *self.general.contacts))),
                    links=tuple(
                        {k.url: k for k in (*scenario.links, *self.general.links)}.values()
                    ),
                )
                for scenario in result.scenarios
            ]
        if not result.scenarios:
            raise RunbookImportError(f"{self.display}: the incident sections hold no steps")
        result.skipped = self.skipped + self.general.skipped
        return result

    def _read(self, section: Section, kind: str, why: str) -> None:
        self.readings.append(Reading(section, kind, why))

    # -- walking the sections --------------------------------------------------------

    def _visit(self, section: Section) -> None:
        key = id(section)
        if key in self.found.reasons:
            self._read(section, "incident", self.found.reasons[key])
            for node in section.walk():
                if node is not section:
                    what = part_role(node.title)
                    self._read(node, "part", f"of incident '{_incident_title(section)}': {what}")
            return
        holds_incident = any(
            node is not section and id(node) in self.found.reasons for node in section.walk()
        )
        if section.level > 0 and not holds_incident and _is_reference(section, self.found):
            self._reference(section)
            return
        if section.level > 0 or section.blocks:
            self._general_section(section, holds_incident)
        for child in section.children:
            self._visit(child)

    # -- the general procedure -------------------------------------------------------

    def _general_section(self, section: Section, holds_incident: bool) -> None:
        builder = self.general
        own = self.found.procedure[id(section)]
        if section.level <= 1 or not section.blocks:
            # A document title or a heading with nothing of its own: intro text only.
            if section.level == 0:
                self._read(section, "general", "text before the first heading: intro")
            elif not section.blocks:
                why = "holds incidents" if holds_incident else "a heading with no text of its own"
                if section is self.found.title_section:
                    why = f"the document's title; {why}"
                self._read(section, "title" if section.level <= 1 else "empty", why)
            elif own:
                self._read(section, "title", f"the document's title; it holds {own}: steps")
            else:
                self._read(section, "title", "the document's title; its text is the summary")
            builder.context = ""
            builder.target = "none"
            for block in section.blocks:
                if block.kind == "quote":
                    self.skipped.append(Skip(block.line, "quote", "front-page text, not steps"))
                else:
                    builder.block(block)
            return
        if own:
            self._read(section, "general", f"a phase of the general procedure: holds {own}")
        else:
            self._read(section, "general", "a phase of the general procedure (notes, no list)")
        title = _general_phase_title(section)
        builder.section(section.title, section.line, section.blocks, phase_title=title)

    def _reference(self, section: Section) -> None:
        """Skipped reference material; contacts and links are kept for the general scenario."""
        if has_word(section.title, CONTACT_WORDS) or _has_contact_table(section):
            self._read(section, "reference", "contacts: kept in the general scenario")
            for node in section.walk():
                self.general.heading(node.title, node.line)
                self.general.target = "contacts"
                for block in node.blocks:
                    if block.kind in {"table", "list"} or _labelled(block):
                        self.general.block(block)
            self.general.target = "none"
            return
        why = f"reference material ({reference_word(section.title)})"
        if has_word(section.title, ("link", "status page", "dashboard", "resource", "related")):
            for node in section.walk():
                for block in node.blocks:
                    self._collect_links(block)
            why += "; its links are kept in the general scenario"
        self._read(section, "reference", f"skipped: {why}")
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
        count = self.used_ids.get(base, 0)
        candidate = base if count == 0 else f"{base}-{count + 1}"
        while candidate in self.used_ids:
            count += 1
            candidate = f"{base}-{count + 1}"
        self.used_ids[base] = count + 1
        self.used_ids.setdefault(candidate, 1)
        return candidate


def _is_reference(section: Section, found: Classification) -> bool:
    """Reference by its title, unless it is a procedure's or a comms part and holds steps.

    "Communication" names a part of the response: with a checklist or an ordered list it
    is steps ("- [ ] Post in #incidents"); with only text it is reference (templates).
    """
    if not is_reference_title(section.title):
        return False
    if is_general_title(section.title) and found.holds_procedure[id(section)]:
        return False
    own = found.procedure[id(section)]
    steps = own in {"a checklist", "an ordered list"}
    return not (steps and has_word(section.title, COMMS_WORDS))


def _labelled(block) -> bool:
    inline = block.inline if block.kind == "paragraph" else None
    return inline is not None and (bool(inline.label) or any(ln.label for ln in inline.lines))


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
    return _incident_title_text(tidy(section.title)) or f"Section at line {section.line}"


def _incident_title_text(title: str) -> str:
    """'Scenario 3: X', 'Alert: X', '1) X', 'Runbook - X' -> 'X'."""
    title = strip_ordinal(title)
    title, _ = strip_incident_prefix(title)
    title = strip_ordinal_prefix(title)
    head, _, rest = title.partition(" ")
    number, _, tail = rest.partition(" ")
    if head.casefold() in {"scenario", "incident", "case"} and number.rstrip(":.").isdigit():
        title = tail.strip() or title
    return tidy(title.strip("*_ ").strip())


def _document_title(root: Section, source: str) -> str:
    for node in root.walk():
        if node.level >= 1 and tidy(node.title):
            return tidy(node.title)
    return Path(source).stem
