"""The config's `[asks]` and `[handoff]` tables: the default time box and the IC stint.

```toml
[asks]
default_box = "5m"    # an ask without a time box gets this one

[handoff]
ic_stint = "3h"       # after this long in command, warroom suggests a handoff
```

A value warroom cannot read is a `ConfigError` naming the field (exit 3 from the CLI).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta

from warroom.config import Config, ConfigError
from warroom.model.asks import DEFAULT_TIME_BOX, AskError, parse_time_box
from warroom.model.handoff import DEFAULT_STINT


@dataclass(frozen=True)
class CommandSettings:
    default_box: timedelta = DEFAULT_TIME_BOX
    ic_stint: timedelta = DEFAULT_STINT


def _duration(config: Config, table: str, key: str, default: timedelta) -> timedelta:
    section = config.raw.get(table, {})
    if not isinstance(section, Mapping):
        raise ConfigError(f"{config.source}: [{table}] must be a table")
    value = section.get(key)
    if value is None:
        return default
    if isinstance(value, int) and not isinstance(value, bool):
        value = f"{value}m"
    if not isinstance(value, str):
        raise ConfigError(f'{config.source}: {table}.{key}: expected a duration like "5m"')
    try:
        return parse_time_box(value)
    except AskError as error:
        raise ConfigError(f"{config.source}: {table}.{key}: {error}") from None


def command_settings(config: Config) -> CommandSettings:
    return CommandSettings(
        default_box=_duration(config, "asks", "default_box", DEFAULT_TIME_BOX),
        ic_stint=_duration(config, "handoff", "ic_stint", DEFAULT_STINT),
    )
