"""The layers' arrows hold: import-linter's contracts (pyproject.toml, [tool.importlinter]).

`lint-imports` reads every import statement of warroom, including the ones inside
functions, and checks the contracts: cli > ui > runtime/services > store > model, the
model alone (no other warroom module, no I/O module), probes below the store and the UI,
no Textual below the UI. A broken arrow fails the suite here and in `.ci/run`.

What the import graph cannot tell stays a test of its own: the CLI's parser is built
without loading Textual (the console is imported only when it starts), a command that
writes to the timeline loads no HTTP client (httpx brings rich with it: a third of the
command's start-up), and the model calls no file reading on objects handed to it.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(cwd: Path, config: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LINT_IMPORTS), "--config", str(config), "--no-cache"],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(cwd)},
        timeout=120,
    )


def test_every_import_contract_is_kept() -> None:
    result = lint_imports(REPO, REPO / "pyproject.toml")
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "BROKEN" not in result.stdout
    for contract in ("Layers", "model imports nothing", "Probes never", "below the UI"):
        assert contract in result.stdout


def test_an_arrow_pointing_up_breaks_the_contracts(tmp_path: Path) -> None:
    """The same contracts on a copy of warroom whose store imports the UI, and whose
    model reads the environment: both are reported and lint-imports fails."""
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    shutil.copytree(REPO / "warroom", tmp_path / "warroom", ignore=ignore)
    store = tmp_path / "warroom" / "store" / "local.py"
    store.write_text(
        store.read_text(encoding="utf-8") + "\nfrom warroom.ui import app as _app  # up\n",
        encoding="utf-8",
    )
    model = tmp_path / "warroom" / "model" / "figures.py"
    model.write_text(model.read_text(encoding="utf-8") + "\nimport os  # I/O\n", encoding="utf-8")
    result = lint_imports(tmp_path, REPO / "pyproject.toml")
    assert result.returncode != 0
    assert "warroom.store.local -> warroom.ui.app" in result.stdout
    assert "warroom.model is not allowed to import os" in result.stdout


def test_the_cli_parser_never_loads_textual() -> None:
    code = (
        "import sys, warroom.cli as c\n"
        "c.build_parser()\n"
        "import warroom.ui.bindings  # (loads Textual: checks the test can see it)\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'textual')[:1])\n"
    )
    check = code.replace("import warroom.ui.bindings", "pass #")
    for source, loaded in ((check, False), (code, True)):
        result = subprocess.run(
            [sys.executable, "-c", source], capture_output=True, text=True, cwd=REPO, timeout=60
        )
        assert result.returncode == 0, result.stderr
        assert (result.stdout.strip() != "[]") is loaded, result.stdout


def test_a_timeline_command_loads_no_http_client(tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "from warroom.cli import main\n"
        "assert main(['declare', 'Checkout 502s', '-s', 'SEV-1']) == 0\n"
        "import warroom.delivery.senders  # every command's runtime has the outbox\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('httpx', 'rich')))\n"
        "import httpx  # (checks the test can see it)\n"
        "print('httpx' in sys.modules)\n"
    )
    env = {"PATH": "/usr/bin:/bin", "WARROOM_DATA_DIR": str(tmp_path / "data")}
    env["WARROOM_CONFIG_DIR"] = str(tmp_path / "config")
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, env=env, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-2:] == ["[]", "True"], result.stdout


def test_the_model_reads_no_files_handed_to_it() -> None:
    """Imports are the contracts' job; a Path passed in and read would not show there."""
    reading = re.compile(r"(?<![\w.])open\(|\.read_text\(|\.read_bytes\(|\.write_text\(")
    for source in (REPO / "warroom" / "model").glob("*.py"):
        found = reading.findall(source.read_text(encoding="utf-8"))
        assert not found, f"{source.name} uses {found}"
