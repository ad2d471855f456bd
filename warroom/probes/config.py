"""Typed service specs from the raw `[[service]]` tables of the config file.

`parse_services(config)` turns `Config.services` into `HttpSpec`, `StatuspageSpec`,
`PostgresSpec` or `TcpSpec`. `${ENV}` references are expanded here, and every secret
value they (or the file) put in a password, a credential header or a token in a query
string is registered with `warroom.redact`, so it is masked in any later output. Errors
name the file, the service and the field: `warroom.toml: service[2] (api): missing 'url'`
(services are counted from 1, in file order). Besides `${VAR}`, a value may say
`${VAR:-default}`: the default is used when VAR is unset or empty.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from warroom.config import Config, ConfigError, expand_env
from warroom.credentials import CredentialError
from warroom.redact import (
    redact_text,
    redact_url,
    register_dsn_secrets,
    register_header,
    register_url_secrets,
)

KINDS = ("http", "statuspage", "postgres", "tcp")

DEFAULT_INTERVAL = 30.0
DEFAULT_TIMEOUT = 5.0


@dataclass(frozen=True, kw_only=True)
class Damping:
    """How many results confirm a change, and when a service counts as flapping."""

    down_after: int = 3
    up_after: int = 2
    retry_interval: float = 5.0
    flap_changes: int = 5
    flap_window: float = 300.0


@dataclass(frozen=True, kw_only=True)
class ServiceSpec:
    """What every kind of service has."""

    name: str
    kind: str
    interval: float = DEFAULT_INTERVAL
    timeout: float = DEFAULT_TIMEOUT
    damping: Damping = field(default_factory=Damping)

    @property
    def target(self) -> str:
        """Where the probe goes, safe to show."""
        return ""


@dataclass(frozen=True, kw_only=True)
class HttpSpec(ServiceSpec):
    url: str
    method: str = "GET"
    headers: Mapping[str, str] = field(default_factory=dict)
    expect_status: tuple[str, ...] = ("2xx",)
    expect_json: Mapping[str, Any] | None = None
    degraded_ms: float | None = None
    max_redirects: int = 5
    max_body_bytes: int = 64 * 1024

    @property
    def target(self) -> str:
        return redact_url(self.url)

    def status_expected(self, status: int) -> bool:
        text = str(status)
        return any(
            text == want or (len(want) == 3 and want.endswith("xx") and text[0] == want[0])
            for want in self.expect_status
        )


@dataclass(frozen=True, kw_only=True)
class StatuspageSpec(ServiceSpec):
    url: str
    max_body_bytes: int = 4 * 1024 * 1024

    @property
    def summary_url(self) -> str:
        """The page's summary.json (a query string, e.g. a token, stays at the end)."""
        parts = urlsplit(self.url)
        if parts.path.endswith(".json"):
            return self.url
        return urlunsplit(parts._replace(path=parts.path.rstrip("/") + "/api/v2/summary.json"))

    @property
    def target(self) -> str:
        return redact_url(self.summary_url)


@dataclass(frozen=True, kw_only=True)
class PostgresSpec(ServiceSpec):
    dsn: str
    pool_degraded_at: float = 0.8
    long_query_seconds: float = 30.0
    lag_degraded_seconds: float = 30.0
    degraded_ms: float | None = None
    application_name: str = "warroom-probe"

    @property
    def target(self) -> str:
        return redact_text(redact_url(self.dsn) if "://" in self.dsn else self.dsn)


@dataclass(frozen=True, kw_only=True)
class TcpSpec(ServiceSpec):
    host: str
    port: int
    degraded_ms: float | None = None

    @property
    def target(self) -> str:
        return f"{self.host}:{self.port}"


COMMON_KEYS = frozenset(
    {
        "name",
        "kind",
        "interval",
        "timeout",
        "down_after",
        "up_after",
        "retry_interval",
        "flap_changes",
        "flap_window",
    }
)
KIND_KEYS = {
    "http": frozenset(
        {
            "url",
            "method",
            "headers",
            "expect_status",
            "expect_json",
            "degraded_ms",
            "max_redirects",
            "max_body_bytes",
        }
    ),
    "statuspage": frozenset({"url"}),
    "postgres": frozenset(
        {"dsn", "pool_degraded_at", "long_query_seconds", "lag_degraded_seconds", "degraded_ms"}
    ),
    "tcp": frozenset({"host", "port", "degraded_ms"}),
}
_STATUS_PATTERN = re.compile(r"^[1-5](?:xx|\d\d)$")
_NAME = re.compile(r"^[\w][\w .:/@+-]{0,63}$")
_HEADER_NAME = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")  # an RFC 9110 token


class _Fields:
    """Typed reads of one raw service table, with errors that say where."""

    def __init__(self, raw: Mapping[str, Any], where: str) -> None:
        self.raw = raw
        self.where = where

    def error(self, message: str) -> ConfigError:
        return ConfigError(f"{self.where}: {message}")

    def text(self, key: str, *, required: bool = False, env: bool = True) -> str | None:
        value = self.raw.get(key)
        if value is None:
            if required:
                raise self.error(f"missing '{key}'")
            return None
        if not isinstance(value, str):
            raise self.error(f"'{key}' must be a string, got {type(value).__name__}")
        if env:
            value = expand_env(value, f"{self.where}: {key}")
        if required and not value.strip():
            raise self.error(f"'{key}' is empty")
        return value

    def number(
        self, key: str, default: Any, *, at_least: float | None = None, integer: bool = False
    ) -> Any:
        """A number > 0 (or >= `at_least` when given); `default` when absent."""
        value = self.raw.get(key)
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.error(f"'{key}' must be a number, got {type(value).__name__}")
        if integer and not isinstance(value, int):
            raise self.error(f"'{key}' must be a whole number, got {value}")
        if at_least is None and value <= 0:
            raise self.error(f"'{key}' must be greater than 0, got {value}")
        if at_least is not None and value < at_least:
            raise self.error(f"'{key}' must be at least {at_least:g}, got {value}")
        return int(value) if integer else float(value)


def parse_services(config: Config) -> list[ServiceSpec]:
    """Every `[[service]]` of the config as a typed spec; ConfigError on the first problem."""
    source = config.source
    specs: list[ServiceSpec] = []
    seen: dict[str, int] = {}
    for index, raw in enumerate(config.services, start=1):
        spec = parse_service(raw, source, index)
        if spec.name in seen:
            raise ConfigError(
                f"{source}: service[{index}] ({spec.name}): name already used by "
                f"service[{seen[spec.name]}]"
            )
        seen[spec.name] = index
        specs.append(spec)
    return specs


def parse_service(raw: Mapping[str, Any], source: str, index: int) -> ServiceSpec:
    label = raw.get("name") if isinstance(raw.get("name"), str) else None
    where = f"{source}: service[{index}]" + (f" ({redact_text(label)})" if label else "")
    fields = _Fields(raw, where)
    name = fields.text("name", required=True, env=False) or ""
    if not _NAME.match(name):
        raise fields.error(
            "'name' must be 1-64 letters, digits or . _ - : / @ + and spaces, "
            "starting with a letter or digit"
        )
    kind = fields.text("kind", required=True, env=False) or ""
    if kind not in KINDS:
        raise fields.error(f"'kind' must be one of {', '.join(KINDS)}, got {kind!r}")
    unknown = sorted(set(raw) - COMMON_KEYS - KIND_KEYS[kind])
    if unknown:
        allowed = ", ".join(sorted(COMMON_KEYS | KIND_KEYS[kind]))
        raise fields.error(f"unknown field '{unknown[0]}' for kind {kind} (known: {allowed})")
    common = _common(fields, name, kind)
    if kind == "http":
        return _http(fields, common)
    if kind == "statuspage":
        url = _url(fields, "url")
        return StatuspageSpec(**common, url=url)
    if kind == "postgres":
        return _postgres(fields, common)
    return _tcp(fields, common)


def _common(fields: _Fields, name: str, kind: str) -> dict[str, Any]:
    interval = fields.number("interval", DEFAULT_INTERVAL)
    timeout = fields.number("timeout", min(DEFAULT_TIMEOUT, interval / 2))
    if timeout >= interval:
        raise fields.error(
            f"'timeout' ({timeout:g} s) must be shorter than 'interval' ({interval:g} s)"
        )
    retry = fields.number("retry_interval", min(interval, max(1.0, interval / 5)))
    if retry > interval:
        raise fields.error(f"'retry_interval' ({retry:g} s) must not exceed 'interval'")
    damping = Damping(
        down_after=fields.number("down_after", 3, at_least=1, integer=True),
        up_after=fields.number("up_after", 2, at_least=1, integer=True),
        retry_interval=retry,
        flap_changes=fields.number("flap_changes", 5, at_least=2, integer=True),
        flap_window=fields.number("flap_window", max(300.0, interval * 10)),
    )
    return {
        "name": name,
        "kind": kind,
        "interval": interval,
        "timeout": timeout,
        "damping": damping,
    }


def _url(fields: _Fields, key: str) -> str:
    """An http(s) URL whose secrets are registered; errors never quote it (it may hold
    a password or a token)."""
    url = (fields.text(key, required=True) or "").strip()
    try:
        register_url_secrets(url)
    except CredentialError as error:
        raise fields.error(f"'{key}' cannot be read safely: {error} (value not shown)") from None
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        raise fields.error(
            f"'{key}' is not a valid URL (a bad port or [address]; value not shown)"
        ) from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise fields.error(f"'{key}' must be an http:// or https:// URL with a host")
    if any(ord(c) < 33 or 0x7F <= ord(c) <= 0x9F for c in url):
        raise fields.error(f"'{key}' holds spaces or control characters (value not shown)")
    return url


def _http(fields: _Fields, common: dict[str, Any]) -> HttpSpec:
    url = _url(fields, "url")
    method = (fields.text("method", env=False) or "GET").upper()
    if method not in ("GET", "HEAD", "POST", "OPTIONS"):
        raise fields.error(f"'method' must be GET, HEAD, POST or OPTIONS, got {method!r}")
    headers: dict[str, str] = {}
    raw_headers = fields.raw.get("headers", {})
    if not isinstance(raw_headers, Mapping):
        raise fields.error("'headers' must be a table of strings")
    for key, value in raw_headers.items():
        if not isinstance(value, str):
            raise fields.error(f"headers.{key} must be a string")
        expanded = expand_env(value, f"{fields.where}: headers.{key}")
        register_header(key, expanded)
        if not _HEADER_NAME.match(key):
            raise fields.error(f"headers.{key}: not a valid header name")
        if any((ord(c) < 32 and c != "\t") or 0x7F <= ord(c) <= 0x9F for c in expanded):
            raise fields.error(f"headers.{key}: the value holds control characters (not shown)")
        headers[str(key)] = expanded
    expect = fields.raw.get("expect_status", "2xx")
    wanted = [expect] if isinstance(expect, int | str) and not isinstance(expect, bool) else expect
    if not isinstance(wanted, list) or not wanted:
        raise fields.error("'expect_status' must be a status, a class like \"2xx\", or a list")
    statuses = tuple(str(item).lower() for item in wanted)
    for status in statuses:
        if not _STATUS_PATTERN.match(status):
            raise fields.error(f"'expect_status' entry {status!r} is not like 200 or \"2xx\"")
    expect_json = fields.raw.get("expect_json")
    if expect_json is not None and not isinstance(expect_json, Mapping):
        raise fields.error("'expect_json' must be a table (the JSON fields to match)")
    return HttpSpec(
        **common,
        url=url,
        method=method,
        headers=headers,
        expect_status=statuses,
        expect_json=dict(expect_json) if expect_json is not None else None,
        degraded_ms=fields.number("degraded_ms", None),
        max_redirects=fields.number("max_redirects", 5, at_least=0, integer=True),
        max_body_bytes=fields.number("max_body_bytes", 64 * 1024, at_least=1, integer=True),
    )


def _postgres(fields: _Fields, common: dict[str, Any]) -> PostgresSpec:
    dsn = (fields.text("dsn", required=True) or "").strip()
    try:
        register_dsn_secrets(dsn)
    except CredentialError as error:
        raise fields.error(f"'dsn' cannot be read safely: {error} (value not shown)") from None
    except ValueError:
        raise fields.error("'dsn' must be postgresql://... or key=value pairs") from None
    if "://" in dsn:
        scheme = dsn.split("://", 1)[0].lower()
        if scheme not in ("postgres", "postgresql"):
            raise fields.error("'dsn' must be postgresql://... or key=value pairs")
        try:
            urlsplit(dsn).port  # noqa: B018 - raises ValueError on a bad port
        except ValueError:
            raise fields.error("'dsn' has a bad port or [address] (value not shown)") from None
    elif "=" not in dsn:
        raise fields.error("'dsn' must be postgresql://... or key=value pairs")
    share = fields.number("pool_degraded_at", 0.8)
    if share > 1:
        raise fields.error("'pool_degraded_at' is a share of max_connections, 0 < x <= 1")
    return PostgresSpec(
        **common,
        dsn=dsn,
        pool_degraded_at=share,
        long_query_seconds=fields.number("long_query_seconds", 30.0),
        lag_degraded_seconds=fields.number("lag_degraded_seconds", 30.0),
        degraded_ms=fields.number("degraded_ms", None),
    )


def _tcp(fields: _Fields, common: dict[str, Any]) -> TcpSpec:
    host = (fields.text("host", required=True) or "").strip()
    port = fields.raw.get("port")
    if port is None:
        raise fields.error("missing 'port'")
    if isinstance(port, str):
        port = expand_env(port, f"{fields.where}: port")
        if not port.isdigit():
            raise fields.error(f"'port' must be a number, got {port!r}")
        port = int(port)
    if isinstance(port, bool) or not isinstance(port, int) or not 1 <= port <= 65535:
        raise fields.error("'port' must be a whole number from 1 to 65535")
    return TcpSpec(**common, host=host, port=port, degraded_ms=fields.number("degraded_ms", None))
