"""Each copy path, with real programs standing in where the real ones are not here: a
fake `xclip` and a fake `tmux` on PATH (shell scripts that keep what they are given), and
the bytes written to the terminal captured as they would be sent."""

from __future__ import annotations

import base64
import os
from pathlib import Path

import pytest

from warroom.delivery.clipboard import SCREEN_CHUNK, deliver, osc52

TEXT = "UPDATE: checkout is back\nnext update by 15:00 UTC ✓"


class Terminal:
    """What a copy wrote to the terminal: raw sequences and plain OSC 52 calls."""

    def __init__(self) -> None:
        self.raw: list[str] = []
        self.osc52: list[str] = []

    def write(self, sequence: str) -> None:
        self.raw.append(sequence)

    def send(self, text: str) -> None:
        self.osc52.append(text)


def fake_program(folder: Path, name: str, script: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text("#!/bin/sh\n" + script, encoding="utf-8")
    path.chmod(0o755)
    return path


@pytest.fixture
def bin_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "bin"
    folder.mkdir()
    monkeypatch.setenv("PATH", f"{folder}{os.pathsep}/usr/bin{os.pathsep}/bin")
    return folder


def fake_tmux(bin_dir: Path, set_clipboard: str = "external", load_fails: bool = False) -> Path:
    store = bin_dir.parent / "tmux-state"
    store.mkdir(exist_ok=True)
    load = "exit 1" if load_fails else f'cat > "{store}/buffer"; exit 0'
    fake_program(
        bin_dir,
        "tmux",
        f'echo "$@" >> "{store}/calls"\n'
        f'case "$1" in\n'
        f"  load-buffer) {load} ;;\n"
        f'  show-buffer) cat "{store}/buffer" ;;\n'
        f"  show-options) echo {set_clipboard} ;;\n"
        f"  *) exit 2 ;;\n"
        f"esac\n",
    )
    return store


def test_system_clipboard_is_checked_by_reading_it_back(
    bin_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = bin_dir.parent / "x-clipboard"
    fake_program(
        bin_dir,
        "xclip",
        f'for a in "$@"; do [ "$a" = "-o" ] && exec cat "{store}"; done\ncat > "{store}"\n',
    )
    monkeypatch.setenv("DISPLAY", ":0")
    terminal = Terminal()
    delivery = deliver(TEXT, terminal.write, terminal.send, env={"TMUX": "/tmp/x,1,0"})
    assert delivery.channel == "clipboard:xclip" and delivery.confirmed
    assert delivery.message == "Copied to the system clipboard (xclip)"
    assert store.read_text(encoding="utf-8") == TEXT
    assert terminal.raw == [] and terminal.osc52 == []  # nothing else was tried


def test_a_clipboard_that_gives_other_text_back_is_not_trusted(
    bin_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_program(bin_dir, "xclip", 'for a in "$@"; do [ "$a" = "-o" ] && echo stale; done\n')
    monkeypatch.setenv("DISPLAY", ":0")
    terminal = Terminal()
    delivery = deliver(TEXT, terminal.write, terminal.send, env={})
    assert delivery.channel == "osc52" and not delivery.confirmed
    assert terminal.osc52 == [TEXT]


def test_inside_tmux_the_text_goes_to_its_buffer_and_on_to_the_terminal(bin_dir: Path) -> None:
    store = fake_tmux(bin_dir, "external")
    terminal = Terminal()
    delivery = deliver(TEXT, terminal.write, terminal.send, env={"TMUX": "/tmp/t,1,0"})
    assert delivery.channel == "tmux" and delivery.reaches_terminal
    assert not delivery.confirmed  # the buffer is checked; the terminal cannot be
    assert (store / "buffer").read_text(encoding="utf-8") == TEXT
    assert "load-buffer -w -" in (store / "calls").read_text()
    assert delivery.message == (
        "Copied to tmux's buffer (checked) and sent on to your terminal's clipboard"
        " (set-clipboard external), which warroom cannot check"
    )
    assert terminal.raw == [] and terminal.osc52 == []  # no OSC 52 tmux would swallow


def test_tmux_with_set_clipboard_off_says_the_terminal_did_not_get_it(bin_dir: Path) -> None:
    fake_tmux(bin_dir, "off")
    terminal = Terminal()
    delivery = deliver(TEXT, terminal.write, terminal.send, env={"TMUX": "/tmp/t,1,0"})
    assert delivery.channel == "tmux" and delivery.confirmed and not delivery.reaches_terminal
    assert delivery.message == (
        "Copied to tmux's buffer (checked), not to your terminal: tmux's set-clipboard is off"
        " (prefix+] pastes)"
    )


def test_an_old_tmux_gets_osc52_through_its_passthrough(bin_dir: Path) -> None:
    fake_tmux(bin_dir, load_fails=True)
    terminal = Terminal()
    delivery = deliver(TEXT, terminal.write, terminal.send, env={"TMUX": "/tmp/t,1,0"})
    assert delivery.channel == "tmux-passthrough" and not delivery.confirmed
    encoded = base64.b64encode(TEXT.encode()).decode()
    assert terminal.raw == [f"\x1bPtmux;\x1b\x1b]52;c;{encoded}\x07\x1b\\"]
    assert "allow-passthrough" in delivery.message


def test_gnu_screen_gets_osc52_in_pieces_it_accepts() -> None:
    long_text = "x" * 2000
    terminal = Terminal()
    delivery = deliver(long_text, terminal.write, terminal.send, env={"STY": "123.pts-0"})
    assert delivery.channel == "screen" and not delivery.confirmed
    sequence = "".join(terminal.raw)
    pieces = sequence.split("\x1b\\")[:-1]
    assert all(p.startswith("\x1bP") and len(p) <= SCREEN_CHUNK + 2 for p in pieces)
    assert "".join(p[2:] for p in pieces) == osc52(long_text)
    assert "GNU screen" in delivery.message and "cannot check" in delivery.message


def test_a_plain_terminal_gets_osc52_and_an_honest_message() -> None:
    terminal = Terminal()
    delivery = deliver(TEXT, terminal.write, terminal.send, env={"TERM": "xterm-256color"})
    assert delivery.channel == "osc52" and not delivery.confirmed
    assert terminal.osc52 == [TEXT] and terminal.raw == []
    assert delivery.message == (
        "Sent to your terminal's clipboard (OSC 52); warroom cannot check it arrived"
    )


async def test_the_console_copy_inside_tmux_names_the_path_and_the_saved_file(
    bin_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.ui_support import make_app
    from warroom.ui.screens.main import MainScreen

    store = fake_tmux(bin_dir, "external")
    monkeypatch.setenv("TMUX", "/tmp/fake-tmux,1,0")
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        for _ in range(300):
            if isinstance(app.screen, MainScreen):
                break
            await pilot.pause(0.01)
        screen = app.screen
        assert isinstance(screen, MainScreen)
        await pilot.press("4", "y")
        for _ in range(300):
            if screen.session.state.comms:
                break
            await pilot.pause(0.01)
        await pilot.pause()
        copied = screen.session.state.comms[-1]
        assert copied.payload["channel"] == "tmux"
        assert (store / "buffer").read_text(encoding="utf-8") == copied.payload["text"]
        messages = [n.message for n in app._notifications]
    saved = list((tmp_path / "data" / "copies").iterdir())
    assert len(saved) == 1 and saved[0].read_text(encoding="utf-8") == copied.payload["text"]
    assert any(
        m.startswith("Responders: Copied to tmux's buffer (checked) and sent on")
        and m.endswith(f"Saved to {saved[0]}")
        for m in messages
    ), messages
