"""Folders and files only their owner can read: incident timelines are sensitive.

Every folder warroom creates under the data folder (the data folder itself, `incidents/`,
`queue/`, `copies/`, `exports/`, `drills/`...) is created 0700 and every file it writes
there 0600, whatever the umask allows beyond that. Folders and files that already exist
keep the permissions someone gave them.
"""

from __future__ import annotations

import os
from contextlib import suppress
from pathlib import Path

FOLDER_MODE = 0o700
FILE_MODE = 0o600


def private_folder(folder: Path) -> Path:
    """Create `folder` and any missing parent as 0700 (an existing one is left as is)."""
    folder = Path(folder)
    missing: list[Path] = []
    current = folder
    while not current.exists():
        missing.append(current)
        if current.parent == current:
            break
        current = current.parent
    for path in reversed(missing):
        with suppress(FileExistsError):  # made meanwhile by another process
            path.mkdir(mode=FOLDER_MODE)
    if not folder.is_dir():
        raise NotADirectoryError(20, "not a folder", str(folder))
    return folder


def write_private_text(path: Path, text: str) -> None:
    """Write `text` (UTF-8) to a new or existing file, created 0600."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
