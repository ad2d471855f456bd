"""Copying text out of the console: pyperclip, else the terminal's OSC 52, never a crash.

pyperclip needs a system clipboard (xclip, xsel, wl-copy, pbcopy); over SSH or on a bare
server it has none. OSC 52 asks the terminal to take the text, which works over SSH in
most terminals but cannot tell us whether it did. So when pyperclip fails the text is
also saved to a file in the data folder, and the responder is told where.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from textual.app import App

from warroom.private_files import private_folder, write_private_text


@dataclass(frozen=True)
class CopyOutcome:
    channel: str  # "clipboard" or "osc52"
    saved_to: Path | None
    message: str


def _system_copy(text: str) -> bool:
    try:
        import pyperclip

        pyperclip.copy(text)
    except Exception:
        return False
    return True


def copy_text(app: App, text: str, data_dir: Path, label: str) -> CopyOutcome:
    app.copy_to_clipboard(text)  # OSC 52; also records app.clipboard
    if _system_copy(text):
        return CopyOutcome("clipboard", None, "Copied to the clipboard")
    saved = save_copy(text, data_dir, label)
    where = f"; also saved to {saved}" if saved else "; could not save a copy either"
    return CopyOutcome("osc52", saved, f"Sent to the terminal clipboard (OSC 52){where}")


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
