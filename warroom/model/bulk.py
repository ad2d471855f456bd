"""Building many long-lived objects at once (reading and folding a long incident).

CPython's cyclic garbage collector runs a pass every few hundred new container objects,
and a full pass, which visits every object alive, each time the heap has grown by a
quarter. Reading a 100,000-event incident creates about a million objects that all stay
alive, so those passes found nothing to free and took half the time of reading and
folding it. `collector_paused()` turns the collector off for such a block and back on
after it (nothing here makes reference cycles, so nothing waits long to be freed).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector for the block (reference counting goes on)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
