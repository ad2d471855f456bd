"""Running `warroom` as an unprivileged user, in a forked child of the test process.

CI runs as root, and root reads a file whatever its mode, so a permission test run as root
proves nothing. The child drops to `nobody` with `os.setuid` after the fork (the Python
interpreter lives under /root, which `nobody` could not start again) and runs
`warroom.cli.main` there; everything it imports lazily is imported here first.
"""

from __future__ import annotations

import io
import os
import pwd
import sys
import traceback
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Outcome:
    returncode: int
    stdout: str
    stderr: str


def unprivileged_ids() -> tuple[int, int] | None:
    """(uid, gid) of `nobody` when we are root; None when we already are a plain user."""
    if os.geteuid() != 0:
        return None
    entry = pwd.getpwnam("nobody")
    return entry.pw_uid, entry.pw_gid


def hand_over(path: Path) -> None:
    """Make `path` (a folder made by the test) belong to the user the child runs as."""
    ids = unprivileged_ids()
    if ids is not None:
        os.chown(path, *ids)


def _preload() -> None:
    import asyncio  # noqa: F401
    import zoneinfo  # noqa: F401

    import warroom.cli.incident_commands
    import warroom.scenarios.loader  # noqa: F401


def run_unprivileged(argv: list[str], home: Path) -> Outcome:
    """`warroom ARGV` as nobody (or as ourselves when not root), in `home` (a folder that
    user owns: the working folder, with the data folder `home/data` and config `home/config`)."""
    env = {"WARROOM_DATA_DIR": str(home / "data"), "WARROOM_CONFIG_DIR": str(home / "config")}
    from warroom.cli import main

    _preload()
    out_read, out_write = os.pipe()
    err_read, err_write = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        code = 99
        try:
            os.close(out_read)
            os.close(err_read)
            sys.stdout = io.TextIOWrapper(os.fdopen(out_write, "wb"), write_through=True)
            sys.stderr = io.TextIOWrapper(os.fdopen(err_write, "wb"), write_through=True)
            ids = unprivileged_ids()
            if ids is not None:
                os.setgroups([])
                os.setgid(ids[1])
                os.setuid(ids[0])
            os.environ.update(env)
            os.chdir(home)
            os.umask(0o022)
            code = main(argv)
        except SystemExit as exit:
            code = exit.code if isinstance(exit.code, int) else 2
        except BaseException:
            traceback.print_exc()
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)
    os.close(out_write)
    os.close(err_write)
    with os.fdopen(out_read, "rb") as out, os.fdopen(err_read, "rb") as err:
        stdout = out.read().decode()
        stderr = err.read().decode()
    _, status = os.waitpid(pid, 0)
    return Outcome(os.waitstatus_to_exitcode(status), stdout, stderr)
