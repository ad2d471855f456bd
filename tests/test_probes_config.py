"""Service specs from `[[service]]` tables: kinds, defaults, errors that say where, secrets."""

from __future__ import annotations

from pathlib import Path

import pytest

from warroom.config import ConfigError, load_config, parse_config
from warroom.probes.config import (
    HttpSpec,
    PostgresSpec,
    StatuspageSpec,
    TcpSpec,
    parse_services,
)
from warroom.redact import parse_keyword_dsn, redact_text

EXAMPLE = Path(__file__).resolve().parents[1] / "warroom.example.toml"


def services_from(toml: str, name: str = "warroom.toml") -> list:
    Path(name).write_text(toml)
    return parse_services(load_config(name))


def error_of(toml: str) -> str:
    with pytest.raises(ConfigError) as caught:
        services_from(toml)
    return str(caught.value)


def test_the_example_has_one_service_of_each_kind(monkeypatch: pytest.MonkeyPatch) -> None:
    for variable in ("WARROOM_DB_DSN", "API_HEALTH_URL", "WEBHOOKS_TOKEN", "REDIS_HOST"):
        monkeypatch.delenv(variable, raising=False)
    specs = parse_services(load_config(EXAMPLE))
    assert [(s.name, s.kind) for s in specs] == [
        ("api", "http"),
        ("web", "http"),
        ("webhooks", "http"),
        ("payments-vendor", "statuspage"),
        ("database", "postgres"),
        ("redis", "tcp"),
    ]
    api, _, webhooks, vendor, database, redis = specs
    assert isinstance(api, HttpSpec) and api.url == "http://127.0.0.1:8080/health"
    assert api.expect_json == {"status": "ok"} and api.degraded_ms == 500
    assert isinstance(webhooks, HttpSpec) and webhooks.expect_status == ("200", "204")
    assert isinstance(vendor, StatuspageSpec)
    assert vendor.summary_url == "http://127.0.0.1:8090/api/v2/summary.json"
    assert isinstance(database, PostgresSpec) and database.pool_degraded_at == 0.8
    assert database.dsn == "postgresql://warroom@127.0.0.1:5432/postgres"
    assert isinstance(redis, TcpSpec) and (redis.host, redis.port) == ("127.0.0.1", 6379)
    assert all(spec.timeout < spec.interval for spec in specs)


def test_environment_overrides_the_example(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WARROOM_DB_DSN", "postgresql://app:example-db-pw-77@db.internal/app")
    monkeypatch.setenv("WEBHOOKS_TOKEN", "whk-9a8b7c6d")
    specs = {spec.name: spec for spec in parse_services(load_config(EXAMPLE))}
    database = specs["database"]
    assert isinstance(database, PostgresSpec)
    assert database.dsn.endswith("@db.internal/app")
    assert database.target == "postgresql://app:***@db.internal/app"
    webhooks = specs["webhooks"]
    assert isinstance(webhooks, HttpSpec)
    assert webhooks.headers["Authorization"] == "Bearer whk-9a8b7c6d"
    text = "sent Bearer whk-9a8b7c6d to postgresql://app:example-db-pw-77@db.internal/app"
    assert "whk-9a8b7c6d" not in redact_text(text)
    assert "example-db-pw-77" not in redact_text(text)


def test_defaults() -> None:
    [spec] = services_from('[[service]]\nname = "redis"\nkind = "tcp"\nhost = "h"\nport = 1\n')
    assert (spec.interval, spec.timeout) == (30.0, 5.0)
    assert (spec.damping.down_after, spec.damping.up_after) == (3, 2)
    assert spec.damping.retry_interval == 6.0
    [short] = services_from(
        '[[service]]\nname = "r"\nkind = "tcp"\nhost = "h"\nport = 1\ninterval = 4\n'
    )
    assert (short.timeout, short.damping.retry_interval) == (2.0, 1.0)
    [quick] = services_from(
        '[[service]]\nname = "r"\nkind = "tcp"\nhost = "h"\nport = 1\ninterval = 0.5\n'
    )
    assert (quick.timeout, quick.damping.retry_interval) == (0.25, 0.5)


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        (
            '[[service]]\nname = "web"\nkind = "tcp"\nhost = "h"\nport = 1\n'
            '[[service]]\nname = "api"\nkind = "http"\n',
            "warroom.toml: service[2] (api): missing 'url'",
        ),
        ('[[service]]\nkind = "http"\n', "warroom.toml: service[1]: missing 'name'"),
        (
            '[[service]]\nname = "x"\nkind = "ftp"\n',
            "warroom.toml: service[1] (x): 'kind' must be one of http, statuspage, postgres, "
            "tcp, got 'ftp'",
        ),
        (
            '[[service]]\nname = "x"\nkind = "tcp"\nhost = "h"\nport = 1\ntiemout = 3\n',
            "warroom.toml: service[1] (x): unknown field 'tiemout' for kind tcp",
        ),
        (
            '[[service]]\nname = "x"\nkind = "tcp"\nhost = "h"\nport = 1\n'
            "interval = 5\ntimeout = 5\n",
            "warroom.toml: service[1] (x): 'timeout' (5 s) must be shorter than 'interval' (5 s)",
        ),
        (
            '[[service]]\nname = "x"\nkind = "tcp"\nhost = "h"\nport = 70000\n',
            "warroom.toml: service[1] (x): 'port' must be a whole number from 1 to 65535",
        ),
        (
            '[[service]]\nname = "x"\nkind = "http"\nurl = "ftp://files"\n',
            "warroom.toml: service[1] (x): 'url' must be an http:// or https:// URL with a host",
        ),
        (
            '[[service]]\nname = "x"\nkind = "http"\nurl = "http://h/"\ninterval = "often"\n',
            "warroom.toml: service[1] (x): 'interval' must be a number, got str",
        ),
        (
            '[[service]]\nname = "x"\nkind = "http"\nurl = "http://h/"\nexpect_status = "ok"\n',
            "warroom.toml: service[1] (x): 'expect_status' entry 'ok' is not like 200 or \"2xx\"",
        ),
        (
            '[[service]]\nname = "x"\nkind = "postgres"\ndsn = "${WARROOM_TEST_UNSET_DSN}"\n',
            "warroom.toml: service[1] (x): dsn: environment variable WARROOM_TEST_UNSET_DSN "
            "is not set",
        ),
        (
            '[[service]]\nname = "x"\nkind = "postgres"\ndsn = "mysql://h/db"\n',
            "warroom.toml: service[1] (x): 'dsn' must be postgresql://... or key=value pairs",
        ),
        (
            '[[service]]\nname = "a"\nkind = "tcp"\nhost = "h"\nport = 1\n'
            '[[service]]\nname = "a"\nkind = "tcp"\nhost = "h"\nport = 2\n',
            "warroom.toml: service[2] (a): name already used by service[1]",
        ),
    ],
)
def test_errors_name_file_service_and_field(toml: str, message: str) -> None:
    assert error_of(toml).startswith(message)


def test_secrets_from_config_are_registered_and_masked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEST_API_TOKEN", "tkn-5e4d3c2b1a")
    services_from(
        """
[[service]]
name = "api"
kind = "http"
url = "https://api.example/health?token=qtok-77aa66bb"
headers = { "X-Api-Key" = "${TEST_API_TOKEN}", "X-Env" = "production" }

[[service]]
name = "db"
kind = "postgres"
dsn = "host=db user=app password='kv pw 31337x' dbname=app"
"""
    )
    text = "tkn-5e4d3c2b1a | qtok-77aa66bb | kv pw 31337x | production"
    assert redact_text(text) == "*** | *** | *** | production"


def test_keyword_dsn_parsing() -> None:
    assert parse_keyword_dsn("host=db port = 5433 dbname=x") == {
        "host": "db",
        "port": "5433",
        "dbname": "x",
    }
    assert parse_keyword_dsn(r"user=a password='o\'k pw' sslmode=require") == {
        "user": "a",
        "password": "o'k pw",
        "sslmode": "require",
    }


def test_service_tables_must_be_tables() -> None:
    with pytest.raises(ConfigError, match="expected \\[\\[service\\]\\] tables"):
        parse_config({"service": ["api"]})
