"""The config file: which file is read, its sections, and `${ENV}` expansion.

Search order: `--config PATH`, else `./warroom.toml`, else `<config dir>/warroom.toml`.
No file at all is fine (an empty config). A file that is not valid TOML, or a field of the
wrong type, raises `ConfigError` naming the file, the line (where TOML tells it) and the
field. `[[service]]` tables are kept raw here and parsed by `warroom.probes.config`.

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

CONFIG_NAME = "warroom.toml"
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
    theme: str | None = None
    store_dsn: str | None = None
    services: list[dict[str, Any]] = field(default_factory=list)
    # [[channel]] and [public_page]: warroom.delivery.config.DeliveryConfig (read lazily
    # from `raw` by `delivery_config`, so a config without channels never imports Apprise).
    delivery: Any = None
    raw: dict[str, Any] = field(default_factory=dict)
    # [comms]: what happens when the promised update time passes without an update.
    overdue_bell: bool = True
    overdue_notify: bool = True

    @property
    def source(self) -> str:
        return str(self.path) if self.path else "(no config file)"

    def ladders(self) -> dict[str, SeverityLadder]:
        return {**PRESETS, **self.custom_ladders}


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


def read_toml(path: Path) -> dict[str, Any]:
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as error:
        raise ConfigError(f"{path}: not UTF-8 text (byte {error.start})") from None
    except OSError as error:
        raise ConfigError(f"{path}: cannot read ({error.strerror})") from None
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
    return parse_config(read_toml(path), path)


def parse_config(data: Mapping[str, Any], path: Path | None = None) -> Config:
    name = str(path) if path else "config"
    config = Config(path=path, raw=dict(data))
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
    config.author = _string(incident, "author", f"{name}: incident") or default_author()
    config.timezone = _string(incident, "timezone", f"{name}: incident")
    ui = data.get("ui", {})
    if isinstance(ui, Mapping):
        config.theme = _string(ui, "theme", f"{name}: ui")
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
    if "channel" in data or "public_page" in data:
        config.delivery = delivery_config(config, name)
    return config


def delivery_config(config: Config, name: str = "config") -> Any:
    """The `[[channel]]` tables and `[public_page]` (warroom.delivery.config)."""
    from warroom.delivery.channels import ChannelError
    from warroom.delivery.config import DeliveryConfig, parse_delivery

    if config.delivery is not None:
        return config.delivery
    if "channel" not in config.raw and "public_page" not in config.raw:
        return DeliveryConfig()
    services = [str(s.get("name", "")) for s in config.services]
    try:
        return parse_delivery(config.raw, name, list(config.ladder.keys), services)
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
