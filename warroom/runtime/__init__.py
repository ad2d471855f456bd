"""The incident runtime: for one open incident, the store, the folded state and every
rule that runs over time, shared by the console, `warroom watch` and the drill.

- `context.open_context` builds what every front end needs (service, zone, rules).
- `incident.IncidentRuntime` runs one incident: follows the store, fires timed rules once,
  and tells subscribers through typed messages (`messages`).
- `scheduler.TimerScheduler` sleeps until the next deadline of the registered rules.
- `rules` is the registry of timed rules (`RULE_FACTORIES`, `default_rules`).
- `reminders` holds the update-overdue rule.

Never imports Textual (tests/test_layering.py).
"""

from warroom.runtime.context import ContextError, RuntimeContext, open_context, zone_of_config
from warroom.runtime.incident import IncidentRuntime
from warroom.runtime.messages import (
    DeadlineFired,
    NextDeadline,
    RuntimeMessage,
    RuntimeProblem,
    StateChanged,
)
from warroom.runtime.rules import RULE_FACTORIES, RuleContext, default_rules, registered

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
