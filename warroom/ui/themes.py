"""Themes: the shipped TOML themes and the user's own, as Textual `Theme`s.

Each theme is one TOML file whose top-level keys are `textual.theme.Theme` fields (`name`,
`primary`, `background`, `dark`...) and whose `[variables]` table holds Textual variables
plus our own (`THEME_VARIABLES`: probe states, severities, timeline kinds) that the
console's CSS uses. Shipped themes live in `themes/` at the top of the repository and in
the wheel as `warroom.bundled.themes`; users add or replace themes with files in
`<config dir>/themes/*.toml` (finding and reading them: `warroom.data_files`). A broken
user file is reported in one line naming the file, the line and the field, and skipped.

`theme_variable_defaults()` feeds `App.get_theme_variable_defaults`, so every variable our
CSS uses has a value under any theme, including Textual's built-in ones.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual.color import Color, ColorParseError
from textual.theme import BUILTIN_THEMES, Theme

from warroom.config import Config, ConfigError
from warroom.data_files import THEMES, DataFileError, shipped_files, user_files
from warroom.model.severity import SeverityLadder
from warroom.toml_lines import KeyLines

if TYPE_CHECKING:
    from textual.app import App

DEFAULT_THEME = "warroom-dark"
SHIPPED_THEMES = ("warroom-dark", "warroom-light", "warroom-high-contrast")

# Our own theme variables: name -> what the console colours with it.
THEME_VARIABLES: dict[str, str] = {
    "state-up": "a service whose probe says up",
    "state-degraded": "a degraded service",
    "state-down": "a service that is down",
    "state-unknown": "a service our probe could not judge",
    "state-maintenance": "a service in planned maintenance",
    "state-stale": "a probe result older than twice its interval",
    "severity-critical": "the most severe level of the ladder",
    "severity-major": "the second level",
    "severity-minor": "every lower level",
    "timeline-auto": "timeline entries warroom wrote itself (probes, ticks, comms)",
    "timeline-pinned": "the pin mark on pinned timeline entries",
    "note-finding": "finding notes",
    "note-action": "action notes",
    "note-decision": "decision notes",
    "note-todo": "todo notes",
    "drill": "the DRILL badge",
    "update-overdue": "the next-update countdown once it is overdue",
}

# Fallbacks used under themes that do not set our variables (Textual's built-in ones):
# mid-tone colours readable on that theme's kind of background.
_DARK_DEFAULTS = {
    "state-up": "#4CBB5E",
    "state-degraded": "#E0A526",
    "state-down": "#F0564A",
    "state-unknown": "#A0A8B4",
    "state-maintenance": "#6AAEEB",
    "state-stale": "#8E96A0",
    "severity-critical": "#F0564A",
    "severity-major": "#F08A30",
    "severity-minor": "#E0C050",
    "timeline-auto": "#8E96A0",
    "timeline-pinned": "#E0A526",
    "note-finding": "#6AAEEB",
    "note-action": "#4CBB5E",
    "note-decision": "#C9A0F0",
    "note-todo": "#E0A526",
    "drill": "#C9A0F0",
    "update-overdue": "#F0564A",
}
_LIGHT_DEFAULTS = {
    "state-up": "#1F7A38",
    "state-degraded": "#8F6200",
    "state-down": "#C4242E",
    "state-unknown": "#5A636E",
    "state-maintenance": "#1563C4",
    "state-stale": "#6E7781",
    "severity-critical": "#C4242E",
    "severity-major": "#B04A00",
    "severity-minor": "#7D5A00",
    "timeline-auto": "#5A636E",
    "timeline-pinned": "#7A4CCF",
    "note-finding": "#1563C4",
    "note-action": "#1F7A38",
    "note-decision": "#7A4CCF",
    "note-todo": "#8F6200",
    "drill": "#7A4CCF",
    "update-overdue": "#C4242E",
}

_COLOUR_FIELDS = (
    "primary",
    "secondary",
    "accent",
    "foreground",
    "background",
    "surface",
    "panel",
    "success",
    "warning",
    "error",
    "boost",
)
_FLOAT_FIELDS = ("luminosity_spread", "text_alpha")
_BOOL_FIELDS = ("dark", "ansi")
THEME_FIELDS = ("name", *_COLOUR_FIELDS, *_BOOL_FIELDS, *_FLOAT_FIELDS, "variables")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")
_VARIABLE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")
_UNSAFE_VALUE = re.compile(r"[${};\n\r]")


class ThemeFileError(ValueError):
    """A theme file that cannot be used; knows the line and the field at fault."""

    def __init__(self, line: int, field: str, message: str) -> None:
        self.line = line
        self.field = field
        self.message = message
        where = f"line {line}: {field}: " if field else f"line {line}: "
        super().__init__(where + message)


def theme_variable_defaults(dark: bool = True) -> dict[str, str]:
    """A value for every one of our variables, for `App.get_theme_variable_defaults`."""
    return dict(_DARK_DEFAULTS if dark else _LIGHT_DEFAULTS)


def parse_theme(text: str) -> Theme:
    """A Theme from a TOML file's text; ThemeFileError names the line and field."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        line, reason = _toml_error(str(error), text)
        raise ThemeFileError(line, "", f"not valid TOML: {reason}") from None
    locate = KeyLines(text)
    for key in data:
        if key not in THEME_FIELDS:
            raise ThemeFileError(
                locate(key), key, f"unknown theme field (use {', '.join(THEME_FIELDS)})"
            )
    fields: dict[str, Any] = {}
    name = data.get("name")
    if not isinstance(name, str) or not _NAME.match(name):
        line = locate("name") if "name" in data else 1
        raise ThemeFileError(line, "name", "needs a name of letters, digits, '-' or '_'")
    fields["name"] = name
    if "primary" not in data:
        raise ThemeFileError(1, "primary", "is required")
    for key in _COLOUR_FIELDS:
        if key in data:
            fields[key] = _colour(data[key], locate(key), key)
    for key in _BOOL_FIELDS:
        if key in data:
            if not isinstance(data[key], bool):
                raise ThemeFileError(locate(key), key, "must be true or false")
            fields[key] = data[key]
    for key in _FLOAT_FIELDS:
        if key in data:
            value = data[key]
            if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
                raise ThemeFileError(locate(key), key, "must be a number from 0 to 1")
            fields[key] = float(value)
    fields["variables"] = _variables(data.get("variables", {}), locate)
    theme = Theme(**fields)
    try:
        theme.to_color_system().generate()
    except Exception as error:  # a combination Textual itself refuses
        raise ThemeFileError(1, "", f"Textual cannot use this theme ({error})") from None
    return theme


def load_themes(config_dir: Path | None = None) -> tuple[list[Theme], list[str]]:
    """Shipped themes, then the user's (a user theme may replace a shipped one by name),
    and one line per problem."""
    problems: list[str] = []
    by_name: dict[str, Theme] = {}
    for entry in shipped_files(THEMES):
        try:
            theme = parse_theme(entry.read_text())
        except (ThemeFileError, DataFileError) as error:
            problems.append(f"shipped theme {entry.name} {_located(error)}")
            continue
        by_name[theme.name] = theme
    user_sources: dict[str, Path] = {}
    for entry in user_files(THEMES, THEMES.user_dir(config_dir), problems):
        path = Path(entry.display)
        try:
            theme = parse_theme(entry.read_text(THEMES.max_bytes))
        except (ThemeFileError, DataFileError) as error:
            problems.append(f"{path} {_located(error)} (skipped)")
            continue
        if theme.name in user_sources:
            problems.append(
                f"{path} line {KeyLines(path.read_text('utf-8'))('name')}: name: "
                f"{theme.name!r} is already defined by {user_sources[theme.name]} (skipped)"
            )
            continue
        user_sources[theme.name] = path
        by_name[theme.name] = theme
    shipped_rank = {name: index for index, name in enumerate(SHIPPED_THEMES)}
    ordered = sorted(
        by_name.values(), key=lambda t: (shipped_rank.get(t.name, len(shipped_rank)), t.name)
    )
    return ordered, problems


def _located(error: ThemeFileError | DataFileError) -> str:
    """`line N: field: message`, as theme problems are written."""
    if isinstance(error, DataFileError):
        return str(ThemeFileError(error.line or 1, "", error.message))
    return str(error)


def register_themes(app: App[Any], config_dir: Path | None = None) -> list[str]:
    """Load every theme and register it with the app; returns the problems found."""
    themes, problems = load_themes(config_dir)
    for theme in themes:
        app.register_theme(theme)
    return problems


def choose_theme(
    requested: str | None,
    remembered: str | None,
    available: Iterable[str],
    configured: str | None = None,
) -> tuple[str, list[str]]:
    """The theme to start with: `--theme`, else the config's `[ui] theme`, else the
    remembered one, else the default.

    A name that is not available is reported and the next choice is tried.
    """
    names = set(available)
    problems: list[str] = []
    choices = (("--theme", requested), ("ui.theme", configured), ("remembered theme", remembered))
    for origin, name in choices:
        if not name:
            continue
        if name in names:
            return name, problems
        problems.append(f"{origin} {name!r} is not available (choose from {_listing(names)})")
    fallback = DEFAULT_THEME if DEFAULT_THEME in names else "textual-dark"
    return fallback, problems


def check_configured_theme(config: Config, config_dir: Path | None = None) -> None:
    """ConfigError (one line: file, line, the name, the closest theme) when `[ui] theme`
    names no shipped, user or Textual theme."""
    if config.theme is None:
        return
    themes, _ = load_themes(config_dir)
    names = {theme.name for theme in themes} | set(BUILTIN_THEMES)
    if config.theme in names:
        return
    close = difflib.get_close_matches(config.theme, sorted(names), n=1)
    hint = f"did you mean {close[0]!r}? " if close else ""
    raise ConfigError(
        f"{config.where('ui.theme')}: no theme {config.theme!r} ({hint}themes: {_listing(names)})"
    )


def severity_tier(ladder: SeverityLadder, severity: str) -> str:
    """'critical', 'major' or 'minor': which `severity-*` variable colours this level."""
    level = ladder.find(severity)
    if level is None or level.rank >= 2:
        return "minor"
    return "critical" if level.rank == 0 else "major"


def _listing(names: Iterable[str]) -> str:
    ours = [name for name in SHIPPED_THEMES if name in names]
    others = sorted(name for name in names if name not in SHIPPED_THEMES)
    return ", ".join(ours + others)


def _colour(value: Any, line: int, field: str) -> str:
    if not isinstance(value, str):
        raise ThemeFileError(line, field, 'must be a colour in quotes, e.g. "#1E90FF"')
    try:
        Color.parse(value)
    except ColorParseError:
        raise ThemeFileError(line, field, f"{value!r} is not a colour") from None
    return value


_TEXTUAL_VARIABLES = frozenset(BUILTIN_THEMES["textual-dark"].to_color_system().generate())


def _variables(table: Any, locate: KeyLines) -> dict[str, str]:
    if not isinstance(table, dict):
        raise ThemeFileError(locate("variables"), "variables", "must be a table [variables]")
    variables: dict[str, str] = {}
    for key, value in table.items():
        field = f"variables.{key}"
        line = locate(key, table="variables")
        if not _VARIABLE_NAME.match(key):
            raise ThemeFileError(line, field, "a variable name is letters, digits, '-' or '_'")
        if key in THEME_VARIABLES:
            variables[key] = _colour(value, line, field)
            continue
        if key not in _TEXTUAL_VARIABLES:
            raise ThemeFileError(
                line,
                field,
                f"unknown variable, neither Textual's nor ours ({', '.join(THEME_VARIABLES)})",
            )
        if not isinstance(value, str) or not value.strip() or _UNSAFE_VALUE.search(value):
            raise ThemeFileError(
                line, field, "must be a CSS value in quotes (no '$', braces or ';')"
            )
        variables[key] = value
    return variables


def _toml_error(message: str, text: str) -> tuple[int, str]:
    match = re.search(r"\(at line (\d+), column (\d+)\)", message)
    if match:
        return int(match[1]), message[: match.start()].strip() + f" (column {match[2]})"
    return max(len(text.splitlines()), 1), message.replace("(at end of document)", "").strip()
