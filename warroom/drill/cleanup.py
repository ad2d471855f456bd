"""Making sure a drill's fleet never outlives the drill.

Three layers, each enough on its own for what it covers:

- the CLI's `try/finally` stops the drill when the console returns or raises;
- `atexit` stops every drill still registered when the interpreter exits another way
  (an uncaught exception in a thread, `sys.exit` somewhere else);
- `on_signals()` turns SIGTERM, SIGHUP and SIGINT into an orderly exit (the console is
  asked to quit, so the terminal is restored, and the `finally` does the rest).

What no Python code can catch (SIGKILL, a hard crash) leaves only the PostgreSQL server
behind, and the cluster's reaper process takes care of that (see `pg_cluster`).
"""

from __future__ import annotations

import atexit
import contextlib
import signal
import threading
from collections.abc import Callable, Iterator
from typing import Any, Protocol

SIGNALS = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGHUP", "SIGINT"))


class Stoppable(Protocol):
    def stop(self, write_report: bool = True) -> Any: ...


_active: list[Stoppable] = []
_lock = threading.Lock()


def register(drill: Stoppable) -> None:
    with _lock:
        if drill not in _active:
            _active.append(drill)


def unregister(drill: Stoppable) -> None:
    with _lock, contextlib.suppress(ValueError):
        _active.remove(drill)


def active() -> list[Stoppable]:
    with _lock:
        return list(_active)


@atexit.register
def stop_all() -> None:
    for drill in active():
        with contextlib.suppress(Exception):
            drill.stop()


@contextlib.contextmanager
def on_signals(handler: Callable[[int], None]) -> Iterator[None]:
    """Call `handler(signum)` on SIGTERM/SIGHUP/SIGINT while inside (main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {}
    for signum in SIGNALS:
        with contextlib.suppress(OSError, ValueError):
            previous[signum] = signal.signal(signum, lambda number, _frame: handler(number))
    try:
        yield
    finally:
        for signum, old in previous.items():
            with contextlib.suppress(OSError, ValueError):
                signal.signal(signum, old)
