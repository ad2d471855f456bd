"""The registry of timed rules: every rule the runtime runs over an incident, in one list.

A feature adds its rule with one line in `RULE_FACTORIES` (a function of the
`RuleContext` returning the rule, or several). `default_rules` builds them for
`open_context`, so the console, `warroom watch` and the drill run the same rules. Tests
add a rule for a while with `registered(factory)`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from warroom.model.actions import ActionItemDue
from warroom.model.incident import IncidentState
from warroom.model.severity import SeverityLadder
from warroom.model.timed import TimedRule
from warroom.runtime.command_rules import command_rules
from warroom.runtime.reminders import UpdateOverdue

if TYPE_CHECKING:
    from warroom.config import Config
    from warroom.scenarios.loader import Catalogue


@dataclass(frozen=True)
class RuleContext:
    """What a rule may be built from: the config, the ladder of an incident, scenarios."""

    config: Config
    ladder_of: Callable[[IncidentState], SeverityLadder]
    catalogue: Catalogue | None = field(default=None)


RuleFactory = Callable[[RuleContext], TimedRule | Iterable[TimedRule]]

RULE_FACTORIES: list[RuleFactory] = [
    lambda context: UpdateOverdue(context.ladder_of),
    command_rules,  # asks' deadlines and the IC's stint (#16)
    lambda context: ActionItemDue(),  # an open action item past its due time (#16)
    # Escalations (#21), asks' check-backs (#16), status-page drift (#17): one line each.
]


def default_rules(context: RuleContext) -> list[TimedRule]:
    """Every registered rule, built for `context`, in registration order."""
    rules: list[TimedRule] = []
    for factory in RULE_FACTORIES:
        made = factory(context)
        if hasattr(made, "deadlines"):
            rules.append(made)  # type: ignore[arg-type]
        else:
            rules.extend(made)  # type: ignore[arg-type]
    return rules


@contextmanager
def registered(factory: RuleFactory) -> Iterator[None]:
    """Register `factory` while the block runs (tests, experiments)."""
    RULE_FACTORIES.append(factory)
    try:
        yield
    finally:
        RULE_FACTORIES.remove(factory)
