"""The http probe against a real server on 127.0.0.1: every way a health check goes."""

from __future__ import annotations

import json
import socket
from typing import Any

import httpcore
import httpx
import pytest

from tests.support.probe_servers import LoopbackServer, refused_port
from warroom.probes.config import HttpSpec, parse_service
from warroom.probes.http import _transport_failure, json_mismatch
from warroom.probes.result import ProbeState
from warroom.probes.runner import ProbeRunner


def http_spec(url: str, **fields: Any) -> HttpSpec:
    raw = {"name": "api", "kind": "http", "url": url, "timeout": 1.0, "interval": 10, **fields}
    spec = parse_service(raw, "test.toml", 1)
    assert isinstance(spec, HttpSpec)
    return spec


async def test_200_is_up_with_latency(server: LoopbackServer, runner: ProbeRunner) -> None:
    server.route("/health", body={"status": "ok"})
    result = await runner.run(http_spec(server.url("/health"), expect_json={"status": "ok"}))
    assert result.state is ProbeState.UP
    assert result.latency_ms is not None and result.latency_ms >= 0
    assert result.reason.startswith("status 200 in ")
    assert result.detail["status"] == 200
    sent = server.last_headers["/health"]
    assert sent["user-agent"].startswith("warroom-probe/")
    assert sent["accept-encoding"] == "identity"  # the capped read is of the real bytes


async def test_503_is_down_with_the_observed_status(
    server: LoopbackServer, runner: ProbeRunner
) -> None:
    server.route("/health", status=503, body="overloaded")
    result = await runner.run(http_spec(server.url("/health")))
    assert result.state is ProbeState.DOWN
    assert result.reason == "status 503, expected 2xx"
    assert result.detail["body"] == "overloaded"


async def test_expected_status_list(server: LoopbackServer, runner: ProbeRunner) -> None:
    server.route("/gone", status=204)
    assert (
        await runner.run(http_spec(server.url("/gone"), expect_status=[200, 204]))
    ).state is ProbeState.UP
    server.route("/gone", status=200)
    result = await runner.run(http_spec(server.url("/gone"), expect_status=204))
    assert (result.state, result.reason) == (ProbeState.DOWN, "status 200, expected 204")


async def test_wrong_json_is_down_and_names_the_field(
    server: LoopbackServer, runner: ProbeRunner
) -> None:
    server.route("/health", body={"status": "fail", "db": {"ok": False}})
    result = await runner.run(http_spec(server.url("/health"), expect_json={"status": "ok"}))
    assert result.state is ProbeState.DOWN
    assert result.reason == 'json status = "fail", expected "ok"'
    nested = await runner.run(http_spec(server.url("/health"), expect_json={"db": {"ok": True}}))
    assert nested.reason == "json db.ok = false, expected true"


async def test_invalid_json_is_down(server: LoopbackServer, runner: ProbeRunner) -> None:
    server.route("/health", body="<html>502 Bad Gateway</html>")
    result = await runner.run(http_spec(server.url("/health"), expect_json={"status": "ok"}))
    assert result.state is ProbeState.DOWN
    assert result.reason.startswith("body is not JSON")


async def test_slow_answer_is_degraded(server: LoopbackServer, runner: ProbeRunner) -> None:
    server.route("/health", body={"status": "ok"}, delay=0.2)
    result = await runner.run(http_spec(server.url("/health"), degraded_ms=100))
    assert result.state is ProbeState.DEGRADED
    assert result.reason.startswith("latency ") and result.reason.endswith(">= 100 ms")
    assert result.latency_ms is not None and result.latency_ms >= 200


async def test_hung_server_times_out_within_the_timeout(
    server: LoopbackServer, runner: ProbeRunner
) -> None:
    server.route("/health", hang=True)
    result = await runner.run(http_spec(server.url("/health"), timeout=0.3))
    assert result.state is ProbeState.DOWN
    assert "within 0.3 s" in result.reason


async def test_connection_refused_is_down(runner: ProbeRunner) -> None:
    result = await runner.run(http_spec(f"http://127.0.0.1:{refused_port()}/health"))
    assert (result.state, result.reason) == (ProbeState.DOWN, "connection refused")


async def test_unresolvable_host_is_unknown(runner: ProbeRunner) -> None:
    result = await runner.run(http_spec("http://api.warroom-test.invalid/health", timeout=5))
    assert result.state is ProbeState.UNKNOWN
    assert "cannot resolve host api.warroom-test.invalid" in result.reason


async def test_redirects_are_followed_and_a_loop_is_named(
    server: LoopbackServer, runner: ProbeRunner
) -> None:
    server.route("/old", status=301, headers={"location": "/health"})
    server.route("/health", body={"status": "ok"})
    followed = await runner.run(http_spec(server.url("/old")))
    assert followed.state is ProbeState.UP
    assert followed.detail["redirects"] == [f"301 -> {server.url('/health')}"]

    server.route("/a", status=302, headers={"location": "/b?token=loop-secret-1"})
    server.route("/b", status=302, headers={"location": "/a"})
    looped = await runner.run(http_spec(server.url("/a")))
    assert looped.state is ProbeState.DOWN
    assert looped.reason.startswith("redirect loop after 2 redirects")
    assert "loop-secret-1" not in json.dumps(looped.detail)

    server.route("/c", status=302, headers={"location": "/d"})
    server.route("/d", status=302, headers={"location": "/health"})
    limited = await runner.run(http_spec(server.url("/c"), max_redirects=1))
    assert (limited.state, limited.reason) == (ProbeState.DOWN, "more than 1 redirects")


async def test_endless_body_is_read_only_up_to_the_cap(
    server: LoopbackServer, runner: ProbeRunner
) -> None:
    server.route("/stream", endless=True)
    result = await runner.run(http_spec(server.url("/stream"), timeout=5, max_body_bytes=10000))
    assert result.state is ProbeState.UP
    assert result.detail["bytes_read"] == 10000
    assert result.detail["truncated_at"] == 10000
    checked = await runner.run(
        http_spec(server.url("/stream"), timeout=5, expect_json={"status": "ok"})
    )
    assert checked.state is ProbeState.DOWN
    assert checked.reason == "body over 65536 bytes, JSON not checked"


async def test_markup_and_escapes_in_the_body_stay_inert(
    server: LoopbackServer, runner: ProbeRunner
) -> None:
    hostile = (
        "[bold red]FIRE[/x] \x1b[31mred\x1b[0m \x1b]0;pwned title\x07 \x1b]8;;http://evil/\x1b\\"
        "link\x1b]8;;\x1b\\ \x9b2J bell\x07 nul\x00 \u202eesrever\u202c"
    )
    server.route("/health", status=500, body=hostile)
    result = await runner.run(http_spec(server.url("/health"), expect_json={"status": "ok"}))
    shown = json.dumps(result.to_dict(), ensure_ascii=False)
    body = result.detail["body"]
    for forbidden in ("\x1b", "\x07", "\x00", "\x9b", "\u202e", "\\u001b", "pwned title"):
        assert forbidden not in shown
        assert forbidden not in body
    assert "[bold red]FIRE[/x]" in body  # kept as literal text, never interpreted
    assert "red" in body and "link" in body


async def test_secret_headers_are_sent_but_never_shown(
    server: LoopbackServer, runner: ProbeRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PROBE_TEST_TOKEN", "tok-3c1d9a7e55")
    server.route("/health", status=401, body="token tok-3c1d9a7e55 rejected")
    spec = http_spec(
        server.url("/health") + "?api_key=qs-secret-8812",
        headers={"Authorization": "Bearer ${PROBE_TEST_TOKEN}", "X-Team": "sre"},
    )
    result = await runner.run(spec)
    assert server.last_headers["/health"]["authorization"] == "Bearer tok-3c1d9a7e55"
    assert server.last_headers["/health"]["x-team"] == "sre"
    shown = json.dumps(result.to_dict()) + spec.target
    assert "tok-3c1d9a7e55" not in shown
    assert "qs-secret-8812" not in shown
    assert result.state is ProbeState.DOWN


def test_json_subset_matching() -> None:
    document = {"status": "ok", "checks": {"db": "ok", "cache": "ok"}, "version": 3}
    assert json_mismatch(document, {"status": "ok", "checks": {"db": "ok"}}) is None
    assert json_mismatch(document, {"version": 3}) is None
    assert json_mismatch(document, {"missing": 1}) == "json missing missing, expected 1"
    assert json_mismatch(["a"], {"status": "ok"}) == "json body is a list, expected an object"
    assert json_mismatch({"up": 1}, {"up": True}) == "json up = 1, expected true"


def test_resolver_failures_are_unknown_refusals_down() -> None:
    """The exception chains httpx raises (built here: tests never query a real resolver)."""
    request = httpx.Request("GET", "http://db.internal/health")
    core = httpcore.ConnectError("[Errno -2] Name or service not known")
    core.__cause__ = socket.gaierror(-2, "Name or service not known")
    error = httpx.ConnectError(str(core), request=request)
    error.__cause__ = core
    failure = _transport_failure(error, 1.0)
    assert (failure.state, failure.reason) == (
        ProbeState.UNKNOWN,
        "cannot resolve host db.internal",
    )
    refused = httpx.ConnectError("All connection attempts failed", request=request)
    refused.__cause__ = ConnectionRefusedError(111, "Connection refused")
    assert _transport_failure(refused, 1.0).state is ProbeState.DOWN
