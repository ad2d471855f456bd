"""Data files warroom ships and a team overrides: themes, scenarios, drills, templates.

One rule for all four kinds (`THEMES`, `SCENARIOS`, `DRILLS`, `TEMPLATES`): the shipped
files come from a package inside the wheel (read with `importlib.resources`, so an
installed wheel, a zipped one and a source checkout all find them), then the user's
files from `<config dir>/<user_folder>/*<suffix>` are layered over them by the kind's
loader (a user file replaces the shipped one with the same name or id).

Where the shipped files live in the source tree: `themes/` and `scenarios/` (with
`scenarios/drills/`) at the top of the repository, mapped into the wheel as
`warroom.bundled.themes` / `warroom.bundled.scenarios` by `pyproject.toml`; the comms
templates in `warroom/bundled/templates/`.

This module only finds and reads files; parsing and checking them is each kind's job
(`warroom.ui.themes`, `warroom.scenarios.loader`, `warroom.drill.library`,
`warroom.comms_templates`). Reading a user file is bounded (`max_bytes`) and a file that
is not UTF-8 text is a `DataFileError` naming the line.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path

from warroom import paths


@dataclass(frozen=True)
class DataKind:
    """One kind of data file: where it ships, where users put theirs."""

    label: str  # "themes", for messages
    package: str  # the package holding the shipped files inside the wheel
    source_folder: str  # the same folder in the source tree, as messages name it
    user_folder: str  # under the config folder
    suffix: str
    max_bytes: int | None = None  # a bigger user file is refused unread

    def user_dir(self, config_dir: Path | None = None) -> Path:
        return (config_dir or paths.config_dir()) / self.user_folder


THEMES = DataKind("themes", "warroom.bundled.themes", "themes", "themes", ".toml", 64 * 1024)
SCENARIOS = DataKind("scenarios", "warroom.bundled.scenarios", "scenarios", "scenarios", ".toml")
DRILLS = DataKind(
    "drills", "warroom.bundled.scenarios.drills", "scenarios/drills", "drills", ".toml"
)
TEMPLATES = DataKind(
    "templates",
    "warroom.bundled.templates",
    "warroom/bundled/templates",
    "templates",
    ".md",
    64 * 1024,
)
KINDS = (THEMES, SCENARIOS, DRILLS, TEMPLATES)


class DataFileError(ValueError):
    """A data file that cannot be read as text; `line` is where, when it is about one."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


@dataclass(frozen=True)
class DataFile:
    """One shipped or user file: its name, how messages name it, and where it is."""

    name: str
    display: str  # "scenarios/general.toml" (shipped) or the user file's path
    shipped: bool
    source: Path | Traversable

    def read_bytes(self) -> bytes:
        return self.source.read_bytes()

    def read_text(self, max_bytes: int | None = None) -> str:
        """The file's UTF-8 text (a BOM is dropped); DataFileError when it cannot be read,
        is larger than `max_bytes`, or is not UTF-8 (naming the line)."""
        try:
            data = self.read_bytes()
        except OSError as error:
            raise DataFileError(f"cannot read ({error.strerror or error})") from None
        if max_bytes is not None and len(data) > max_bytes:
            raise DataFileError(f"larger than {max_bytes // 1024} KiB")
        try:
            return data.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            line = data[: error.start].count(b"\n") + 1
            raise DataFileError("not UTF-8 text", line) from None


def shipped_files(kind: DataKind) -> list[DataFile]:
    """The files shipped for this kind, by name."""
    folder = files(kind.package)
    found = [
        item for item in folder.iterdir() if item.name.endswith(kind.suffix) and item.is_file()
    ]
    return [
        DataFile(item.name, f"{kind.source_folder}/{item.name}", True, item)
        for item in sorted(found, key=lambda item: item.name)
    ]


def user_files(kind: DataKind, folder: Path, problems: list[str]) -> list[DataFile]:
    """The user's files of this kind in `folder`, by name; none when the folder does not
    exist, and one line in `problems` when it cannot be listed."""
    try:
        found = sorted(p for p in folder.iterdir() if p.suffix == kind.suffix and p.is_file())
    except (FileNotFoundError, NotADirectoryError):
        return []
    except OSError as error:
        problems.append(f"{folder}: cannot list {kind.label} ({error.strerror or error})")
        return []
    return [DataFile(path.name, str(path), False, path) for path in found]
