"""Choosing the store: `--store DSN`, else `$WARROOM_STORE`, else `[store] dsn` in the
config, else local files. The environment variable keeps a DSN's password out of process
listings (`warroom serve` hands its `--store` to each browser session that way)."""

from __future__ import annotations

import os
from pathlib import Path

from warroom.config import Config
from warroom.paths import data_dir
from warroom.store.base import IncidentStore
from warroom.store.local import LocalStore

STORE_ENV = "WARROOM_STORE"


def open_store(
    config: Config, store_dsn: str | None = None, data_folder: str | Path | None = None
) -> IncidentStore:
    """The store every command uses; PostgreSQL when a DSN is given, else the data folder."""
    folder = data_dir(data_folder)
    dsn = store_dsn or os.environ.get(STORE_ENV) or config.store_dsn
    if dsn:
        from warroom.store.postgres import PostgresStore  # it registers the password

        return PostgresStore(dsn, queue_dir=folder / "queue")
    return LocalStore(folder)
