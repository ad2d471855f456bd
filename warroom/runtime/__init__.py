"""The incident runtime: for one open incident, the store, the folded state and every
rule that runs over time, shared by the console, `warroom watch` and the drill.

- `context.open_context` builds what every front end needs (service, zone, rules).
- `incident.IncidentRuntime` runs one incident: follows the store, fires timed rules once,
  and tells subscribers through typed messages (`messages`).
- `scheduler.TimerScheduler` sleeps until the next deadline of the registered rules.
- `rules` is the registry of timed rules (`RULE_FACTORIES`, `default_rules`).
- `reminders` holds the update-overdue rule.
- `zone` checks the config's time zone (light: the console checks it before its frame).

The names below are imported from their modules on first use (PEP 562), so that
`import warroom.runtime.zone` does not bring the whole runtime, the store and the model
with it: the console draws its first frame before it needs them.

Never imports Textual (the import-linter contracts in pyproject.toml).
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from warroom.runtime.context import RuntimeContext, open_context
    from warroom.runtime.incident import IncidentRuntime
    from warroom.runtime.messages import (
        DeadlineFired,
        NextDeadline,
        RuntimeMessage,
        RuntimeProblem,
        StateChanged,
    )
    from warroom.runtime.rules import RULE_FACTORIES, RuleContext, default_rules, registered
    from warroom.runtime.zone import ContextError, zone_of_config

_HOMES = {
    "ContextError": "zone",
    "zone_of_config": "zone",
    "RuntimeContext": "context",
    "open_context": "context",
    "IncidentRuntime": "incident",
    "DeadlineFired": "messages",
    "NextDeadline": "messages",
    "RuntimeMessage": "messages",
    "RuntimeProblem": "messages",
    "StateChanged": "messages",
    "RULE_FACTORIES": "rules",
    "RuleContext": "rules",
    "default_rules": "rules",
    "registered": "rules",
}

__all__ = [
    "RULE_FACTORIES",
    "ContextError",
    "DeadlineFired",
    "IncidentRuntime",
    "NextDeadline",
    "RuleContext",
    "RuntimeContext",
    "RuntimeMessage",
    "RuntimeProblem",
    "StateChanged",
    "default_rules",
    "open_context",
    "registered",
    "zone_of_config",
]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f"{__name__}.{home}"), name)
    globals()[name] = value  # looked up once
    return value
