"""Finding the comms templates: one per audience shipped in the package, and the team's own.

Shipped templates live in `warroom.bundled.templates`; a team overrides one by putting a
file with the same name in `<config dir>/templates/`, and may add its own there. Reading
and checking a template's text is `warroom.model.comms.parse_template`'s job.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from warroom import paths
from warroom.model.comms import PLACEHOLDERS, CommsTemplate, TemplateError, parse_template

BUNDLED_PACKAGE = "warroom.bundled.templates"
USER_FOLDER = "templates"
TEMPLATE_SUFFIX = ".md"
# The shipped templates, in the order the composer offers them.
SHIPPED_ORDER = ("responders", "executives", "support", "customers")
MAX_TEMPLATE_BYTES = 64 * 1024


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
    for name, text in _bundled_files():
        try:
            by_file[name] = parse_template(text, name)
        except TemplateError as error:
            problems.append(f"shipped template {name}: {error}")
    folder = (config_dir or paths.config_dir()) / USER_FOLDER
    for path in _user_files(folder, problems):
        fallback = " (using the shipped one)" if path.name in by_file else " (skipped)"
        try:
            text = _read_user_file(path)
            template = parse_template(text, path.name, source=str(path))
        except TemplateError as error:
            problems.append(f"{path}: {error}{fallback}")
            continue
        by_file[path.name] = template
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


def _bundled_files() -> list[tuple[str, str]]:
    folder = resources.files(BUNDLED_PACKAGE)
    files = []
    for entry in folder.iterdir():
        if entry.name.endswith(TEMPLATE_SUFFIX) and entry.is_file():
            files.append((entry.name, entry.read_text(encoding="utf-8")))
    return files


def _user_files(folder: Path, problems: list[str]) -> list[Path]:
    try:
        return sorted(p for p in folder.iterdir() if p.suffix == TEMPLATE_SUFFIX and p.is_file())
    except FileNotFoundError:
        return []
    except OSError as error:
        problems.append(f"{folder}: cannot list templates ({error.strerror or error})")
        return []


def _read_user_file(path: Path) -> str:
    try:
        data = path.read_bytes()
    except OSError as error:
        raise TemplateError(f"cannot read ({error.strerror or error})") from None
    if len(data) > MAX_TEMPLATE_BYTES:
        raise TemplateError(f"larger than {MAX_TEMPLATE_BYTES // 1024} KiB")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise TemplateError(f"line {line}: not UTF-8 text") from None


def _ordered(by_file: dict[str, CommsTemplate]) -> list[CommsTemplate]:
    rank = {name + TEMPLATE_SUFFIX: index for index, name in enumerate(SHIPPED_ORDER)}
    return sorted(by_file.values(), key=lambda t: (rank.get(t.filename, len(rank)), t.filename))
