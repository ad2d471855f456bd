"""Choosing the store: `--store DSN`, else `[store] dsn` in the config, else local files."""

from __future__ import annotations

from pathlib import Path

from warroom.config import Config
from warroom.paths import data_dir
from warroom.store.base import IncidentStore, StoreError
from warroom.store.local import LocalStore

DSN_SCHEMES = ("postgresql://", "postgres://")


def open_store(
    config: Config, store_dsn: str | None = None, data_folder: str | Path | None = None
) -> IncidentStore:
    """The store every command uses; PostgreSQL when a DSN is given, else the data folder."""
    folder = data_dir(data_folder)
    dsn = store_dsn or config.store_dsn
    if dsn:
        where = "--store" if store_dsn else f"{config.source}: [store] dsn"
        if not dsn.strip().lower().startswith(DSN_SCHEMES):
            # Never echo it: a DSN without its scheme may still hold a password.
            raise StoreError(f"{where} must be a postgresql://user@host/db URL")
        from warroom.store.postgres import PostgresStore  # it registers the password

        try:
            return PostgresStore(dsn, queue_dir=folder / "queue")
        except ValueError:
            raise StoreError(f"{where} is not a PostgreSQL URL warroom can read") from None
    return LocalStore(folder)
