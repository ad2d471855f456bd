"""Copying text out of the console: the best path there is, said exactly, never a crash.

`warroom.delivery.clipboard` picks the path (system clipboard, tmux, GNU screen, OSC 52)
and says whether the text was checked on arrival. When it was not, the text is also
saved to a file in the data folder and the message names it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from textual.app import App

from warroom.delivery.clipboard import deliver
from warroom.private_files import private_folder, write_private_text


@dataclass(frozen=True)
class CopyOutcome:
    channel: str
    confirmed: bool
    saved_to: Path | None
    message: str


def terminal_writer(app: App) -> Callable[[str], None]:
    """Raw writes to the terminal (for passthrough sequences); nothing in headless tests."""

    def write(sequence: str) -> None:
        driver = getattr(app, "_driver", None)
        if driver is not None:
            driver.write(sequence)
            driver.flush()

    return write


def copy_text(
    app: App,
    text: str,
    data_dir: Path,
    label: str,
    *,
    env: Mapping[str, str] | None = None,
    write_terminal: Callable[[str], None] | None = None,
) -> CopyOutcome:
    delivery = deliver(text, write_terminal or terminal_writer(app), app.copy_to_clipboard, env=env)
    if delivery.confirmed:
        return CopyOutcome(delivery.channel, True, None, delivery.message)
    saved = save_copy(text, data_dir, label)
    where = f". Saved to {saved}" if saved else ". Could not save a copy either"
    return CopyOutcome(delivery.channel, False, saved, delivery.message + where)


def save_copy(text: str, data_dir: Path, label: str) -> Path | None:
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "-", label).strip("-") or "copy"
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    folder = data_dir / "copies"
    try:
        private_folder(folder)
        path = folder / f"{stamp}-{safe}.txt"
        write_private_text(path, text)
    except OSError:
        return None
    return path
