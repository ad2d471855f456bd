"""warroom.data_files: one way to find shipped files and the user's, for every kind."""

from __future__ import annotations

from pathlib import Path

import pytest

from warroom.comms_templates import load_templates
from warroom.data_files import (
    DRILLS,
    KINDS,
    SCENARIOS,
    TEMPLATES,
    THEMES,
    DataFileError,
    DataKind,
    shipped_files,
    user_files,
)
from warroom.ui.themes import load_themes

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("kind", KINDS, ids=lambda kind: kind.label)
def test_shipped_files_are_the_source_tree_folders(kind: DataKind) -> None:
    shipped = shipped_files(kind)
    on_disk = sorted(p.name for p in (REPO / kind.source_folder).glob("*" + kind.suffix))
    assert [entry.name for entry in shipped] == on_disk and on_disk
    assert all(
        entry.shipped and entry.display.startswith(kind.source_folder + "/") for entry in shipped
    )


def test_user_folders_sit_in_the_config_folder(tmp_path: Path) -> None:
    assert THEMES.user_dir(tmp_path) == tmp_path / "themes"
    assert SCENARIOS.user_dir(tmp_path) == tmp_path / "scenarios"
    assert DRILLS.user_dir(tmp_path) == tmp_path / "drills"
    assert TEMPLATES.user_dir(tmp_path) == tmp_path / "templates"


def test_user_files_of_the_kind_only_and_in_name_order(tmp_path: Path) -> None:
    folder = tmp_path / "themes"
    folder.mkdir()
    for name in ("b.toml", "a.toml", "notes.md", "c.toml.bak"):
        (folder / name).write_text("x", encoding="utf-8")
    (folder / "dir.toml").mkdir()
    problems: list[str] = []
    assert [f.name for f in user_files(THEMES, folder, problems)] == ["a.toml", "b.toml"]
    assert problems == []
    assert user_files(THEMES, tmp_path / "absent", problems) == []
    (tmp_path / "file").write_text("", encoding="utf-8")
    assert user_files(THEMES, tmp_path / "file", problems) == [] and problems == []


def test_reading_a_user_file_is_bounded_and_names_the_bad_line(tmp_path: Path) -> None:
    folder = tmp_path / "templates"
    folder.mkdir()
    (folder / "big.md").write_bytes(b"x" * (65 * 1024))
    (folder / "latin1.md").write_bytes(b"# ok\nline two\ncaf\xe9\n")
    files = {f.name: f for f in user_files(TEMPLATES, folder, [])}
    with pytest.raises(DataFileError, match="larger than 64 KiB"):
        files["big.md"].read_text(TEMPLATES.max_bytes)
    with pytest.raises(DataFileError) as error:
        files["latin1.md"].read_text()
    assert error.value.line == 3 and error.value.message == "not UTF-8 text"
    templates, problems = load_templates(tmp_path)
    assert len(templates) == 4
    assert any(
        p.startswith(str(folder / "latin1.md")) and "line 3: not UTF-8" in p for p in problems
    )
    assert any(p.startswith(str(folder / "big.md")) and "larger than 64 KiB" in p for p in problems)


def test_a_user_theme_replaces_the_shipped_one_of_that_name(tmp_path: Path) -> None:
    folder = tmp_path / "themes"
    folder.mkdir()
    shipped = next(f for f in shipped_files(THEMES) if f.name == "warroom-dark.toml")
    text = shipped.read_text().replace('primary = "', 'primary = "#123456" # was "', 1)
    (folder / "mine.toml").write_text(text, encoding="utf-8")
    themes, problems = load_themes(tmp_path)
    assert problems == []
    assert next(t for t in themes if t.name == "warroom-dark").primary == "#123456"
