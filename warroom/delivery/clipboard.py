"""Where copied text can go, and an honest account of where it went.

In order of preference:

1. the system clipboard through pyperclip (xclip, xsel, wl-copy, pbcopy...), checked by
   reading it back;
2. inside tmux, `tmux load-buffer -w -`: tmux's paste buffer (checked with
   `show-buffer`), which tmux also passes on to the outer terminal's clipboard unless its
   `set-clipboard` option is off. If tmux refuses (older than 3.2), OSC 52 wrapped in
   tmux's DCS passthrough (needs `allow-passthrough on`);
3. inside GNU screen, OSC 52 wrapped in screen's DCS passthrough;
4. OSC 52 straight to the terminal.

Only the first two can be checked, and the terminal's own clipboard never can: when the
text's arrival is not known, the caller saves it to a file and says where.
"""

from __future__ import annotations

import base64
import os
import shutil
import subprocess
from collections.abc import Callable, Mapping
from dataclasses import dataclass

TMUX_TIMEOUT_SECONDS = 2.0
# GNU screen drops DCS strings longer than this; OSC 52 is sent in pieces below it.
SCREEN_CHUNK = 700


@dataclass(frozen=True)
class Delivery:
    """Where the text went. `confirmed` when we read it back from there."""

    channel: str  # "clipboard:xclip", "tmux", "tmux-passthrough", "screen", "osc52"
    confirmed: bool
    message: str  # one sentence for the responder, without the saved file
    # OSC 52 sent to the terminal (inside tmux: the outer terminal), unknown if it arrived.
    reaches_terminal: bool = False


def osc52(text: str) -> str:
    encoded = base64.b64encode(text.encode("utf-8")).decode("ascii")
    return f"\x1b]52;c;{encoded}\x07"


def tmux_passthrough(sequence: str) -> str:
    """`sequence` wrapped for tmux's DCS passthrough (each ESC doubled)."""
    return "\x1bPtmux;" + sequence.replace("\x1b", "\x1b\x1b") + "\x1b\\"


def screen_passthrough(sequence: str) -> str:
    """`sequence` wrapped for GNU screen, in DCS pieces screen accepts."""
    pieces = [sequence[i : i + SCREEN_CHUNK] for i in range(0, len(sequence), SCREEN_CHUNK)]
    return "".join(f"\x1bP{piece}\x1b\\" for piece in pieces)


def system_clipboard(text: str) -> Delivery | None:
    """pyperclip, when there is a system clipboard; None when there is none."""
    try:
        import pyperclip

        copy, paste = pyperclip.determine_clipboard()
        name = _mechanism(copy)
        if name == "no":
            return None
        copy(text)
        confirmed = paste() == text
    except Exception:
        return None
    if confirmed:
        return Delivery(f"clipboard:{name}", True, f"Copied to the system clipboard ({name})")
    return Delivery(
        f"clipboard:{name}",
        False,
        f"Handed to the system clipboard ({name}), but reading it back gave other text",
    )


def _mechanism(copy: Callable[..., object]) -> str:
    """'xclip' from pyperclip's `init_xclip_clipboard.<locals>.copy_xclip`."""
    owner = getattr(copy, "__qualname__", "").split(".")[0]
    name = owner.removeprefix("init_").removesuffix("_clipboard")
    return {"no": "no", "osx_pbcopy": "pbcopy", "wl": "wl-copy"}.get(name, name or "system")


def _tmux(args: list[str], text: str | None = None) -> subprocess.CompletedProcess[str] | None:
    binary = shutil.which("tmux")
    if binary is None:
        return None
    try:
        return subprocess.run(
            [binary, *args],
            input=text,
            capture_output=True,
            text=True,
            timeout=TMUX_TIMEOUT_SECONDS,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None


def via_tmux(text: str, write_terminal: Callable[[str], None]) -> Delivery:
    """Inside tmux: its paste buffer (and on to the terminal), else DCS passthrough."""
    loaded = _tmux(["load-buffer", "-w", "-"], text)
    if loaded is None or loaded.returncode != 0:
        write_terminal(tmux_passthrough(osc52(text)))
        return Delivery(
            "tmux-passthrough",
            False,
            "tmux refused load-buffer -w, so the text went to the terminal through tmux's"
            " passthrough (OSC 52; needs allow-passthrough on); warroom cannot check it arrived",
            reaches_terminal=True,
        )
    shown = _tmux(["show-buffer"])
    in_buffer = shown is not None and shown.returncode == 0 and shown.stdout == text
    option = _tmux(["show-options", "-gv", "set-clipboard"])
    setting = option.stdout.strip() if option is not None and option.returncode == 0 else ""
    buffer = "Copied to tmux's buffer" + (" (checked)" if in_buffer else "")
    if setting == "off":
        return Delivery(
            "tmux",
            in_buffer,
            f"{buffer}, not to your terminal: tmux's set-clipboard is off (prefix+] pastes)",
        )
    said = f"set-clipboard {setting}" if setting else "set-clipboard unknown"
    return Delivery(
        "tmux",
        False,
        f"{buffer} and sent on to your terminal's clipboard ({said}), which warroom cannot check",
        reaches_terminal=True,
    )


def deliver(
    text: str,
    write_terminal: Callable[[str], None],
    send_osc52: Callable[[str], None],
    env: Mapping[str, str] | None = None,
) -> Delivery:
    """Copy `text` by the best path there is, and say which one was used.

    `write_terminal` writes raw bytes to the terminal; `send_osc52` sends plain OSC 52
    (the app's own clipboard call, which also remembers the text)."""
    env = os.environ if env is None else env
    system = system_clipboard(text)
    if system is not None and system.confirmed:
        return system
    if env.get("TMUX"):
        return via_tmux(text, write_terminal)
    if env.get("STY") or env.get("TERM", "").startswith("screen"):
        write_terminal(screen_passthrough(osc52(text)))
        return Delivery(
            "screen",
            False,
            "Sent through GNU screen to your terminal's clipboard (OSC 52);"
            " warroom cannot check it arrived",
            reaches_terminal=True,
        )
    send_osc52(text)
    return Delivery(
        "osc52",
        False,
        "Sent to your terminal's clipboard (OSC 52); warroom cannot check it arrived",
        reaches_terminal=True,
    )
