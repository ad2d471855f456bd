"""A throwaway PostgreSQL cluster for tests and benchmarks: initdb + pg_ctl on loopback.

`initdb` and `pg_ctl` refuse to run as root, so when the tests run as root the cluster is
created with `runuser -u postgres --` in a temporary folder owned by postgres (the same
binaries and helpers as the drill's cluster, `warroom.drill.pg_cluster`; unlike the
drill's, this one can be stopped and started again mid-test or mid-benchmark). The cluster
listens on 127.0.0.1 only, trusts local connections, and is removed when stopped.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from warroom.drill.pg_cluster import (
    as_server_user,
    create_cluster,
    find_binary,
    free_port,
    missing_reason,
    start_command,
)


def postgres_missing_reason() -> str | None:
    """Why a cluster cannot be started here (for a loud skip), or None when it can."""
    reason = missing_reason()
    if reason:
        return f"{reason} (apt-get install postgresql); PostgreSQL tests skipped"
    return None


@dataclass
class PostgresCluster:
    """One running throwaway cluster."""

    max_connections: int = 40
    superuser_reserved: int = 3
    port: int = field(default_factory=free_port)
    root: Path | None = None
    running: bool = False

    @property
    def user(self) -> str:
        return "postgres" if os.geteuid() == 0 else os.environ.get("USER", "postgres")

    @property
    def datadir(self) -> Path:
        assert self.root is not None
        return self.root / "data"

    def dsn(
        self, user: str | None = None, password: str | None = None, db: str = "postgres"
    ) -> str:
        who = user or self.user
        auth = f"{who}:{password}" if password else who
        return f"postgresql://{auth}@127.0.0.1:{self.port}/{db}"

    def _run(self, *argv: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        command = as_server_user(list(argv))
        return subprocess.run(command, check=check, capture_output=True, text=True, timeout=120)

    def start_new(self) -> PostgresCluster:
        self.root = Path(tempfile.mkdtemp(prefix="warroom-pg-"))
        create_cluster(
            self.root,
            self.user,
            self.port,
            self.max_connections,
            self.superuser_reserved,
            self._run,
        )
        self.start()
        return self

    def start(self) -> None:
        assert self.root is not None
        self._run(*start_command(self.datadir, self.root / "server.log"))
        self.running = True

    def stop(self, mode: str = "fast") -> None:
        if self.running:
            self._run(
                find_binary("pg_ctl") or "pg_ctl",
                "-D",
                str(self.datadir),
                "-m",
                mode,
                "-w",
                "stop",
                check=False,
            )
            self.running = False

    def wait_ready(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with (
                contextlib.suppress(OSError),
                socket.create_connection(("127.0.0.1", self.port), timeout=1),
            ):
                return
            time.sleep(0.05)
        raise TimeoutError(f"PostgreSQL on port {self.port} did not come up")

    def destroy(self) -> None:
        self.stop("immediate")
        if self.root is not None:
            shutil.rmtree(self.root, ignore_errors=True)
            self.root = None

    def psql(
        self, sql: str, db: str = "postgres", user: str | None = None, no_password: bool = False
    ) -> str:
        result = self._run(
            find_binary("psql") or "psql",
            "-X",
            "-q",
            "-t",
            "-A",
            "-h",
            "127.0.0.1",
            "-p",
            str(self.port),
            "-U",
            user or self.user,
            *(["-w"] if no_password else []),
            "-d",
            db,
            "-c",
            sql,
        )
        return result.stdout.strip()
