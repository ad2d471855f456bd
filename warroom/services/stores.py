"""Choosing the store: `--store DSN`, else `[store] dsn` in the config, else local files."""

from __future__ import annotations

from pathlib import Path

from warroom.config import Config
from warroom.paths import data_dir
from warroom.redact import register_secret
from warroom.store.base import IncidentStore
from warroom.store.local import LocalStore


def open_store(
    config: Config, store_dsn: str | None = None, data_folder: str | Path | None = None
) -> IncidentStore:
    """The store every command uses; PostgreSQL when a DSN is given, else the data folder."""
    folder = data_dir(data_folder)
    dsn = store_dsn or config.store_dsn
    if dsn:
        register_secret(_password_of(dsn))
        from warroom.store.postgres import PostgresStore

        return PostgresStore(dsn, queue_dir=folder / "queue")
    return LocalStore(folder)


def _password_of(dsn: str) -> str | None:
    from urllib.parse import urlsplit

    try:
        return urlsplit(dsn).password
    except ValueError:
        return None
