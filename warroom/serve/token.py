"""The access token of `warroom serve`: who may bind where, and the token file.

Only the loopback names 127.0.0.1, ::1 and localhost are served without a token (the
rest of 127.0.0.0/8 is loopback too, but nothing here assumes who can reach it). Any
other address needs `--token-file`: an existing file is read (it must be private to its
owner), an absent one is created with a fresh random token, mode 0600.
"""

from __future__ import annotations

import os
import secrets
import stat
from dataclasses import dataclass
from pathlib import Path

NO_TOKEN_HOSTS = frozenset({"127.0.0.1", "::1", "localhost"})
MIN_TOKEN_LENGTH = 16


class TokenError(ValueError):
    """A token file that cannot be used (unreadable, shared, empty, too short)."""


@dataclass(frozen=True)
class Token:
    value: str
    path: Path
    created: bool  # True when this run generated it (it is printed once, then)


def needs_token(host: str) -> bool:
    """True unless `host` is exactly one of the loopback names served without a token."""
    return host.strip().lower().strip("[]") not in NO_TOKEN_HOSTS


def load_or_create_token(path: Path) -> Token:
    """Read the token in `path`, or write a new random one there (0600) if it is absent."""
    try:
        return Token(_create(path), path, created=True)
    except FileExistsError:
        return Token(_read(path), path, created=False)


def _create(path: Path) -> str:
    value = secrets.token_urlsafe(32)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise
    except OSError as error:
        raise TokenError(f"{path}: cannot create the token file ({error.strerror})") from None
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        file.write(value + "\n")
    return value


def _read(path: Path) -> str:
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):
            raise TokenError(f"{path}: the token file is not a regular file")
        if info.st_mode & 0o077:
            raise TokenError(
                f"{path}: the token file is readable by others "
                f"(mode {stat.S_IMODE(info.st_mode):o}); run: chmod 600 {path}"
            )
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise TokenError(f"{path}: the token file is not text") from None
    except OSError as error:
        raise TokenError(f"{path}: cannot read the token file ({error.strerror})") from None
    value = text.strip()
    if len(value) < MIN_TOKEN_LENGTH or any(c.isspace() for c in value):
        raise TokenError(
            f"{path}: the token must be one word of at least {MIN_TOKEN_LENGTH} characters "
            "(delete the file to have a new one generated)"
        )
    return value
