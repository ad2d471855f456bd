"""Themes (shipped and user TOML files, switching in a real App) and remembered preferences."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pytest
from textual.app import App, ComposeResult
from textual.color import Color
from textual.theme import Theme
from textual.widgets import Static

from warroom import paths
from warroom.model.severity import PRESETS
from warroom.ui.preferences import (
    Preferences,
    PreferencesError,
    load_preferences,
    preferences_path,
    remember_theme,
    save_preferences,
)
from warroom.ui.themes import (
    DEFAULT_THEME,
    SHIPPED_THEMES,
    THEME_VARIABLES,
    ThemeFileError,
    choose_theme,
    load_themes,
    parse_theme,
    register_themes,
    severity_tier,
    theme_variable_defaults,
)

BUILTIN_SAMPLES = ("textual-dark", "textual-light", "ansi-dark", "nord")


def shipped_theme(name: str) -> Theme:
    text = resources.files("warroom.bundled.themes").joinpath(f"{name}.toml").read_text("utf-8")
    return parse_theme(text)


def user_themes_dir() -> Path:
    folder = paths.config_dir() / "themes"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


class ThemedApp(App[None]):
    """A minimal app whose CSS uses every one of our variables, one widget each."""

    CSS = "\n".join(
        f"#v-{name} {{ color: ${name}; background: ${name} 20%; }}" for name in THEME_VARIABLES
    )

    def get_theme_variable_defaults(self) -> dict[str, str]:
        return theme_variable_defaults(dark=self.current_theme.dark)

    def compose(self) -> ComposeResult:
        for name in THEME_VARIABLES:
            yield Static(name, id=f"v-{name}", markup=False)


def contrast(one: str, two: str) -> float:
    """WCAG contrast ratio of two colours."""
    lighter, darker = sorted(
        (_luminance(Color.parse(one)), _luminance(Color.parse(two))), reverse=True
    )
    return (lighter + 0.05) / (darker + 0.05)


def _luminance(colour: Color) -> float:
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    return 0.2126 * channel(colour.r) + 0.7152 * channel(colour.g) + 0.0722 * channel(colour.b)


# Shipped themes ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", SHIPPED_THEMES)
def test_each_shipped_theme_is_a_full_theme(name: str) -> None:
    theme = shipped_theme(name)
    assert isinstance(theme, Theme)
    assert theme.name == name
    assert set(THEME_VARIABLES) <= set(theme.variables)
    for field in ("primary", "secondary", "accent", "foreground", "background", "surface"):
        assert getattr(theme, field), field
    assert theme.dark is (name != "warroom-light")


def test_load_themes_gives_the_shipped_themes_in_order() -> None:
    themes, problems = load_themes()
    assert problems == []
    assert [theme.name for theme in themes] == list(SHIPPED_THEMES)
    assert DEFAULT_THEME == "warroom-dark"


@pytest.mark.parametrize("name", SHIPPED_THEMES)
def test_state_colours_stand_out_from_the_background(name: str) -> None:
    theme = shipped_theme(name)
    assert theme.background and theme.surface and theme.foreground
    assert contrast(theme.foreground, theme.background) >= 7
    for variable in THEME_VARIABLES:
        for backdrop in (theme.background, theme.surface):
            ratio = contrast(theme.variables[variable], backdrop)
            assert ratio >= 3, f"{variable} on {backdrop}: {ratio:.2f}"


def test_high_contrast_theme_is_readable_and_never_red_against_green() -> None:
    theme = shipped_theme("warroom-high-contrast")
    assert theme.background
    states = [v for v in THEME_VARIABLES if v.startswith(("state-", "severity-"))]
    for variable in states:
        ratio = contrast(theme.variables[variable], theme.background)
        assert ratio >= 7, f"{variable}: {ratio:.2f}"

    def blue_yellow(variable: str) -> float:
        # The opponent axis protan and deutan readers keep: blue minus yellow.
        colour = Color.parse(theme.variables[variable])
        return colour.b - (colour.r + colour.g) / 2

    def hue(variable: str) -> float:
        return Color.parse(theme.variables[variable]).hsl.h * 360

    assert blue_yellow("state-up") > 60
    assert blue_yellow("state-down") < -60 and blue_yellow("state-degraded") < -60
    assert blue_yellow("severity-critical") < -60
    for variable in states:
        colour = Color.parse(theme.variables[variable])
        if colour.hsl.s > 0.2:
            assert not 75 <= hue(variable) <= 165, f"{variable} is green"
    assert theme.success == theme.variables["state-up"]
    assert theme.error == theme.variables["state-down"]


def test_defaults_cover_every_variable_for_dark_and_light() -> None:
    for dark in (True, False):
        defaults = theme_variable_defaults(dark=dark)
        assert set(defaults) == set(THEME_VARIABLES)
        for value in defaults.values():
            Color.parse(value)
    assert theme_variable_defaults() == theme_variable_defaults(dark=True)


async def test_switching_between_every_theme_never_crashes() -> None:
    app = ThemedApp()
    async with app.run_test(size=(60, 30)) as pilot:
        assert register_themes(app) == []
        for name in (*SHIPPED_THEMES, *BUILTIN_SAMPLES, DEFAULT_THEME):
            app.theme = name
            await pilot.pause()
            theme = app.current_theme
            expected = theme.variables if name in SHIPPED_THEMES else {}
            fallback = theme_variable_defaults(dark=theme.dark)
            for variable in THEME_VARIABLES:
                widget = app.query_one(f"#v-{variable}", Static)
                wanted = Color.parse(expected.get(variable, fallback[variable]))
                assert widget.styles.color.rgb == wanted.rgb, (name, variable)
        assert app.theme == DEFAULT_THEME


def test_severity_tiers_follow_the_ladder_rank() -> None:
    sev = PRESETS["sev1-sev3"]
    assert [severity_tier(sev, key) for key in sev.keys] == ["critical", "major", "minor"]
    p = PRESETS["p0-p3"]
    assert [severity_tier(p, key) for key in p.keys] == ["critical", "major", "minor", "minor"]
    assert severity_tier(p, "nonsense") == "minor"


def test_choose_theme_prefers_the_flag_then_the_remembered_one() -> None:
    names = [*SHIPPED_THEMES, "textual-dark"]
    assert choose_theme("warroom-light", "warroom-high-contrast", names) == ("warroom-light", [])
    assert choose_theme(None, "warroom-high-contrast", names) == ("warroom-high-contrast", [])
    assert choose_theme(None, None, names) == (DEFAULT_THEME, [])
    chosen, problems = choose_theme("neon", "gone", names)
    assert chosen == DEFAULT_THEME
    assert problems[0].startswith("--theme 'neon' is not available (choose from warroom-dark,")
    assert problems[1].startswith("remembered theme 'gone' is not available")


# User themes ----------------------------------------------------------------------------

GOOD_USER_THEME = """\
name = "ops-night"
primary = "#00AAFF"
background = "#101010"
dark = true

[variables]
state-down = "#FF00FF"
"""


def test_a_user_theme_is_loaded_after_the_shipped_ones() -> None:
    (user_themes_dir() / "ops-night.toml").write_text(GOOD_USER_THEME, encoding="utf-8")
    themes, problems = load_themes()
    assert problems == []
    assert [t.name for t in themes] == [*SHIPPED_THEMES, "ops-night"]
    assert themes[-1].variables == {"state-down": "#FF00FF"}


def test_a_user_theme_may_replace_a_shipped_one_by_name() -> None:
    text = GOOD_USER_THEME.replace('name = "ops-night"', 'name = "warroom-dark"')
    (user_themes_dir() / "mine.toml").write_text(text, encoding="utf-8")
    themes, problems = load_themes()
    assert problems == []
    dark = {t.name: t for t in themes}["warroom-dark"]
    assert dark.primary == "#00AAFF"


async def test_a_sparse_user_theme_falls_back_to_our_defaults() -> None:
    (user_themes_dir() / "ops-night.toml").write_text(GOOD_USER_THEME, encoding="utf-8")
    app = ThemedApp()
    async with app.run_test() as pilot:
        register_themes(app)
        app.theme = "ops-night"
        await pilot.pause()
        down = app.query_one("#v-state-down", Static).styles.color
        up = app.query_one("#v-state-up", Static).styles.color
        assert down.rgb == Color.parse("#FF00FF").rgb
        assert up.rgb == Color.parse(theme_variable_defaults()["state-up"]).rgb


@pytest.mark.parametrize(
    ("text", "line", "field", "reason"),
    [
        ('name = "x"\nprimary = "#00AAFF\n', 2, "", "not valid TOML"),
        ('name = "x"\nprimary = "#00AAFF"\nbackground = "blurple"\n', 3, "background", "colour"),
        ('name = "x"\n\nprimary = 12\n', 3, "primary", "must be a colour"),
        ('name = "x"\nprimary = "red"\ncolour = "red"\n', 3, "colour", "unknown theme field"),
        ('primary = "red"\ndark = true\n', 1, "name", "needs a name"),
        ('name = "two words"\nprimary = "red"\n', 1, "name", "needs a name"),
        ('name = "x"\nbackground = "#000"\n', 1, "primary", "is required"),
        ('name = "x"\nprimary = "red"\ndark = "yes"\n', 3, "dark", "true or false"),
        ('name = "x"\nprimary = "red"\ntext_alpha = 1.5\n', 3, "text_alpha", "from 0 to 1"),
        (
            (
                'name = "x"\nprimary = "red"\n\n[variables]\nstate-up = "#0F0"\n'
                '"state-down" = "$error"\n'
            ),
            6,
            "variables.state-down",
            "is not a colour",
        ),
        (
            'name = "x"\nprimary = "red"\n[variables]\nstate-dwn = "#F00"\n',
            4,
            "variables.state-dwn",
            "unknown variable",
        ),
        (
            'name = "x"\nprimary = "red"\n[variables]\nfooter-key-foreground = "red; x"\n',
            4,
            "variables.footer-key-foreground",
            "CSS value",
        ),
        ('name = "x"\nprimary = "red"\nvariables = "none"\n', 3, "variables", "must be a table"),
    ],
)
def test_a_broken_user_theme_is_reported_with_file_line_and_field(
    text: str, line: int, field: str, reason: str
) -> None:
    path = user_themes_dir() / "broken.toml"
    path.write_text(text, encoding="utf-8")
    themes, problems = load_themes()
    assert [t.name for t in themes] == list(SHIPPED_THEMES)
    assert len(problems) == 1
    where = f"{path} line {line}: " + (f"{field}: " if field else "")
    assert problems[0].startswith(where), problems[0]
    assert reason in problems[0]
    assert problems[0].endswith("(skipped)")
    assert "\n" not in problems[0]


def test_parse_theme_error_carries_line_and_field() -> None:
    with pytest.raises(ThemeFileError) as caught:
        parse_theme('name = "x"\nprimary = "red"\nwarning = "nope"\n')
    assert (caught.value.line, caught.value.field) == (3, "warning")


def test_two_user_files_with_one_name_keep_the_first() -> None:
    folder = user_themes_dir()
    (folder / "a.toml").write_text(GOOD_USER_THEME, encoding="utf-8")
    (folder / "b.toml").write_text(GOOD_USER_THEME.replace("#00AAFF", "#123456"), "utf-8")
    (folder / "c.toml").write_bytes(b'name = "x"\nprimary = "\xff"\n')
    (folder / "notes.txt").write_text("ignored", encoding="utf-8")
    themes, problems = load_themes()
    assert {t.name: t for t in themes}["ops-night"].primary == "#00AAFF"
    assert problems == [
        f"{folder / 'b.toml'} line 1: name: 'ops-night' is already defined by"
        f" {folder / 'a.toml'} (skipped)",
        f"{folder / 'c.toml'} line 2: not UTF-8 text (skipped)",
    ]


# Preferences ----------------------------------------------------------------------------


def test_preferences_default_when_there_is_no_file() -> None:
    prefs = load_preferences()
    assert prefs == Preferences()
    assert prefs.problems == []


def test_remembered_theme_survives_a_restart_and_keeps_other_keys() -> None:
    path = preferences_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("future_setting = 3\n[layout]\nwide = true\n", encoding="utf-8")
    assert remember_theme("warroom-light") is None
    prefs = load_preferences()
    assert prefs.theme == "warroom-light"
    assert prefs.extra == {"future_setting": 3, "layout": {"wide": True}}
    assert remember_theme("warroom-high-contrast") is None
    assert load_preferences().theme == "warroom-high-contrast"
    assert [p.name for p in path.parent.iterdir()] == ["preferences.toml"]  # no temp files


def test_save_and_load_round_trip(tmp_path: Path) -> None:
    saved = save_preferences(Preferences(theme="nord"), tmp_path / "cfg")
    assert saved == tmp_path / "cfg" / "preferences.toml"
    assert saved.read_text(encoding="utf-8") == 'theme = "nord"\n'
    assert load_preferences(tmp_path / "cfg").theme == "nord"
    save_preferences(Preferences(theme=None), tmp_path / "cfg")
    assert load_preferences(tmp_path / "cfg").theme is None


def test_a_broken_preferences_file_is_reported_and_not_overwritten() -> None:
    path = preferences_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("theme = \n", encoding="utf-8")
    prefs = load_preferences()
    assert prefs.theme is None
    assert prefs.problems and prefs.problems[0].startswith(f"{path}: preferences ignored")
    problem = remember_theme("warroom-light")
    assert problem is not None and "not saved" in problem
    assert path.read_text(encoding="utf-8") == "theme = \n"


def test_a_theme_of_the_wrong_type_is_ignored_with_a_problem() -> None:
    path = preferences_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("theme = 7\n", encoding="utf-8")
    prefs = load_preferences()
    assert prefs.theme is None
    assert prefs.problems == [f"{path}: theme must be a theme name in quotes (ignored)"]
    assert remember_theme("warroom-dark") is None  # a readable file may be corrected
    assert load_preferences().theme == "warroom-dark"


def test_an_unwritable_config_folder_is_a_message_not_a_crash(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("", encoding="utf-8")
    with pytest.raises(PreferencesError, match="cannot save preferences"):
        save_preferences(Preferences(theme="x"), blocker)
    problem = remember_theme("warroom-dark", blocker)
    assert problem is not None and str(blocker / "preferences.toml") in problem
