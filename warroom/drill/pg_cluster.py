"""A throwaway PostgreSQL cluster for a drill: initdb, pg_ctl start, stop, remove.

The cluster lives in a fresh temporary folder (`warroom-drill-pg-*`), listens on
127.0.0.1 on a free port only, trusts local connections, and is removed by `stop()`.
`initdb` and `pg_ctl` refuse to run as root, so as root they run under
`runuser -u postgres --` with the folder owned by postgres.

A crash of the drill's own process (even SIGKILL) must not leave a server behind, so
`start()` also starts a reaper (`python -m warroom.drill.reaper`): a small process that
holds a pipe from us and, when the pipe closes without a word, stops the cluster and
removes its folder.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

FOLDER_PREFIX = "warroom-drill-pg-"
APP_USER = "app"
APP_DATABASE = "shop"


def find_binary(name: str) -> str | None:
    for folder in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        candidate = folder / name
        if candidate.is_file():
            return str(candidate)
    return shutil.which(name)


def missing_reason() -> str | None:
    """Why no cluster can be started here, or None when one can."""
    for name in ("initdb", "pg_ctl", "postgres"):
        if find_binary(name) is None:
            return f"no PostgreSQL server binaries ({name} not found)"
    if os.geteuid() == 0:
        if shutil.which("runuser") is None:
            return "running as root without runuser"
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return "running as root and there is no postgres user to run the server"
    return None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def as_server_user(argv: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *argv] if os.geteuid() == 0 else argv


def create_cluster(
    root: Path,
    superuser: str,
    port: int,
    max_connections: int,
    superuser_reserved: int,
    run: Callable[..., object],
) -> Path:
    """initdb a trusting, loopback-only, no-fsync cluster in `root/data`; its folder.

    `run(*argv)` runs a server command (as the postgres user when we are root). The
    drill and the tests' fixture both build their clusters with this.
    """
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
    datadir = root / "data"
    run(
        find_binary("initdb") or "initdb",
        "-D",
        str(datadir),
        "-U",
        superuser,
        "--auth=trust",
        "--no-sync",
        "-E",
        "UTF8",
    )
    with open(datadir / "postgresql.conf", "a", encoding="utf-8") as conf:
        conf.write(
            f"\nlisten_addresses = '127.0.0.1'\nport = {port}\n"
            f"max_connections = {max_connections}\n"
            f"superuser_reserved_connections = {superuser_reserved}\n"
            f"unix_socket_directories = '{root}'\n"
            "fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n"
            "shared_buffers = 16MB\n"
        )
    return datadir


def start_command(datadir: Path, logfile: Path) -> list[str]:
    """`pg_ctl start`, waiting (up to 60 s) until the server accepts connections."""
    pg_ctl = find_binary("pg_ctl") or "pg_ctl"
    return [pg_ctl, "-D", str(datadir), "-l", str(logfile), "-w", "-t", "60", "start"]


@dataclass
class DrillCluster:
    """One throwaway cluster; `start()` then `stop()` (idempotent)."""

    max_connections: int = 20
    superuser_reserved: int = 3
    port: int = field(default_factory=free_port)
    root: Path | None = None
    running: bool = False
    _reaper: subprocess.Popen[bytes] | None = None

    @property
    def superuser(self) -> str:
        return "postgres" if os.geteuid() == 0 else pwd.getpwuid(os.geteuid()).pw_name

    @property
    def datadir(self) -> Path:
        assert self.root is not None
        return self.root / "data"

    @property
    def usable_connections(self) -> int:
        """Connections a role without superuser may open."""
        return self.max_connections - self.superuser_reserved

    def dsn(self, user: str | None = None, database: str = "postgres") -> str:
        return f"postgresql://{user or self.superuser}@127.0.0.1:{self.port}/{database}"

    def _run(self, *argv: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            as_server_user(list(argv)),
            check=True,
            capture_output=True,
            text=True,
            timeout=120,
            stdin=subprocess.DEVNULL,
        )

    def start(self) -> DrillCluster:
        self.root = Path(tempfile.mkdtemp(prefix=FOLDER_PREFIX))
        self._start_reaper()
        try:
            create_cluster(
                self.root,
                self.superuser,
                self.port,
                self.max_connections,
                self.superuser_reserved,
                self._run,
            )
            self._run(*start_command(self.datadir, self.root / "server.log"))
            self.running = True
        except BaseException:
            self.stop()
            raise
        return self

    def _start_reaper(self) -> None:
        """A watchdog that stops and removes this cluster if we die without doing it."""
        assert self.root is not None
        command = [
            sys.executable,
            "-m",
            "warroom.drill.reaper",
            str(self.root),
            find_binary("pg_ctl") or "pg_ctl",
        ]
        with contextlib.suppress(OSError):
            self._reaper = subprocess.Popen(
                command,
                stdin=subprocess.PIPE,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
            )

    def stop(self) -> None:
        """Stop the server (immediately: it holds nothing worth keeping) and remove it."""
        if self.root is None:
            return
        if self.running or (self.datadir / "postmaster.pid").exists():
            with contextlib.suppress(subprocess.SubprocessError, OSError):
                subprocess.run(
                    as_server_user(
                        [
                            find_binary("pg_ctl") or "pg_ctl",
                            "-D",
                            str(self.datadir),
                            "-m",
                            "immediate",
                            "-w",
                            "-t",
                            "30",
                            "stop",
                        ]
                    ),
                    capture_output=True,
                    timeout=60,
                    stdin=subprocess.DEVNULL,
                )
            self.running = False
        shutil.rmtree(self.root, ignore_errors=True)
        self.root = None
        self._release_reaper()

    def _release_reaper(self) -> None:
        reaper, self._reaper = self._reaper, None
        release_watchdog(reaper)


def release_watchdog(process: subprocess.Popen[bytes] | None) -> None:
    """Tell a watchdog (`python -m warroom.drill.reaper`) the drill cleaned up itself."""
    if process is None:
        return
    with contextlib.suppress(OSError, ValueError):
        assert process.stdin is not None
        process.stdin.write(b"done\n")
        process.stdin.close()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)
