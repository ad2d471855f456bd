"""The drill's watchdogs: `python -m warroom.drill.reaper CLUSTER_ROOT PG_CTL` for the
PostgreSQL cluster, `python -m warroom.drill.reaper --remove FOLDER` for the temporary
folder (the config with the fleet's addresses).

Each is started in a session of its own (so a ctrl+c in the terminal does not reach it)
and waits on its stdin, a pipe from the drill. When the drill cleans up itself it writes
`done` and the watchdog exits. When the pipe closes without that word, the drill died
without cleaning up (a crash, SIGKILL): the watchdog stops the server immediately and
removes the cluster folder, or removes the temporary folder. `TempWatchdog` starts and
releases the second kind.
"""

from __future__ import annotations

import contextlib
import shutil
import signal
import subprocess
import sys
from pathlib import Path

from warroom.drill.pg_cluster import FOLDER_PREFIX, as_server_user, release_watchdog

TEMP_PREFIX = "warroom-drill-config-"


def reap(root: Path, pg_ctl: str) -> None:
    data = root / "data"
    if (data / "postmaster.pid").exists():
        subprocess.run(
            as_server_user([pg_ctl, "-D", str(data), "-m", "immediate", "-w", "stop"]),
            capture_output=True,
            timeout=60,
            check=False,
        )
    shutil.rmtree(root, ignore_errors=True)


def main(argv: list[str]) -> int:
    removing = len(argv) == 2 and argv[0] == "--remove"
    if removing:
        if not Path(argv[1]).name.startswith(TEMP_PREFIX):
            print("reaper: refusing to remove a folder the drill did not make", file=sys.stderr)
            return 2
    elif len(argv) != 2 or not Path(argv[0]).name.startswith(FOLDER_PREFIX):
        print(
            "usage: python -m warroom.drill.reaper CLUSTER_ROOT PG_CTL | --remove FOLDER",
            file=sys.stderr,
        )
        return 2
    for name in ("SIGINT", "SIGHUP"):
        signal.signal(getattr(signal, name), signal.SIG_IGN)
    words = sys.stdin.buffer.read()
    if b"done" not in words:
        if removing:
            shutil.rmtree(argv[1], ignore_errors=True)
        else:
            reap(Path(argv[0]), argv[1])
    return 0


class TempWatchdog:
    """Removes `folder` if this process dies without `release()` (SIGKILL included)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> TempWatchdog:
        with contextlib.suppress(OSError):
            self._process = subprocess.Popen(
                [sys.executable, "-m", "warroom.drill.reaper", "--remove", str(self.folder)],
                stdin=subprocess.PIPE,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
            )
        return self

    def release(self) -> None:
        """The drill removed the folder itself: let the watchdog go."""
        process, self._process = self._process, None
        release_watchdog(process)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
