"""ShownState: what a service's row says, the probe states plus `pending` and `stale`.

`pending`: no result yet. `stale`: the last result is older than twice the interval, so
nobody knows the state now. Members are declared worst first; `rank` is that order (the
services pane sorts by it, down at the top). `healthy` is what counts as "up" in a pane
title: up, or not probed yet.
"""

from __future__ import annotations

from enum import StrEnum

from warroom.probes.result import ProbeState


class ShownState(StrEnum):
    DOWN = "down"
    DEGRADED = "degraded"
    UNKNOWN = "unknown"
    STALE = "stale"
    MAINTENANCE = "maintenance"
    PENDING = "pending"
    UP = "up"

    @property
    def rank(self) -> int:
        """0 for the worst (down); the order rows are listed in."""
        return _RANK[self]

    @property
    def healthy(self) -> bool:
        return self in (ShownState.UP, ShownState.PENDING)

    @classmethod
    def of(cls, state: ProbeState | str | None) -> ShownState:
        """The shown state of a probe state (None: no result yet, pending)."""
        return cls.PENDING if state is None else cls(str(state))


_RANK = {state: index for index, state in enumerate(ShownState)}
