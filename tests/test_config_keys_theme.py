"""`[keys]` and `[ui] theme`: typed, checked at start, and used.

A bad binding id, a key Textual cannot read or a theme nobody has stops the console before
it draws anything, with one line naming the file, the line, the field and the closest
match (exit 3, like every config error). A good rebinding changes the key and the help;
the configured theme is the one the console starts with.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from textual.pilot import Pilot

from tests.ui_support import make_app
from warroom.config import Config, ConfigError, load_config
from warroom.ui.bindings import all_bindings, key_problem, keymap_from_config
from warroom.ui.footer import KeysFooter
from warroom.ui.screens.main import MainScreen

REPO = Path(__file__).resolve().parents[1]


def console(config: Path, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """`warroom --config FILE` as a user starts it (no terminal: it must fail first)."""
    return subprocess.run(
        [sys.executable, "-m", "warroom", "--config", str(config), "--author", "tester"],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        cwd=tmp_path,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )


async def wait_main(pilot: Pilot[int]) -> MainScreen:
    for _ in range(200):
        if isinstance(pilot.app.screen, MainScreen):
            await pilot.pause()
            return pilot.app.screen
        await pilot.pause(0.01)
    raise AssertionError(f"main screen never came up: {pilot.app.screen}")


BAD_CONFIGS = [
    (
        '[incident]\nladder = "sev1-sev3"\n\n[keys]\n"main.sevrity" = "S"\n',
        ["line 5", "keys.main.sevrity", "did you mean 'main.severity'"],
    ),
    ('[keys]\n"main.note" = "Enter"\n', ["line 2", "keys.main.note", "did you mean 'enter'"]),
    ('[keys]\n"main.note" = "ctl+n"\n', ["line 2", "keys.main.note", "'ctl' is not a modifier"]),
    ('[keys]\n"main.note" = ""\n', ["line 2", "keys.main.note", "got an empty string"]),
    ('[keys]\n"main.note" = 7\n', ["line 2", "keys.main.note", "got int"]),
    ('keys = ["n"]\n', ["[keys] must be a table"]),
    (
        '# team config\n[ui]\ntheme = "warroom-drak"\n',
        ["line 3", "ui.theme", "'warroom-drak'", "did you mean 'warroom-dark'"],
    ),
    ('ui = "dark"\n', ["[ui] must be a table"]),
    ("[ui]\ntheme = 3\n", ["ui.theme", "expected a string"]),
]


@pytest.mark.parametrize(("text", "words"), BAD_CONFIGS)
def test_a_bad_key_or_theme_is_one_line_naming_file_line_and_field(
    tmp_path: Path, text: str, words: list[str]
) -> None:
    path = tmp_path / "warroom.toml"
    path.write_text(text, encoding="utf-8")
    result = console(path, tmp_path)
    assert result.returncode == 3, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("warroom: error: "), result.stderr
    assert str(path) in lines[0]
    for word in words:
        assert word in lines[0], (word, lines[0])


def test_keys_are_read_typed_with_their_lines(tmp_path: Path) -> None:
    path = tmp_path / "warroom.toml"
    path.write_text(
        '[ui]\ntheme = "warroom-light"\n\n[keys]\n"main.severity" = "S"\n'
        "'timeline.pin' = \"ctrl+p, P\"\n",
        encoding="utf-8",
    )
    config = load_config(path)
    assert config.theme == "warroom-light"
    assert config.keys == {"main.severity": "S", "timeline.pin": "ctrl+p, P"}
    assert config.where("keys.timeline.pin") == f"{path}: line 6: keys.timeline.pin"
    assert keymap_from_config(config) == config.keys


def test_every_binding_of_every_pane_can_be_rebound() -> None:
    ids = {binding.id for binding in all_bindings()}
    # One from each place bindings live: the app, the main screen, each pane.
    for expected in ("app.quit", "main.note", "status.details", "checklist.tick"):
        assert expected in ids
    for expected in ("timeline.pin", "timeline.newest", "note.newline", "comms.refill"):
        assert expected in ids
    config = Config(keys=dict.fromkeys(sorted(ids), "f5"))
    assert set(keymap_from_config(config)) == ids
    with pytest.raises(ConfigError, match="no binding has this id"):
        keymap_from_config(Config(keys={"main.nothing": "x"}))


@pytest.mark.parametrize(
    "key", ["S", "ctrl+k", "f5", "question_mark", "space", "shift+tab", "ctrl+shift+up", "a,b"]
)
def test_keys_textual_reads(key: str) -> None:
    assert key_problem(key) is None


@pytest.mark.parametrize(
    "key", ["Enter", "pgup", "ctl+s", "ctrl+", "a,,b", " ", "hyper+nothing", "ctrl+Space"]
)
def test_keys_textual_cannot_read(key: str) -> None:
    assert key_problem(key)


async def test_the_configured_theme_is_the_one_the_console_starts_with(tmp_path: Path) -> None:
    app = make_app(tmp_path, config=Config(theme="warroom-high-contrast"))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_main(pilot)
        assert app.theme == "warroom-high-contrast"


async def test_the_theme_flag_wins_over_the_config(tmp_path: Path) -> None:
    app = make_app(tmp_path, config=Config(theme="warroom-high-contrast"))
    app.requested_theme = "warroom-light"
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_main(pilot)
        assert app.theme == "warroom-light"


async def test_a_rebound_key_shows_in_the_help_and_the_footer(tmp_path: Path) -> None:
    config = Config(keys={"main.note": "N", "timeline.pin": "ctrl+t"})
    app = make_app(tmp_path, config=config)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await wait_main(pilot)
        sections = dict(app.key_help())
        assert ("N", "write a note (n: f: a: d: t: prefixes set its kind)") in sections["Incident"]
        assert ("ctrl+t", "pin / unpin the note") in sections["Timeline pane"]
        shown = screen.query_one(KeysFooter).shown_keys()
        footer = " ".join(f"{key.shown} {key.description}" for key in shown)
        assert "N Note" in footer


def test_a_drill_keeps_the_users_keys_and_theme(tmp_path: Path) -> None:
    from warroom.drill.drill_config import config_document, write_config

    user = Config(theme="warroom-light", keys={"main.note": "N"})
    document = config_document(user, "tester", [], "SEV-2", 60.0)
    path = write_config(tmp_path / "drill.toml", document)
    again = load_config(path)
    assert again.keys == {"main.note": "N"} and again.theme == "warroom-light"
    assert again.where("keys.main.note").startswith(f"{path}: line ")


def test_theme_order_flag_then_config_then_remembered() -> None:
    from warroom.ui.themes import choose_theme

    names = ["warroom-dark", "warroom-light", "warroom-high-contrast"]
    assert choose_theme("warroom-light", "warroom-dark", names, "warroom-high-contrast") == (
        "warroom-light",
        [],
    )
    assert choose_theme(None, "warroom-light", names, "warroom-high-contrast")[0] == (
        "warroom-high-contrast"
    )
    assert choose_theme(None, "warroom-light", names, None)[0] == "warroom-light"
    name, problems = choose_theme("nope", None, names, "warroom-light")
    assert name == "warroom-light" and problems and "--theme 'nope'" in problems[0]
