"""`warroom scenarios list|show|validate` and `warroom import-runbook`, as a user runs them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from warroom.cli import main
from warroom.scenarios import shipped_text

REPO = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).parent / "fixtures" / "runbooks"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def user_dir() -> Path:
    return Path(os.environ["WARROOM_CONFIG_DIR"]) / "scenarios"


def test_list_shows_the_full_set_general_first(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "scenarios", "list")
    assert code == 0 and err == ""
    lines = out.splitlines()
    assert len(lines) == 18
    assert lines[0].startswith("general ") and "Any incident: first response" in lines[0]
    code, out, _ = run(capsys, "scenarios", "list", "--json")
    records = [json.loads(line) for line in out.splitlines()]
    assert records[0]["id"] == "general" and records[0]["origin"] == "shipped"
    assert all(record["steps"] > 0 for record in records)


def test_show_gates_steps_by_severity(capsys: pytest.CaptureFixture[str]) -> None:
    code, worst, _ = run(capsys, "scenarios", "show", "general", "--severity", "SEV-1")
    assert code == 0 and "Brief leadership" in worst and "(communicate-4)" in worst
    code, minor, _ = run(capsys, "scenarios", "show", "general", "--severity", "sev3")
    assert code == 0 and "Brief leadership" not in minor
    assert "(steps for SEV-3 Minor issue)" in minor
    code, ladder, _ = run(
        capsys, "scenarios", "show", "general", "--ladder", "p0-p3", "--severity", "P0"
    )
    assert code == 0 and "Brief leadership" in ladder
    code, everything, _ = run(capsys, "scenarios", "show", "database-connections")
    assert '$ psql "$DATABASE_URL" -c "SELECT 1;"' in everything
    assert "Causes and fixes" in everything and "[SEV-1 or worse]" in everything


def test_show_errors_are_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "scenarios", "show", "nope")
    assert code == 1 and err.startswith("warroom: error: no scenario 'nope'")
    assert err.count("\n") == 1
    code, _, err = run(capsys, "scenarios", "show", "general", "--severity", "SEV-9")
    assert code == 2 and "unknown severity 'SEV-9'" in err and err.count("\n") == 1


def test_show_toml_and_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "scenarios", "show", "payment-processing", "--toml")
    assert code == 0 and out == shipped_text("payment-processing")
    assert tomllib.loads(out)["id"] == "payment-processing"
    code, out, _ = run(capsys, "scenarios", "show", "payment-processing", "--json")
    assert json.loads(out)["phase"][0]["id"] == "assess"


def test_validate_shipped_and_user_files(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "scenarios", "validate")
    assert code == 0 and out == "18 scenario(s) valid; 0 error(s), 0 warning(s)\n"
    folder = user_dir()
    folder.mkdir(parents=True)
    (folder / "typo.toml").write_text(
        'id = "mine"\ntitle = "Mine"\ncolour = "red"\n[[phase]]\nid = "a"\n'
        '[[phase.step]]\ntext = "do it"\n'
    )
    code, out, _ = run(capsys, "scenarios", "validate")
    assert code == 0
    assert f"{folder / 'typo.toml'}: warning: unknown key 'colour' (ignored)" in out
    (folder / "broken.toml").write_text(
        'id = "b"\ntitle = "B"\n[[phase]]\nid = "a"\n[[phase.step]]\n'
    )
    code, out, _ = run(capsys, "scenarios", "validate")
    assert code == 1
    assert f"{folder / 'broken.toml'}:5: phase[1].step[1]: missing 'text'" in out
    assert out.endswith("19 scenario(s) valid; 1 error(s), 1 warning(s)\n")
    code, out, err = run(capsys, "scenarios", "list")
    assert code == 0 and "mine " in out and "missing 'text'" in err


def test_validate_paths_binary_and_duplicates(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    good = 'id = "x"\ntitle = "X"\n[[phase]]\nid = "a"\n[[phase.step]]\ntext = "t"\n'
    (tmp_path / "one.toml").write_text(good)
    (tmp_path / "two.toml").write_text(good)
    (tmp_path / "three.toml").write_bytes(b"\x00\xff\x00binary")
    code, out, _ = run(capsys, "scenarios", "validate", str(tmp_path / "one.toml"), str(tmp_path))
    assert code == 1
    lines = out.splitlines()
    assert f"{tmp_path / 'three.toml'}: binary file, not a TOML scenario" in lines
    assert any("duplicate scenario id 'x'" in line for line in lines)
    assert "Traceback" not in out


def test_validate_warns_about_services_the_config_lacks(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    (tmp_path / "warroom.toml").write_text(
        '[[service]]\nname = "api"\nkind = "http"\nurl = "http://127.0.0.1:9/"\n'
    )
    code, out, _ = run(capsys, "scenarios", "validate")
    assert code == 0
    assert "scenarios/payment-processing.toml: services: warning: service 'payments-vendor'" in out


def test_import_runbook_into_the_user_folder(capsys: pytest.CaptureFixture[str]) -> None:
    source = str(FIXTURES / "checkboxes-and-tables.md")
    code, out, _ = run(capsys, "import-runbook", source, "--dry-run")
    assert code == 0 and out.startswith("would write 3 scenario(s)") and not user_dir().exists()
    code, out, _ = run(capsys, "import-runbook", source)
    assert code == 0
    assert f"wrote 3 scenario(s) to {user_dir()}:" in out
    listed = "checkboxes-and-tables-checkout-failing.toml  Checkout failing"
    assert f"{listed} (2 phases, 4 steps, 3 causes)" in out
    code, listing, _ = run(capsys, "scenarios", "list")
    assert "checkboxes-and-tables-refunds-stuck" in listing
    code, _, err = run(capsys, "import-runbook", source)
    assert code == 1 and "already exist (use --force)" in err
    code, _, _ = run(capsys, "import-runbook", source, "--force", "--prefix", "")
    assert code == 0 and (user_dir() / "general.toml").exists()
    code, shown, _ = run(capsys, "scenarios", "show", "general")
    assert "Payments on-call notes" in shown  # the team's own general procedure replaces ours


def test_import_runbook_reports_what_it_skipped(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, out, _ = run(
        capsys, "import-runbook", str(FIXTURES / "deep-headings.md"), "--out", str(tmp_path)
    )
    assert code == 0
    assert "skipped 1 part(s) of deep-headings.md:" in out
    assert "line 49: section 'Severity levels': reference material (severity)" in out


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "the file is empty"),
        (b"\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x03\x00", "binary file"),
        (b"# Notes\n\nNothing to see.\n", "no incident sections found"),
    ],
)
def test_import_bad_files_without_a_traceback(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "runbook.md"
    path.write_bytes(content)
    result = subprocess.run(
        [sys.executable, "-m", "warroom", "import-runbook", str(path), "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        timeout=60,
    )
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.startswith(f"warroom: error: {path}: {message}")
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
