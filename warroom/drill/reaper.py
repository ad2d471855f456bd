"""The drill's PostgreSQL reaper: `python -m warroom.drill.reaper CLUSTER_ROOT PG_CTL`.

Started by `DrillCluster.start()` in a session of its own (so a ctrl+c in the terminal
does not reach it), it waits on its stdin, a pipe from the drill. When the drill stops
its cluster it writes `done` and the reaper exits. When the pipe closes without that
word, the drill died without cleaning up (a crash, SIGKILL): the reaper stops the server
immediately and removes the cluster folder.
"""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
from pathlib import Path

from warroom.drill.pg_cluster import FOLDER_PREFIX, as_server_user


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
    if len(argv) != 2 or not Path(argv[0]).name.startswith(FOLDER_PREFIX):
        print("usage: python -m warroom.drill.reaper CLUSTER_ROOT PG_CTL", file=sys.stderr)
        return 2
    for name in ("SIGINT", "SIGHUP"):
        signal.signal(getattr(signal, name), signal.SIG_IGN)
    words = sys.stdin.buffer.read()
    if b"done" not in words:
        reap(Path(argv[0]), argv[1])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
