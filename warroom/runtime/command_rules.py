"""The timed rules of command (#16): an open ask's deadline and the IC's stint.

Registered in `warroom.runtime.rules.RULE_FACTORIES`, so the console, `warroom watch` and
the drill fire them once per shared incident. The stint's length comes from the config's
`[handoff] ic_stint`; a value warroom cannot read falls back to the default here (the
console and the CLI say what is wrong with it).
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING

from warroom.command_settings import CommandSettings, command_settings
from warroom.config import ConfigError
from warroom.model.asks import AskDeadlineRule
from warroom.model.handoff import IcStintRule
from warroom.model.timed import TimedRule

if TYPE_CHECKING:
    from warroom.runtime.rules import RuleContext


def command_rules(context: RuleContext) -> list[TimedRule]:
    settings = CommandSettings()
    if context.config is not None:  # None: a context built without one (tests)
        with contextlib.suppress(ConfigError):  # the console and the CLI say what is wrong
            settings = command_settings(context.config)
    return [AskDeadlineRule(), IcStintRule(settings.ic_stint)]
