"""Choosing the store: `--store DSN`, else `$WARROOM_STORE`, else `[store] dsn` in the
config, else local files. The environment variable keeps a DSN's password out of process
listings (`warroom serve` hands its `--store` to each browser session that way).

A store DSN is checked before anything uses it: one that is not a `postgresql://` URL,
or whose password PostgreSQL clients would read differently (an unencoded `@ / ? #`),
is a ConfigError naming where it came from, and never quoting it.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit

from warroom.config import Config, ConfigError
from warroom.credentials import CredentialError
from warroom.paths import data_dir
from warroom.redact import register_dsn_secrets
from warroom.store.base import IncidentStore, StoreError
from warroom.store.local import LocalStore

STORE_ENV = "WARROOM_STORE"
STORE_DSN_FORM = "postgresql://user@host:5432/database"


def open_store(
    config: Config, store_dsn: str | None = None, data_folder: str | Path | None = None
) -> IncidentStore:
    """The store every command uses; PostgreSQL when a DSN is given, else the data folder."""
    folder = data_dir(data_folder)
    dsn = store_dsn or os.environ.get(STORE_ENV) or config.store_dsn
    if dsn:
        where = (
            "--store"
            if store_dsn
            else f"${STORE_ENV}"
            if os.environ.get(STORE_ENV)
            else f"{config.source}: [store] dsn"
        )
        check_store_dsn(dsn, where)
        from warroom.store.postgres import PostgresStore  # it registers the password

        try:
            return PostgresStore(dsn, queue_dir=folder / "queue")
        except ValueError:
            raise StoreError(f"{where} is not a PostgreSQL URL warroom can read") from None
    return LocalStore(folder)


def check_store_dsn(dsn: str, where: str) -> None:
    """Register the DSN's secrets; ConfigError (naming `where`, never the DSN) when it
    cannot be used as it is written."""
    try:
        register_dsn_secrets(dsn)
    except CredentialError as error:
        raise ConfigError(f"{where}: cannot be read safely: {error} (value not shown)") from None
    except ValueError:
        pass  # not key=value either; the scheme check below says what is expected
    try:
        parts = urlsplit(dsn)
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        raise ConfigError(
            f"{where}: not a valid URL (a bad port or [address]; value not shown)"
        ) from None
    if "://" not in dsn or parts.scheme.lower() not in ("postgresql", "postgres"):
        raise ConfigError(f"{where}: must be a URL like {STORE_DSN_FORM} (value not shown)")
