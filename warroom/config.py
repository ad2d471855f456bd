"""The config file: which file is read, its sections, and `${ENV}` expansion.

Search order: `--config PATH`, else `./warroom.toml`, else `<config dir>/warroom.toml`.
No file at all is fine (an empty config). A file that is not valid TOML, or a field of the
wrong type, raises `ConfigError` naming the file, the line (where TOML tells it) and the
field. `[[service]]` tables are kept raw here and parsed by `warroom.probes.config`;
`[keys]` (binding id -> key) is checked for shape here and against the console's bindings
by `warroom.ui.bindings`, `[ui] theme` against the themes by `warroom.ui.themes`: both
name the line through `Config.where`.

A `ConfigError` message is made safe once, where it is made: it quotes what a config file
says (service names, unknown keys, header names), and a hostile `warroom.toml` in a cloned
repository must not set the terminal title, clear the screen or write the clipboard, so
control characters are shown as `\\xNN` (`warroom.model.text.inert`, one line) and known
secrets are masked.
"""

from __future__ import annotations

import getpass
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from warroom.model.escalation_config import (
    EscalationConfigError,
    EscalationEntry,
    parse_escalation_tables,
)
from warroom.model.severity import (
    DEFAULT_LADDER,
    PRESETS,
    SeverityError,
    SeverityLadder,
    get_ladder,
    ladder_from_config,
)
from warroom.model.text import inert
from warroom.paths import config_dir
from warroom.redact import redact_text
from warroom.toml_lines import KeyLines

CONFIG_NAME = "warroom.toml"
# Durations other modules read from the config: (table, key).
DURATIONS = (("asks", "default_box"), ("handoff", "ic_stint"))
_ENV = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")


class ConfigError(ValueError):
    """A config file warroom cannot use; the message names file, line and field, with
    control characters made visible and secrets masked (it is printed as is)."""

    def __init__(self, message: str) -> None:
        super().__init__(redact_text(inert(str(message), single_line=True)))


def expand_env(value: str, where: str) -> str:
    """Replace `${VAR}` with the environment's value (an unset variable is an error) and
    `${VAR:-default}` with the value, or the default when VAR is unset or empty."""

    def replace(match: re.Match[str]) -> str:
        name, default = match[1], match[2]
        if default is not None:
            return os.environ.get(name) or default
        if name not in os.environ:
            raise ConfigError(f"{where}: environment variable {name} is not set")
        return os.environ[name]

    return _ENV.sub(replace, value)


@dataclass
class Config:
    """What the config file says, with defaults filled in."""

    path: Path | None = None
    ladder: SeverityLadder = field(default_factory=lambda: PRESETS[DEFAULT_LADDER])
    custom_ladders: dict[str, SeverityLadder] = field(default_factory=dict)
    author: str = ""
    timezone: str | None = None
    # incident.author as written in the file (None when unset; `author` has a default).
    configured_author: str | None = None
    theme: str | None = None
    # [keys]: binding id -> key(s), e.g. {"main.severity": "S"}.
    keys: dict[str, str] = field(default_factory=dict)
    store_dsn: str | None = None
    services: list[dict[str, Any]] = field(default_factory=list)
    # [asks] default_box and [handoff] ic_stint as written, by "table.key" (read into
    # durations by `warroom.command_settings`, which names the line on an error).
    durations: dict[str, object] = field(default_factory=dict)
    # [drill] time_scale: written by `warroom drill` into its own config (drill clocks).
    drill_time_scale: float | None = None
    # The line each checked field is set on ("ui.theme", "keys.main.note"), for errors.
    lines: dict[str, int] = field(default_factory=dict)
    # [[channel]] and [public_page]: warroom.delivery.config.DeliveryConfig, parsed only
    # when the file has them (a config without channels never imports Apprise).
    delivery: Any = None
    # [comms]: what happens when the promised update time passes without an update.
    overdue_bell: bool = True
    overdue_notify: bool = True
    # [[escalation]]: the team's own escalation matrix (warroom.model.escalation_config).
    escalations: tuple[EscalationEntry, ...] = ()

    @property
    def source(self) -> str:
        return str(self.path) if self.path else "(no config file)"

    def ladders(self) -> dict[str, SeverityLadder]:
        return {**PRESETS, **self.custom_ladders}

    def where(self, field_name: str) -> str:
        """`file: line N: field`, the start of a one-line error about that field."""
        line = self.lines.get(field_name)
        return f"{self.source}: " + (f"line {line}: " if line else "") + field_name


def find_config(explicit: str | os.PathLike[str] | None = None) -> Path | None:
    if explicit:
        path = Path(explicit).expanduser()
        if not path.is_file():
            raise ConfigError(f"{path}: no such config file")
        return path
    for candidate in (Path.cwd() / CONFIG_NAME, config_dir() / CONFIG_NAME):
        if candidate.is_file():
            return candidate
    return None


def read_text(path: Path) -> str:
    try:
        return path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as error:
        raise ConfigError(f"{path}: not UTF-8 text (byte {error.start})") from None
    except OSError as error:
        raise ConfigError(f"{path}: cannot read ({error.strerror})") from None


def _parse_toml(text: str, path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: invalid TOML: {error}") from None


def _string(table: Mapping[str, Any], key: str, where: str) -> str | None:
    value = table.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise ConfigError(f"{where}.{key}: expected a string, got {type(value).__name__}")
    return value


def load_config(explicit: str | os.PathLike[str] | None = None) -> Config:
    path = find_config(explicit)
    if path is None:
        return Config(author=default_author())
    text = read_text(path)
    return parse_config(_parse_toml(text, path), path, text)


def parse_config(
    data: Mapping[str, Any], path: Path | None = None, text: str | None = None
) -> Config:
    """The typed config; `text` (the file's text) lets errors name the line."""
    name = str(path) if path else "config"
    config = Config(path=path)
    lines = KeyLines(text or "")
    incident = data.get("incident", {})
    if not isinstance(incident, Mapping):
        raise ConfigError(f"{name}: [incident] must be a table")
    severities = data.get("severity")
    if severities is not None:
        if not isinstance(severities, list) or not all(isinstance(s, Mapping) for s in severities):
            raise ConfigError(f"{name}: severity: expected [[severity]] tables")
        try:
            custom = ladder_from_config("custom", severities)
        except SeverityError as error:
            raise ConfigError(f"{name}: {error}") from None
        config.custom_ladders["custom"] = custom
    ladder_id = _string(incident, "ladder", f"{name}: incident") or (
        "custom" if severities is not None else DEFAULT_LADDER
    )
    try:
        config.ladder = get_ladder(ladder_id, config.custom_ladders)
    except SeverityError as error:
        raise ConfigError(f"{name}: incident.ladder: {error}") from None
    config.configured_author = _string(incident, "author", f"{name}: incident")
    config.author = config.configured_author or default_author()
    config.timezone = _string(incident, "timezone", f"{name}: incident")
    ui = data.get("ui", {})
    if not isinstance(ui, Mapping):
        raise ConfigError(f"{name}: [ui] must be a table")
    config.theme = _string(ui, "theme", f"{name}: ui")
    if config.theme is not None:
        config.lines["ui.theme"] = lines("theme", "ui")
    config.keys = _keys(data.get("keys", {}), name, lines, config.lines)
    drill = data.get("drill", {})
    scale = drill.get("time_scale") if isinstance(drill, Mapping) else None
    if isinstance(scale, int | float) and not isinstance(scale, bool):
        config.drill_time_scale = float(scale)
    for table, key in DURATIONS:
        section = data.get(table, {})
        if not isinstance(section, Mapping):
            raise ConfigError(f"{name}: [{table}] must be a table")
        if key in section:
            config.durations[f"{table}.{key}"] = section[key]
            config.lines[f"{table}.{key}"] = lines(key, table)
    store = data.get("store", {})
    if isinstance(store, Mapping):
        dsn = _string(store, "dsn", f"{name}: store")
        if dsn:
            config.store_dsn = expand_env(dsn, f"{name}: store.dsn")
    comms = data.get("comms", {})
    if not isinstance(comms, Mapping):
        raise ConfigError(f"{name}: [comms] must be a table")
    for key in ("overdue_bell", "overdue_notify"):
        value = comms.get(key, True)
        if not isinstance(value, bool):
            raise ConfigError(f"{name}: comms.{key}: expected true or false")
        setattr(config, key, value)
    services = data.get("service", [])
    if not isinstance(services, list) or not all(isinstance(s, Mapping) for s in services):
        raise ConfigError(f"{name}: service: expected [[service]] tables")
    config.services = [dict(service) for service in services]
    try:
        config.escalations = parse_escalation_tables(data.get("escalation"))
    except EscalationConfigError as error:
        raise ConfigError(f"{name}: {error}") from None
    if "channel" in data or "public_page" in data:
        config.delivery = _parse_delivery(data, config, name)
    return config


def _keys(table: Any, name: str, lines: KeyLines, found: dict[str, int]) -> dict[str, str]:
    """`[keys]` as binding id -> key; each value a non-empty string (which ids and keys
    exist is the console's to say: `warroom.ui.bindings.keymap_from_config`)."""
    if not isinstance(table, Mapping):
        raise ConfigError(f'{name}: [keys] must be a table of binding id = "key"')
    keys: dict[str, str] = {}
    for binding_id, key in table.items():
        line = lines(binding_id, "keys")
        found[f"keys.{binding_id}"] = line
        if not isinstance(key, str) or not key.strip():
            got = "an empty string" if isinstance(key, str) else type(key).__name__
            raise ConfigError(
                f'{name}: line {line}: keys.{binding_id}: expected a key in quotes, e.g. "S" '
                f'or "ctrl+k", got {got}'
            )
        keys[str(binding_id)] = key.strip()
    return keys


def delivery_config(config: Config) -> Any:
    """The `[[channel]]` tables and `[public_page]` (warroom.delivery.config); empty when
    the file has none."""
    if config.delivery is not None:
        return config.delivery
    from warroom.delivery.config import DeliveryConfig

    return DeliveryConfig()


def _parse_delivery(data: Mapping[str, Any], config: Config, name: str) -> Any:
    from warroom.delivery.channels import ChannelError
    from warroom.delivery.config import parse_delivery

    services = [str(s.get("name", "")) for s in config.services]
    try:
        return parse_delivery(data, name, list(config.ladder.keys), services)
    except ChannelError as error:
        raise ConfigError(str(error)) from None


def default_author() -> str:
    env = os.environ.get("WARROOM_AUTHOR")
    if env:
        return env
    try:
        return getpass.getuser()
    except Exception:
        return "responder"
