"""The README's key table and the help come from the bindings, and stay current."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from warroom.ui import keytable
from warroom.ui.bindings import all_bindings

REPO = Path(__file__).resolve().parents[1]


def test_the_readme_key_table_is_current() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    expected = keytable.with_table(readme, keytable.markdown_table(all_bindings()))
    assert readme == expected, "README key table is stale: run python -m warroom.ui.keytable"


def ids_in_source() -> set[str]:
    """Every `Binding(..., id="...")` written anywhere under warroom/ui, read from the
    source: what the walker must find without a list to keep."""
    found = set()
    for path in (REPO / "warroom" / "ui").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Binding":
                for keyword in node.keywords:
                    if keyword.arg == "id" and isinstance(keyword.value, ast.Constant):
                        found.add(keyword.value.value)
    return found


def test_every_binding_with_an_id_is_in_the_table() -> None:
    ids = [binding.id for binding in all_bindings()]
    assert len(ids) == len(set(ids))
    assert set(ids) == ids_in_source()
    table = keytable.markdown_table(all_bindings())
    for binding_id in ids:
        assert f"`{binding_id}` |" in table


def test_check_fails_on_a_stale_table_and_a_rewrite_fixes_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    readme = tmp_path / "README.md"
    current = (REPO / "README.md").read_text(encoding="utf-8")
    stale = "\n".join(line for line in current.splitlines() if "`main.note`" not in line)
    readme.write_text(stale + "\n", encoding="utf-8")
    assert keytable.main(["--check", "--readme", str(readme)]) == 1
    assert "not current" in capsys.readouterr().out
    assert keytable.main(["--readme", str(readme)]) == 0
    assert keytable.main(["--check", "--readme", str(readme)]) == 0
    assert "`main.note`" in readme.read_text(encoding="utf-8")


def test_a_readme_without_the_markers_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    readme = tmp_path / "README.md"
    readme.write_text("# no table here\n", encoding="utf-8")
    assert keytable.main(["--readme", str(readme)]) == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1


def test_ids_lists_every_binding(capsys: pytest.CaptureFixture[str]) -> None:
    assert keytable.main(["--ids"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert "main.severity\ts" in lines
    assert len(lines) == len(all_bindings())
