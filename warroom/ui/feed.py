"""What the console needs from the probe engine, and a fixed feed for tests and snapshots.

`ProbeFeed.run` keeps probing until cancelled, calling `on_rows` whenever a result lands
and `on_changes` with each burst of debounced state changes, in order (the probes' own
`StateChange`s, which the console hands to its runtime: `warroom.runtime.probe_changes`
decides what is written, a burst in one append); `problem()` says why probing stopped,
if it did. The real feed (`warroom.ui.probe_feed`) runs the probes in a worker process;
`FixedProbeFeed` shows given rows.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Protocol

from warroom.probes.change import StateChange
from warroom.ui.panes.status import ServiceRow

__all__ = ["FixedProbeFeed", "ProbeFeed", "StateChange"]


class ProbeFeed(Protocol):
    def rows(self) -> list[ServiceRow]: ...

    def recheck(self, name: str | None = None) -> None: ...

    def hold_while(self, typing: Callable[[], bool]) -> None:
        """Redraws that are not urgent may wait while `typing()` (keys come first)."""
        ...

    def problem(self) -> str | None:
        """Why the probes are not running (shown in red), or None while they run."""
        ...

    async def close(self) -> None:
        """Stop probing for good (the console is closing)."""
        ...

    async def run(
        self,
        on_rows: Callable[[], None],
        on_changes: Callable[[list[StateChange]], Awaitable[None]],
    ) -> None: ...


class FixedProbeFeed:
    """Rows that never change (snapshots, tests); rechecks are counted."""

    def __init__(self, rows: list[ServiceRow] | None = None) -> None:
        self._rows = list(rows or [])
        self.rechecks = 0

    def rows(self) -> list[ServiceRow]:
        return list(self._rows)

    def recheck(self, name: str | None = None) -> None:
        self.rechecks += 1

    def hold_while(self, typing: Callable[[], bool]) -> None:
        return None  # its rows never change

    def problem(self) -> str | None:
        return None

    async def close(self) -> None:
        return None

    async def run(
        self,
        on_rows: Callable[[], None],
        on_changes: Callable[[list[StateChange]], Awaitable[None]],
    ) -> None:
        on_rows()
