"""The wheel, not only the source tree: every module and every shipped data file.

An editable install reads the repository, so a package missing from pyproject.toml's
list, or data the wheel leaves out, only breaks for people who `pip install` warroom.
These tests read the list, then build the wheel from a copy of the sources and load the
shipped themes, scenarios, drills and templates from it with the repository out of reach.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

from warroom.data_files import KINDS, shipped_files

REPO = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
SETUPTOOLS = PYPROJECT["tool"]["setuptools"]


def source_packages() -> set[str]:
    """Every package of the source tree, named as the wheel holds it."""
    found = {
        ".".join(init.parent.relative_to(REPO).parts)
        for init in (REPO / "warroom").rglob("__init__.py")
        if "__pycache__" not in init.parts
    }
    for package, folder in SETUPTOOLS["package-dir"].items():
        found |= {
            package + "".join("." + part for part in init.parent.relative_to(REPO / folder).parts)
            for init in (REPO / folder).rglob("__init__.py")
        }
    return found


def test_every_package_is_listed_for_the_wheel() -> None:
    listed = set(SETUPTOOLS["packages"])
    missing = source_packages() - listed
    assert not missing, f"add to [tool.setuptools] packages in pyproject.toml: {sorted(missing)}"
    assert not listed - source_packages(), "pyproject.toml lists packages that do not exist"


LOAD_EVERYTHING = """
import json, pkgutil, importlib, warroom
from warroom.ui.themes import load_themes
from warroom.scenarios.loader import load_scenarios
from warroom.drill.library import load_drills
from warroom.comms_templates import load_templates
from warroom.data_files import KINDS, shipped_files
modules = sorted(m.name for m in pkgutil.walk_packages(warroom.__path__, "warroom."))
themes, theme_problems = load_themes()
catalogue = load_scenarios()
drills = load_drills(catalogue=catalogue)
templates, template_problems = load_templates()
print(json.dumps({
    "file": warroom.__file__,
    "modules": modules,
    "shipped": {kind.label: [f.name for f in shipped_files(kind)] for kind in KINDS},
    "themes": [t.name for t in themes],
    "scenarios": len(catalogue),
    "drills": len(drills.scripts),
    "templates": len(templates),
    "problems": theme_problems + [str(p) for p in catalogue.problems] + drills.problems
    + template_problems,
}))
"""


def test_an_installed_wheel_has_every_module_and_finds_the_shipped_data(tmp_path: Path) -> None:
    source = tmp_path / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO / name, source / name)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for folder in ("warroom", *SETUPTOOLS["package-dir"].values()):
        shutil.copytree(REPO / folder, source / folder, ignore=ignore)
    built = subprocess.run(
        [
            *(sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation"),
            *("--no-index", "-w", str(tmp_path / "dist"), str(source)),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert built.returncode == 0, built.stderr[-3000:]
    (wheel,) = (tmp_path / "dist").glob("warroom-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "warroom/ui/warroom.tcss" in names
    # Unpacked as pip installs it, on the path ahead of the repository's editable install.
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    run = subprocess.run(
        [sys.executable, "-c", LOAD_EVERYTHING],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(site), "WARROOM_CONFIG_DIR": str(tmp_path / "cfg")},
        timeout=120,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    found = json.loads(run.stdout)
    assert found["file"].startswith(str(site)), found["file"]
    ours = sorted(
        ".".join(path.with_suffix("").relative_to(REPO).parts).removesuffix(".__init__")
        for path in (REPO / "warroom").rglob("*.py")
        if "__pycache__" not in path.parts and path.stem != "__main__"
    )
    assert set(ours) - {"warroom"} <= set(found["modules"]), set(ours) - set(found["modules"])
    assert found["shipped"] == {
        kind.label: [entry.name for entry in shipped_files(kind)] for kind in KINDS
    }
    assert found["problems"] == []
    assert {"warroom-dark", "warroom-light", "warroom-high-contrast"} <= set(found["themes"])
    assert found["scenarios"] >= 18 and found["drills"] >= 12 and found["templates"] == 4
