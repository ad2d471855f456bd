"""The config's `[[escalation]]` tables: a team's own escalation matrix, checked.

```toml
[[escalation]]
issue_type = "Database issues"   # or: scenario = "database-connections"; neither: any incident
contact = "DBA team"             # required
reach = "dba@example.com"        # optional: how to reach them
backup = "Senior engineer +1-555-0123"
after = "15m"                    # minutes (15), "15m" / "1h", or "immediately",
                                 # "at 30 min mark", "2x resolve target", "on P0"...
severity = "SEV-1"               # optional: only once the incident is at least this severe
```

`parse_escalation_tables` returns the entries or raises `EscalationConfigError` with one
line naming the table (`escalation[2]`) and the field. Pure.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from warroom.model.escalation_when import Start, Trigger, parse_after

KEYS = frozenset({"issue_type", "scenario", "contact", "reach", "backup", "after", "severity"})
MAX_FIELD = 200


class EscalationConfigError(ValueError):
    """An `[[escalation]]` table warroom cannot use (the message is one line)."""


@dataclass(frozen=True)
class EscalationEntry:
    """One row of a team's matrix."""

    contact: str
    trigger: Trigger
    after: str
    issue_type: str = ""
    scenario: str = ""
    reach: str = ""
    backup: str = ""
    severity: str = ""
    number: int = 0  # 1-based position in the file (messages only)


def _text(table: Mapping[str, Any], key: str, where: str, required: bool = False) -> str:
    value = table.get(key)
    if value is None:
        if required:
            raise EscalationConfigError(f"{where}: missing '{key}'")
        return ""
    if not isinstance(value, str):
        raise EscalationConfigError(f"{where}.{key}: expected a string, got {type(value).__name__}")
    text = " ".join(value.split())
    if required and not text:
        raise EscalationConfigError(f"{where}.{key}: must not be empty")
    if len(text) > MAX_FIELD:
        raise EscalationConfigError(f"{where}.{key}: longer than {MAX_FIELD} characters")
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in text):
        raise EscalationConfigError(f"{where}.{key}: contains control characters")
    return text


def parse_escalation_tables(value: object) -> tuple[EscalationEntry, ...]:
    """The `[[escalation]]` tables of a config (None: none)."""
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(t, Mapping) for t in value):
        raise EscalationConfigError("escalation: expected [[escalation]] tables")
    entries = []
    for number, table in enumerate(value, start=1):
        where = f"escalation[{number}]"
        unknown = sorted(str(key) for key in table if key not in KEYS)
        if unknown:
            raise EscalationConfigError(
                f"{where}: unknown key {unknown[0]!r} (known: {', '.join(sorted(KEYS))})"
            )
        contact = _text(table, "contact", where, required=True)
        issue_type = _text(table, "issue_type", where)
        scenario = _text(table, "scenario", where)
        if issue_type and scenario:
            raise EscalationConfigError(f"{where}: give issue_type or scenario, not both")
        if "after" not in table:
            raise EscalationConfigError(f'{where}: missing \'after\' (e.g. "15m" or "immediately")')
        raw_after = table["after"]
        trigger = parse_after(raw_after)
        if trigger is None:
            shown = (
                raw_after if isinstance(raw_after, str | int | float) else type(raw_after).__name__
            )
            raise EscalationConfigError(
                f'{where}.after: cannot read {str(shown)[:60]!r}: write minutes (15), "15m",'
                ' "immediately", "at 30 min mark", "2x resolve target" or "on P0"'
            )
        severity = _text(table, "severity", where)
        if severity:
            if trigger.start is Start.SEVERITY:
                raise EscalationConfigError(
                    f"{where}: 'after' already names a severity; leave 'severity' out"
                )
            if trigger.resolve_factor is not None or trigger.start is not Start.DECLARED:
                raise EscalationConfigError(
                    f'{where}: \'severity\' goes with a plain delay ("15m", "immediately")'
                )
            trigger = Trigger(Start.SEVERITY, delay=trigger.delay, severity=severity)
        entries.append(
            EscalationEntry(
                contact=contact,
                trigger=trigger,
                after=str(raw_after),
                issue_type=issue_type,
                scenario=scenario,
                reach=_text(table, "reach", where),
                backup=_text(table, "backup", where),
                severity=severity,
                number=number,
            )
        )
    return tuple(entries)
