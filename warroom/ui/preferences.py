"""What the console remembers between runs (the theme, who you are), in a small TOML file.

The file is `<config dir>/preferences.toml`. Reading never fails: a missing file gives the
defaults, a broken one gives the defaults plus a problem to show. Keys this version does
not know are kept and written back, so an older console does not erase a newer one's
settings. Writing goes to a temporary file that replaces the old one, so a crash never
leaves half a file.
"""

from __future__ import annotations

import os
import tempfile
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import tomli_w

from warroom import paths

PREFERENCES_FILE = "preferences.toml"


class PreferencesError(OSError):
    """The preferences file could not be written (message names the file)."""


@dataclass
class Preferences:
    """Settings the console remembers. `problems` says what went wrong reading them."""

    theme: str | None = None
    author: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list, compare=False)
    unreadable: bool = field(default=False, compare=False)

    def to_toml(self) -> str:
        data = dict(self.extra)
        for key, value in (("theme", self.theme), ("author", self.author)):
            if value:
                data[key] = value
            else:
                data.pop(key, None)
        return tomli_w.dumps(data)


def preferences_path(config_dir: Path | None = None) -> Path:
    return (config_dir or paths.config_dir()) / PREFERENCES_FILE


def load_preferences(config_dir: Path | None = None) -> Preferences:
    """The remembered preferences; defaults (with a problem) if the file is unreadable."""
    path = preferences_path(config_dir)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Preferences()
    except (OSError, UnicodeDecodeError) as error:
        reason = getattr(error, "strerror", None) or str(error)
        return Preferences(
            problems=[f"{path}: cannot read preferences ({reason})"], unreadable=True
        )
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        return Preferences(
            problems=[f"{path}: preferences ignored, not valid TOML ({error})"], unreadable=True
        )
    prefs = Preferences(extra={k: v for k, v in data.items() if k not in ("theme", "author")})
    theme = data.get("theme")
    if isinstance(theme, str) and theme.strip():
        prefs.theme = theme.strip()
    elif theme is not None:
        prefs.problems.append(f"{path}: theme must be a theme name in quotes (ignored)")
    author = data.get("author")
    if isinstance(author, str) and author.strip():
        prefs.author = author.strip()
    elif author is not None:
        prefs.problems.append(f"{path}: author must be a name in quotes (ignored)")
    return prefs


def save_preferences(prefs: Preferences, config_dir: Path | None = None) -> Path:
    """Write the preferences atomically; PreferencesError if the folder is not writable."""
    path = preferences_path(config_dir)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=".preferences-", dir=path.parent)
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as stream:
                stream.write(prefs.to_toml())
                stream.flush()
                os.fsync(stream.fileno())
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
    except OSError as error:
        raise PreferencesError(
            f"{path}: cannot save preferences ({error.strerror or error})"
        ) from None
    return path


def remember_theme(name: str, config_dir: Path | None = None) -> str | None:
    """Record the chosen theme, keeping every other preference; the problem text or None."""
    return _remember("theme", name, "the theme choice", config_dir)


def remember_author(name: str, config_dir: Path | None = None) -> str | None:
    """Record who uses this machine's console, keeping every other preference."""
    return _remember("author", name, "your name", config_dir)


def _remember(key: str, value: str, what: str, config_dir: Path | None) -> str | None:
    prefs = load_preferences(config_dir)
    if prefs.unreadable:
        # Do not overwrite a file we could not understand: the user may want it back.
        return prefs.problems[0] + f"; {what} was not saved"
    setattr(prefs, key, value)
    try:
        save_preferences(prefs, config_dir)
    except PreferencesError as error:
        return str(error)
    return None
