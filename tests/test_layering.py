"""The domain, store, probes, scenarios, services and CLI never import Textual."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

CORE_MODULES = [
    "warroom.model.events",
    "warroom.model.incident",
    "warroom.model.severity",
    "warroom.model.figures",
    "warroom.model.postmortem",
    "warroom.model.timeparse",
    "warroom.store.local",
    "warroom.services.incidents",
    "warroom.config",
    "warroom.cli",
]
OPTIONAL_PACKAGES = [
    "warroom.model",
    "warroom.store",
    "warroom.probes",
    "warroom.scenarios",
    "warroom.runtime",
]


def test_core_never_imports_textual() -> None:
    code = (
        "import importlib, pkgutil, sys\n"
        f"mods = {CORE_MODULES!r}\n"
        f"for pkg in {OPTIONAL_PACKAGES!r}:\n"
        "    p = importlib.import_module(pkg)\n"
        "    mods += [m.name for m in pkgutil.walk_packages(p.__path__, pkg + '.')]\n"
        "for m in mods: importlib.import_module(m)\n"
        "import warroom.cli as c; c.build_parser()\n"
        "bad = sorted(m for m in sys.modules if m == 'textual' or m.startswith('textual.'))\n"
        "print(len(mods), bad)\n"
        "sys.exit(1 if bad else 0)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=60
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_model_does_no_io() -> None:
    """The domain reads no files and no environment: loaders live outside warroom/model."""
    forbidden = re.compile(
        r"(?<![\w.])open\(|\.read_text\(|\.read_bytes\(|\bimportlib\b|\bos\.environ\b"
        r"|\bwarroom\.paths\b|\bfrom warroom import paths\b"
    )
    for source in (REPO / "warroom" / "model").glob("*.py"):
        text = source.read_text(encoding="utf-8")
        found = forbidden.findall(text)
        assert not found, f"{source.name} uses {found}"
