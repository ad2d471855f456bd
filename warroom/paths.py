"""Where warroom keeps things: the data folder, the config folder, bundled data."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "warroom"


def data_dir(explicit: str | os.PathLike[str] | None = None) -> Path:
    """`--data-dir`, else `$WARROOM_DATA_DIR`, else the user data folder."""
    if explicit:
        return Path(explicit).expanduser()
    env = os.environ.get("WARROOM_DATA_DIR")
    if env:
        return Path(env).expanduser()
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def drills_folder(data: Path) -> Path:
    """Where drill incidents (`DRILL-...`), their journals and reports live: apart from
    real incidents, so a drill never shows among them."""
    return Path(data) / "drills"


def config_dir() -> Path:
    """`$WARROOM_CONFIG_DIR`, else the user config folder (user scenarios, themes...)."""
    env = os.environ.get("WARROOM_CONFIG_DIR")
    if env:
        return Path(env).expanduser()
    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))
