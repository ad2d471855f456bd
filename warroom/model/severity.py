"""Severity ladders: the presets taken from the team runbooks, and custom ladders from config.

A ladder is ordered from the most severe level (rank 0) down. Every level carries what the
runbooks say about it: a definition, the response time, how often stakeholders expect a
status update, and the target time to resolve. `None` means the runbook sets no figure.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

MINUTE = timedelta(minutes=1)
HOUR = timedelta(hours=1)


class SeverityError(ValueError):
    """A severity that is not on the ladder, or a ladder definition that makes no sense."""


@dataclass(frozen=True)
class SeverityLevel:
    """One rung of a ladder, e.g. SEV-1 "Critical outage"."""

    key: str
    name: str
    rank: int
    definition: str = ""
    response_time: timedelta | None = None
    update_cadence: timedelta | None = None
    resolve_target: timedelta | None = None
    examples: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        return f"{self.key} {self.name}".strip()


@dataclass(frozen=True)
class SeverityLadder:
    """An ordered list of severity levels, most severe first."""

    id: str
    title: str
    levels: tuple[SeverityLevel, ...]
    source: str = ""
    _by_key: dict[str, SeverityLevel] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        if not self.levels:
            raise SeverityError(f"ladder {self.id!r} has no levels")
        seen: dict[str, SeverityLevel] = {}
        for level in self.levels:
            normal = _normalise(level.key)
            if normal in seen:
                raise SeverityError(f"ladder {self.id!r} names {level.key!r} twice")
            seen[normal] = level
        self._by_key.update(seen)

    @property
    def keys(self) -> list[str]:
        return [level.key for level in self.levels]

    def get(self, key: str) -> SeverityLevel:
        """The level called `key` (case and separators ignored: 'sev1' finds 'SEV-1')."""
        level = self._by_key.get(_normalise(key))
        if level is None:
            raise SeverityError(
                f"unknown severity {key!r} for ladder {self.id}"
                f" (choose from {', '.join(self.keys)})"
            )
        return level

    def find(self, key: str) -> SeverityLevel | None:
        return self._by_key.get(_normalise(key))

    def at_least(self, severity: str, threshold: str) -> bool:
        """True when `severity` is as severe as `threshold` or worse.

        A threshold that is not on this ladder is compared by its position in any shipped
        ladder that knows it, so a scenario written for P0-P3 still gates on SEV ladders.
        """
        current = self.get(severity)
        gate = self.find(threshold)
        if gate is not None:
            return current.rank <= gate.rank
        share = _relative_rank(threshold)
        if share is None:
            return True
        return current.rank / max(len(self.levels) - 1, 1) <= share + 1e-9


def _normalise(key: str) -> str:
    return "".join(ch for ch in key.casefold() if ch.isalnum())


def _relative_rank(key: str) -> float | None:
    for ladder in PRESETS.values():
        level = ladder.find(key)
        if level is not None:
            return level.rank / max(len(ladder.levels) - 1, 1)
    return None


def _level(key: str, name: str, rank: int, definition: str, **figures: Any) -> SeverityLevel:
    return SeverityLevel(key=key, name=name, rank=rank, definition=definition, **figures)


# Figures below come from the runbooks in the team's collection: the P1-P4 table of the
# Next.js/Supabase runbook; SEV-1..SEV-3 with hourly / 2-hourly / daily updates and
# 1h / 4h / 24h resolve targets; SEV-0..SEV-3 with 5m / 15m / 1h / 4h response; P0-P3 with
# 5m / 15m / 1h / 4h response. Where a runbook names no update cadence, the cadence of the
# runbook that does ("every 30-60 minutes for the two worst levels") is used.
PRESETS: dict[str, SeverityLadder] = {
    ladder.id: ladder
    for ladder in (
        SeverityLadder(
            id="sev1-sev3",
            title="SEV-1 .. SEV-3",
            source="runbook: SEV-1 critical outage / SEV-2 major degradation / SEV-3 minor",
            levels=(
                _level(
                    "SEV-1",
                    "Critical outage",
                    0,
                    "Complete outage or critical functionality broken for all or most users.",
                    response_time=5 * MINUTE,
                    update_cadence=HOUR,
                    resolve_target=HOUR,
                ),
                _level(
                    "SEV-2",
                    "Major degradation",
                    1,
                    "A major feature degraded or broken for many users; core service works.",
                    response_time=15 * MINUTE,
                    update_cadence=2 * HOUR,
                    resolve_target=4 * HOUR,
                ),
                _level(
                    "SEV-3",
                    "Minor issue",
                    2,
                    "Minor degradation or isolated errors for a small number of users.",
                    response_time=HOUR,
                    update_cadence=24 * HOUR,
                    resolve_target=24 * HOUR,
                ),
            ),
        ),
        SeverityLadder(
            id="sev0-sev3",
            title="SEV-0 .. SEV-3",
            source="runbook: SEV-0 complete outage .. SEV-3 non-core feature degraded",
            levels=(
                _level(
                    "SEV-0",
                    "Complete outage",
                    0,
                    "Complete outage, data loss or security breach.",
                    response_time=5 * MINUTE,
                    update_cadence=30 * MINUTE,
                    resolve_target=30 * MINUTE,
                ),
                _level(
                    "SEV-1",
                    "Production down",
                    1,
                    "Production down or core features broken.",
                    response_time=15 * MINUTE,
                    update_cadence=HOUR,
                    resolve_target=30 * MINUTE,
                ),
                _level(
                    "SEV-2",
                    "Core feature degraded",
                    2,
                    "A core feature (payments, auth) degraded.",
                    response_time=HOUR,
                    update_cadence=2 * HOUR,
                    resolve_target=None,
                ),
                _level(
                    "SEV-3",
                    "Non-core feature degraded",
                    3,
                    "A non-core feature (emails, analytics) degraded.",
                    response_time=4 * HOUR,
                    update_cadence=24 * HOUR,
                    resolve_target=None,
                ),
            ),
        ),
        SeverityLadder(
            id="p0-p3",
            title="P0 .. P3",
            source="runbooks: P0 critical (system down) .. P3 low (monitoring alert)",
            levels=(
                _level(
                    "P0",
                    "Critical",
                    0,
                    "System down: complete outage, data loss, breach or authentication failure.",
                    response_time=5 * MINUTE,
                    update_cadence=30 * MINUTE,
                    resolve_target=None,
                ),
                _level(
                    "P1",
                    "High",
                    1,
                    "Major degradation: key endpoints failing, partial outage, >5s responses.",
                    response_time=15 * MINUTE,
                    update_cadence=HOUR,
                    resolve_target=None,
                ),
                _level(
                    "P2",
                    "Medium",
                    2,
                    "Minor impact: a non-critical feature down, elevated error rates.",
                    response_time=HOUR,
                    update_cadence=None,
                    resolve_target=None,
                ),
                _level(
                    "P3",
                    "Low",
                    3,
                    "Monitoring alert: warning thresholds exceeded, minor slowdown.",
                    response_time=4 * HOUR,
                    update_cadence=None,
                    resolve_target=None,
                ),
            ),
        ),
        SeverityLadder(
            id="p1-p4",
            title="P1 .. P4",
            source="runbook: P1 critical .. P4 low",
            levels=(
                _level(
                    "P1",
                    "Critical",
                    0,
                    "Service down, data loss, payment failures.",
                    response_time=15 * MINUTE,
                    update_cadence=30 * MINUTE,
                    resolve_target=None,
                ),
                _level(
                    "P2",
                    "High",
                    1,
                    "Major feature broken, degraded performance.",
                    response_time=HOUR,
                    update_cadence=HOUR,
                    resolve_target=None,
                ),
                _level(
                    "P3",
                    "Medium",
                    2,
                    "Minor feature broken, a workaround exists.",
                    response_time=4 * HOUR,
                    update_cadence=None,
                    resolve_target=None,
                ),
                _level(
                    "P4",
                    "Low",
                    3,
                    "Cosmetic issues, minor bugs.",
                    response_time=None,
                    update_cadence=None,
                    resolve_target=None,
                ),
            ),
        ),
    )
}

DEFAULT_LADDER = "sev1-sev3"


def get_ladder(
    ladder_id: str, custom: Mapping[str, SeverityLadder] | None = None
) -> SeverityLadder:
    ladders = {**PRESETS, **(custom or {})}
    try:
        return ladders[ladder_id]
    except KeyError:
        raise SeverityError(
            f"unknown severity ladder {ladder_id!r} (choose from {', '.join(sorted(ladders))})"
        ) from None


def parse_duration(value: Any, where: str) -> timedelta | None:
    """'15m', '2h', '1d', '90s' or a number of minutes; None or '' for no figure."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise SeverityError(f"{where}: expected a duration like '15m', got {value!r}")
    if isinstance(value, int | float):
        return timedelta(minutes=float(value))
    text = str(value).strip().lower()
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400}
    if text and text[-1] in units:
        try:
            return timedelta(seconds=float(text[:-1]) * units[text[-1]])
        except ValueError:
            pass
    raise SeverityError(f"{where}: expected a duration like '15m', '2h' or '1d', got {value!r}")


def ladder_from_config(ladder_id: str, entries: Iterable[Mapping[str, Any]]) -> SeverityLadder:
    """A custom ladder from `[[severity]]` tables: key, name, definition and figures."""
    levels = []
    for rank, entry in enumerate(entries):
        where = f"severity[{rank}]"
        key = entry.get("key")
        if not isinstance(key, str) or not key.strip():
            raise SeverityError(f"{where}: missing 'key'")
        levels.append(
            SeverityLevel(
                key=key.strip(),
                name=str(entry.get("name", "")),
                rank=rank,
                definition=str(entry.get("definition", "")),
                response_time=parse_duration(entry.get("response_time"), f"{where}.response_time"),
                update_cadence=parse_duration(
                    entry.get("update_cadence"), f"{where}.update_cadence"
                ),
                resolve_target=parse_duration(
                    entry.get("resolve_target"), f"{where}.resolve_target"
                ),
            )
        )
    return SeverityLadder(id=ladder_id, title=ladder_id, levels=tuple(levels), source="config")
