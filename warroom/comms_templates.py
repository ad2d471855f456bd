"""Finding the comms templates: one per audience shipped in the package, and the team's own.

Shipped templates live in `warroom.bundled.templates`; a team overrides one by putting a
file with the same name in `<config dir>/templates/`, and may add its own there (finding
and reading them: `warroom.data_files`). Reading and checking a template's text is
`warroom.model.comms.parse_template`'s job.
"""

from __future__ import annotations

from pathlib import Path

from warroom.data_files import TEMPLATES, DataFileError, shipped_files, user_files
from warroom.model.comms import PLACEHOLDERS, CommsTemplate, TemplateError, parse_template

TEMPLATE_SUFFIX = ".md"
# The shipped templates, in the order the composer offers them.
SHIPPED_ORDER = ("responders", "executives", "support", "customers")


def load_templates(
    config_dir: Path | None = None,
) -> tuple[list[CommsTemplate], list[str]]:
    """Shipped templates with the team's overrides and additions, and one line per problem.

    A user file that cannot be read is reported (naming the file) and the shipped template
    of the same name is used instead; a user template using unknown placeholders is used
    and reported, since those placeholders show up literally in the draft.
    """
    problems: list[str] = []
    by_file: dict[str, CommsTemplate] = {}
    for entry in shipped_files(TEMPLATES):
        try:
            by_file[entry.name] = parse_template(entry.read_text(), entry.name)
        except (TemplateError, DataFileError) as error:
            problems.append(f"shipped template {entry.name}: {_located(error)}")
    for entry in user_files(TEMPLATES, TEMPLATES.user_dir(config_dir), problems):
        fallback = " (using the shipped one)" if entry.name in by_file else " (skipped)"
        try:
            text = entry.read_text(TEMPLATES.max_bytes)
            template = parse_template(text, entry.name, source=entry.display)
        except (TemplateError, DataFileError) as error:
            problems.append(f"{entry.display}: {_located(error)}{fallback}")
            continue
        by_file[entry.name] = template
    templates = _ordered(by_file)
    seen: dict[str, CommsTemplate] = {}
    result = []
    for template in templates:
        where = template.source if template.is_user else f"shipped template {template.filename}"
        if template.id in seen:
            problems.append(
                f"{where}: id {template.id!r} is already used by {seen[template.id].filename}"
                " (skipped)"
            )
            continue
        seen[template.id] = template
        result.append(template)
        unknown_names = template.unknown_in(PLACEHOLDERS)
        if unknown_names:
            names = ", ".join("{" + name + "}" for name in unknown_names)
            problems.append(f"{where}: unknown placeholders {names} are left as written")
    return result, problems


def _located(error: TemplateError | DataFileError) -> str:
    if isinstance(error, DataFileError) and error.line is not None:
        return f"line {error.line}: {error.message}"
    return str(error)


def _ordered(by_file: dict[str, CommsTemplate]) -> list[CommsTemplate]:
    rank = {name + TEMPLATE_SUFFIX: index for index, name in enumerate(SHIPPED_ORDER)}
    return sorted(by_file.values(), key=lambda t: (rank.get(t.filename, len(rank)), t.filename))
