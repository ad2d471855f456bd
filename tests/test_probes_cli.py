"""`warroom check` and `warroom watch` as a user runs them, against loopback targets."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support.probe_servers import LoopbackServer, refused_port
from warroom.cli import main
from warroom.model.events import EventKind
from warroom.store.local import LocalStore

REPO = Path(__file__).resolve().parents[1]
TOKEN = "cli-token-6f5e4d3c"
DB_PASSWORD = "cli-db-pw-1a2b3c"
QUERY_TOKEN = "cli-query-9z8y7x"


@pytest.fixture(autouse=True)
def wide_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.setenv("CHECK_TEST_TOKEN", TOKEN)


def http_service(name: str, url: str, extra: str = "") -> str:
    return (
        f'[[service]]\nname = "{name}"\nkind = "http"\nurl = "{url}"\n'
        f"interval = 10\ntimeout = 2\n{extra}\n"
    )


def write_config(*services: str, name: str = "probes.toml") -> str:
    Path(name).write_text("\n".join(services))
    return name


def check(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["check", *args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize(
    ("routes", "expected"),
    [
        ({"/a": 200, "/b": 200}, 0),
        ({"/a": 200, "/b": "slow"}, 1),
        ({"/a": 503, "/b": "slow"}, 2),
    ],
)
def test_exit_codes(
    server: LoopbackServer, capsys: pytest.CaptureFixture[str], routes: dict, expected: int
) -> None:
    for path, how in routes.items():
        if how == "slow":
            server.route(path, body="ok", delay=0.8)
        else:
            server.route(path, status=how, body="ok")
    config = write_config(
        http_service("a", server.url("/a")),
        # A healthy loopback answer stays far under 300 ms even on a busy machine.
        http_service("b", server.url("/b"), "degraded_ms = 300"),
    )
    code, out, _ = check(capsys, "--config", config)
    assert code == expected
    assert "SERVICE" in out and "REASON" in out


def test_unknown_is_3_and_down_wins_over_unknown(
    server: LoopbackServer, capsys: pytest.CaptureFixture[str]
) -> None:
    unknown = http_service("vendor", "http://status.warroom-test.invalid/")
    down = http_service("api", f"http://127.0.0.1:{refused_port()}/")
    assert check(capsys, "--config", write_config(unknown))[0] == 3
    assert check(capsys, "--config", write_config(unknown, down))[0] == 2


def test_bad_config_is_3_with_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    config = write_config('[[service]]\nname = "api"\nkind = "http"\n', name="warroom.toml")
    code, out, err = check(capsys, "--config", config)
    assert code == 3 and out == ""
    assert err == "warroom: error: warroom.toml: service[1] (api): missing 'url'\n"
    empty = write_config("", name="empty.toml")
    code, _, err = check(capsys, "--config", empty)
    assert (code, err) == (3, "warroom: error: empty.toml: no [[service]] to probe\n")
    assert main(["check", "--config", "missing.toml"]) == 3


def test_json_lines(server: LoopbackServer, capsys: pytest.CaptureFixture[str]) -> None:
    server.route("/health", body={"status": "ok"})
    config = write_config(
        http_service("api", server.url("/health"), 'expect_json = { status = "ok" }'),
        http_service("gone", f"http://127.0.0.1:{refused_port()}/"),
    )
    code, out, _ = check(capsys, "--json", "--config", config)  # --config after the command
    assert code == 2
    records = [json.loads(line) for line in out.splitlines()]
    assert [r["name"] for r in records] == ["api", "gone"]
    for record in records:
        assert {"name", "kind", "state", "latency_ms", "detail"} <= set(record)
    assert (records[0]["state"], records[1]["state"]) == ("up", "down")
    assert records[0]["latency_ms"] > 0 and records[1]["latency_ms"] is None
    assert records[1]["reason"] == "connection refused"


def test_no_secret_and_no_markup_on_any_output(
    server: LoopbackServer, capsys: pytest.CaptureFixture[str]
) -> None:
    summary = {
        "page": {"name": "Vendor"},
        "components": [
            {"id": "c1", "name": "[bold]EU[/x] \x1b[31mcards", "status": "major_outage"}
        ],
        "incidents": [],
        "status": {"indicator": "major", "description": "Partial \x1b]0;t\x07Outage"},
    }
    server.route("/api/v2/summary.json", body=summary)
    server.route("/health", status=401, body=f"bad token {TOKEN}")
    config = write_config(
        http_service(
            "api",
            server.url("/health") + f"?token={QUERY_TOKEN}",
            'headers = { Authorization = "Bearer ${CHECK_TEST_TOKEN}" }',
        ),
        '[[service]]\nname = "vendor"\nkind = "statuspage"\n'
        f'url = "{server.url("")}"\ninterval = 10\ntimeout = 2\n',
        '[[service]]\nname = "db"\nkind = "postgres"\ninterval = 10\ntimeout = 2\n'
        f'dsn = "postgresql://app:{DB_PASSWORD}@127.0.0.1:{refused_port()}/app"\n',
    )
    table = check(capsys, "--config", config)
    as_json = check(capsys, "--config", config, "--json")
    assert server.last_headers["/health"]["authorization"] == f"Bearer {TOKEN}"
    for code, out, err in (table, as_json):
        assert code == 2
        for secret in (TOKEN, DB_PASSWORD, QUERY_TOKEN):
            assert secret not in out + err
        assert "\x1b" not in out and "\x07" not in out and "\\u001b" not in out
    assert "[bold]EU[/x] cards: major outage" in table[1]  # literal, not styled
    assert "Partial Outage (indicator major)" in table[1]


def test_example_config_tells_the_truth(capsys: pytest.CaptureFixture[str]) -> None:
    env_names = ("API_HEALTH_URL", "WEB_URL", "WEBHOOKS_HEALTH_URL", "PAYMENTS_STATUS_URL")
    if any(os.environ.get(name) for name in env_names):
        pytest.skip("the example's targets are overridden in this environment")
    code, out, _ = check(capsys, "--config", str(REPO / "warroom.example.toml"), "--json")
    records = {r["name"]: r for r in map(json.loads, out.splitlines())}
    assert set(records) == {"api", "web", "webhooks", "payments-vendor", "database", "redis"}
    assert code in (0, 1, 2, 3)
    for record in records.values():
        assert record["state"] in ("up", "degraded", "down", "unknown", "maintenance")
        assert record["reason"]


# watch -----------------------------------------------------------------------------------


def run_warroom(*args: str, **options: object) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "warroom", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        **options,  # type: ignore[arg-type]
    )


def probe_events(store: LocalStore, incident: str) -> list[dict]:
    return [
        dict(event.payload)
        for event in store.load_sync(incident).events
        if event.kind is EventKind.PROBE_STATE_CHANGED
    ]


def wait_for_events(store: LocalStore, incident: str, count: int, process) -> list[dict]:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        found = probe_events(store, incident)
        if len(found) >= count:
            return found
        if process.poll() is not None:
            raise AssertionError(f"watch exited early: {process.communicate()}")
        time.sleep(0.05)
    raise TimeoutError(f"only {probe_events(store, incident)} after 30 s")


def test_watch_writes_debounced_changes_into_the_incident(
    server: LoopbackServer, capsys: pytest.CaptureFixture[str], isolated_dirs: Path
) -> None:
    assert main(["declare", "API errors", "--severity", "SEV-2"]) == 0
    incident = capsys.readouterr().out.strip()
    server.route("/health", status=503, body="down")
    config = write_config(
        http_service(
            "api",
            server.url("/health") + f"?token={QUERY_TOKEN}",
            'headers = { Authorization = "Bearer ${CHECK_TEST_TOKEN}" }\n'
            "down_after = 2\nup_after = 2\nretry_interval = 0.05",
        ).replace("interval = 10\ntimeout = 2", "interval = 1\ntimeout = 0.5"),
        '[[service]]\nname = "steady"\nkind = "tcp"\nhost = "127.0.0.1"\n'
        f"port = {server.port}\ninterval = 1\ntimeout = 0.5\n",
    )
    store = LocalStore(isolated_dirs)
    process = run_warroom("--config", config, "watch", incident.lower())
    try:
        [down] = wait_for_events(store, incident, 1, process)
        server.route("/health", body="fine")
        events = wait_for_events(store, incident, 2, process)
    finally:
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=20)
    assert process.returncode == 0, err
    assert down == {
        "service": "api",
        "probe_kind": "http",
        "state": "down",
        "previous": None,
        "reason": "status 503, expected 2xx",
        "latency_ms": down["latency_ms"],
    }
    assert (events[1]["previous"], events[1]["state"]) == ("down", "up")
    assert all(e["service"] == "api" for e in events)  # "steady" was up from the start
    assert "api ? -> down (status 503, expected 2xx)" in out
    assert "steady ? -> up" in out
    raw = (isolated_dirs).rglob("*")
    written = "".join(p.read_text(errors="replace") for p in raw if p.is_file())
    for secret in (TOKEN, QUERY_TOKEN):
        assert secret not in written + out + err


def test_watch_refuses_an_unknown_incident(server: LoopbackServer) -> None:
    server.route("/health", body="fine")
    config = write_config(http_service("api", server.url("/health")))
    process = run_warroom("--config", config, "watch", "INC-19990101-1")
    _, err = process.communicate(timeout=30)
    assert process.returncode == 1
    assert err.strip() == "warroom: error: unknown incident INC-19990101-1"


def test_watch_stops_on_ctrl_c_even_when_started_with_it_ignored(
    server: LoopbackServer, capsys: pytest.CaptureFixture[str], isolated_dirs: Path
) -> None:
    # A background job of a script starts with SIGINT ignored, and Python leaves it so:
    # watch says "Ctrl-C to stop" and must stop on it all the same.
    assert main(["declare", "API errors", "--severity", "SEV-2"]) == 0
    incident = capsys.readouterr().out.strip()
    config = write_config(http_service("api", server.url("/health")))
    process = run_warroom(
        "--config",
        config,
        "watch",
        incident,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN),
    )
    try:
        assert process.stderr is not None
        assert "Ctrl-C to stop" in process.stderr.readline()
    finally:
        process.send_signal(signal.SIGINT)
        _out, err = process.communicate(timeout=20)
    assert process.returncode == 0 and "stopped" in err
