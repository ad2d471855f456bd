"""No secret leaves warroom: a target that echoes every credential it receives, passwords
holding `/ # ? @`, every kind of credential in one warroom.toml, and then `check`,
`check --json`, `watch`, both exports, the console's status pane and the logs are read
for any piece of any secret. Also: credentials that clients would read differently are
refused as config errors that never echo them, configured headers never follow a
redirect to another origin, and a status page that never answers is unknown."""

from __future__ import annotations

import base64
import json
import logging
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest

from tests.support.echo_server import EchoServer
from tests.support.probe_servers import LoopbackServer, refused_port
from warroom.cli import main
from warroom.config import Config, load_config
from warroom.model.events import EventKind
from warroom.probes.config import parse_services
from warroom.probes.runner import ProbeRunner
from warroom.store.local import LocalStore

REPO = Path(__file__).resolve().parents[1]

PW_A = "Qx7Pa/Ss8Ww#Rd9Zz?@Al5pha"  # percent-encoded in the URL, as it must be
PW_B = "Br4vo@Kk2Yy!"  # a raw @ in an http URL's password: httpx reads it right
PAIR_D = "carol:Cc4rol/Oo5l#?@De1ta"  # an Authorization: Basic header
PW_E = "Ee5db/Pw6#?@Ec7ho"  # a PostgreSQL DSN's password, percent-encoded
QUERY = {
    "private_token": "PrivTok-1111",
    "access_key": "AccKey-2222",
    "sig": "SigVal-3333",
    "X-Amz-Signature": "AmzSig-4444",
    "apikey": "ApiKey-5555",
    "key": "KeyVal-6666",
    "password": "QPass-7777",
    "secret": "QSecret-8888",
    "auth": "QAuth-9999",
    "Signature": "SigCap-1212",
}
HEADERS = {
    "X-Api-Key": "HdrApi-1010",
    "X-Auth-Key": "HdrAuth-2020",
    "Ocp-Apim-Subscription-Key": "HdrOcp-3030",
    "X-Custom-Thing": "CustomK3y4040abcd",
    "Authorization": "Bearer BearerTok-5050xyz",
}
STATUS_TOKEN = "SpKey-6060"


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def forbidden() -> list[str]:
    """Every string that would be (part of) a secret on the way out."""
    found = [
        PW_A,
        quote(PW_A, safe=""),
        "Qx7Pa",
        "Ss8Ww",
        "Rd9Zz",
        "Al5pha",
        b64(f"alice:{PW_A}").rstrip("="),
        PW_B,
        "Br4vo",
        "Kk2Yy",
        b64(f"bob:{PW_B}").rstrip("="),
        PAIR_D,
        "Cc4rol/",
        "Oo5l",
        "De1ta",
        b64(PAIR_D).rstrip("="),
        PW_E,
        quote(PW_E, safe=""),
        "Ee5db",
        "Ec7ho",
        STATUS_TOKEN,
        *QUERY.values(),
        *HEADERS.values(),
        "BearerTok",
    ]
    return found


def assert_clean(where: str, text: str) -> None:
    leaked = [secret for secret in forbidden() if secret in text]
    assert not leaked, f"{where} shows {leaked}"


def toml_string(value: str) -> str:
    return json.dumps(value)  # a TOML basic string is a JSON string for these values


def echo_config(echo: EchoServer, path: Path) -> Path:
    port = echo.port
    query_a = "&".join(f"{k}={v}" for k, v in list(QUERY.items())[:4]) + "&page=2"
    query_b = "&".join(f"{k}={v}" for k, v in list(QUERY.items())[4:])
    headers = ", ".join(f"{toml_string(k)} = {toml_string(v)}" for k, v in HEADERS.items())
    timing = "interval = 1\ntimeout = 0.8\ndown_after = 1\nretry_interval = 0.5\n"
    expect = 'expect_json = { echo = "nothing" }\n'
    services = [
        ("api-a", "http", f"http://alice:{quote(PW_A, safe='')}@127.0.0.1:{port}/a?{query_a}"),
        ("api-b", "http", f"http://bob:{PW_B}@127.0.0.1:{port}/b?{query_b}"),
        ("api-c", "http", f"http://127.0.0.1:{port}/c"),
        ("api-d", "http", f"http://127.0.0.1:{port}/d"),
        ("vendor-f", "statuspage", f"http://127.0.0.1:{port}/f?apikey={STATUS_TOKEN}"),
    ]
    text = ""
    for name, kind, url in services:
        text += f'[[service]]\nname = "{name}"\nkind = "{kind}"\nurl = {toml_string(url)}\n'
        text += timing + (expect if kind == "http" else "")
        if name == "api-c":
            text += f"headers = {{ {headers} }}\n"
        if name == "api-d":
            text += f'headers = {{ Authorization = "Basic {b64(PAIR_D)}" }}\n'
        text += "\n"
    dsn = f"postgresql://app:{quote(PW_E, safe='')}@127.0.0.1:{refused_port()}/app"
    text += f'[[service]]\nname = "db-e"\nkind = "postgres"\ndsn = {toml_string(dsn)}\n'
    text += timing
    path.write_text(text)
    return path


@pytest.fixture
def echo() -> Iterator[EchoServer]:
    with EchoServer() as server:
        yield server


def test_check_json_watch_exports_and_logs_show_no_secret(
    echo: EchoServer,
    isolated_dirs: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("COLUMNS", "250")
    config = str(echo_config(echo, tmp_path / "warroom.toml"))
    with caplog.at_level(logging.DEBUG):
        table_code = main(["--config", config, "check"])
        table_out, table_err = capsys.readouterr()
        json_code = main(["--config", config, "check", "--json"])
        json_out, json_err = capsys.readouterr()
    # The target really received every credential and echoed it back.
    assert echo.received["/a"][0]["authorization"] == f"Basic {b64(f'alice:{PW_A}')}"
    assert echo.received["/b"][0]["authorization"] == f"Basic {b64(f'bob:{PW_B}')}"
    assert echo.received["/c"][0]["x-api-key"] == HEADERS["X-Api-Key"]
    assert echo.received["/d"][0]["authorization"] == f"Basic {b64(PAIR_D)}"
    assert (table_code, json_code) == (2, 2)
    records = {r["name"]: r for r in map(json.loads, json_out.splitlines())}
    assert records["api-a"]["state"] == "down" and "echo" in records["api-a"]["reason"]
    assert "GET /a?private_token=***" in records["api-a"]["detail"]["body"]
    assert records["vendor-f"]["state"] == "unknown"
    assert any(r.name == "httpx" for r in caplog.records)  # the client's own log lines
    for where, text in [
        ("check table", table_out + table_err),
        ("check --json", json_out + json_err),
        ("log records", caplog.text),
    ]:
        assert_clean(where, text)

    assert main(["declare", "Checkout fails", "--severity", "SEV-2"]) == 0
    incident = capsys.readouterr().out.strip()
    process = subprocess.Popen(
        [sys.executable, "-m", "warroom", "--config", config, "watch", incident],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    store = LocalStore(isolated_dirs)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            changes = [
                e
                for e in store.load_sync(incident).events
                if e.kind is EventKind.PROBE_STATE_CHANGED
            ]
            if len(changes) >= 6 and echo.hits("/a") >= 5:  # a few cycles after check's
                break
            assert process.poll() is None, process.communicate()
            time.sleep(0.05)
        else:
            raise AssertionError(f"watch wrote {len(changes)} changes")
    finally:
        process.send_signal(signal.SIGINT)
        watch_out, watch_err = process.communicate(timeout=30)
    assert "api-a ? -> down" in watch_out
    assert main(["export", incident, "--format", "json", "-o", "post.json"]) == 0
    assert main(["export", incident, "--format", "md", "-o", "post.md"]) == 0
    capsys.readouterr()
    exported = Path("post.json").read_text() + Path("post.md").read_text()
    assert "api-a" in exported and "echo" in exported
    journal = "".join(p.read_text() for p in isolated_dirs.rglob("*.jsonl"))
    for where, text in [
        ("watch output", watch_out + watch_err),
        ("incident file", journal),
        ("exports", exported),
    ]:
        assert_clean(where, text)


async def test_the_console_status_pane_shows_no_secret(
    echo: EchoServer, isolated_dirs: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from textual.widgets import Static

    from warroom.services.incidents import IncidentService
    from warroom.ui.app import WarroomApp
    from warroom.ui.panes.status import StatusTable
    from warroom.ui.probe_feed import feed_from_config
    from warroom.ui.screens.details import DetailScreen
    from warroom.ui.screens.main import MainScreen

    config = load_config(echo_config(echo, tmp_path / "warroom.toml"))
    service = IncidentService(LocalStore(isolated_dirs), "alice", config.ladder)
    declared = await service.declare("Checkout fails", "SEV-2")
    app = WarroomApp(
        service,
        config,
        isolated_dirs,
        incident_id=declared.incident_id,
        feed=feed_from_config(config),
    )
    seen: list[str] = []
    with caplog.at_level(logging.DEBUG):
        async with app.run_test(size=(160, 50)) as pilot:
            for _ in range(1000):
                if isinstance(app.screen, MainScreen):
                    rows = app.feed.rows()
                    if rows and all(r.state not in ("pending",) for r in rows):
                        break
                await pilot.pause(0.02)
            rows = app.feed.rows()
            assert {r.state for r in rows} <= {"down", "unknown"}, rows
            screen = app.screen
            screen.refresh_services()
            await pilot.pause()
            table = screen.query_one(StatusTable)
            table.focus()
            for row_key in list(table.rows):
                seen.append(" ".join(str(cell) for cell in table.get_row(row_key)))
            for index in range(len(rows)):
                table.move_cursor(row=index)
                await pilot.press("enter")
                await pilot.pause()
                assert isinstance(app.screen, DetailScreen)
                seen += [str(s.render()) for s in app.screen.query(Static)]
                await pilot.press("escape")
                await pilot.pause()
            seen.append(app.export_screenshot())
    text = "\n".join(seen)
    assert "GET /a?private_token=***" in text  # the echo is on screen, masked
    assert_clean("console", text)
    assert_clean("console log records", caplog.text)


# Credentials that clients would read differently -----------------------------------------

AMBIGUOUS_URLS = [
    # (a URL or DSN, pieces of its password)
    ("http://user:Pq7x/Wv3x#Rk9z?Tm4c@127.0.0.1:9/h", ["Pq7x", "Wv3x", "Rk9z", "Tm4c"]),
    ("http://user:Hunter2zz#Xy7w@127.0.0.1:9/h", ["Hunter2zz", "Xy7w"]),
    ("http://user:Pa99?Qr88@127.0.0.1:9/h", ["Pa99", "Qr88"]),
    ("http://user:Ab12/Cd34@127.0.0.1:9/h", ["Cd34"]),
    ("http://user:Zz11@Yy22/Xx33@127.0.0.1:9/h", ["Zz11", "Yy22", "Xx33"]),
]
AMBIGUOUS_DSNS = [
    ("postgresql://app:Dbpw77@Mid55@127.0.0.1:9/app", ["Dbpw77", "Mid55"]),
    ("postgresql://app:Kk44/Ll55@127.0.0.1:9/app", ["Kk44", "Ll55"]),
    ("postgresql://app:Mm66#Nn77@127.0.0.1:9/app", ["Mm66", "Nn77"]),
    ("postgresql://app:Oo88?Pp99@127.0.0.1:9/app", ["Oo88", "Pp99"]),
    ("postgresql://app:Qq10@127.0.0.1:Rr20/app", ["Qq10", "Rr20"]),  # a port that is not one
    ("host=db password='Ss30 unterminated", ["Ss30"]),
]


def one_line_error(err: str) -> str:
    assert err.count("\n") == 1 and err.startswith("warroom: error: "), err
    return err


@pytest.mark.parametrize(("url", "pieces"), AMBIGUOUS_URLS)
@pytest.mark.parametrize("kind", ["http", "statuspage"])
def test_an_unreadable_url_is_a_config_error_that_never_echoes_it(
    url: str, pieces: list[str], kind: str, capsys: pytest.CaptureFixture[str]
) -> None:
    Path("warroom.toml").write_text(
        f'[[service]]\nname = "billing-api"\nkind = "{kind}"\nurl = {toml_string(url)}\n'
    )
    for command in (["check"], ["check", "--json"]):
        assert main(command) == 3
        out, err = capsys.readouterr()
        assert out == ""
        one_line_error(err)
        assert "service[1] (billing-api): 'url' cannot be read safely" in err
        assert "percent-encode" in err
        assert not [p for p in pieces if p in err], err


@pytest.mark.parametrize(("dsn", "pieces"), AMBIGUOUS_DSNS)
def test_an_unreadable_dsn_is_a_config_error_that_never_echoes_it(
    dsn: str, pieces: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    Path("warroom.toml").write_text(
        f'[[service]]\nname = "orders-db"\nkind = "postgres"\ndsn = {toml_string(dsn)}\n'
    )
    assert main(["check"]) == 3
    err = one_line_error(capsys.readouterr().err)
    assert "service[1] (orders-db): 'dsn'" in err
    assert not [p for p in pieces if p in err], err
    if "://" not in dsn:
        return
    # The same DSN as the shared store, on the command line and in the config.
    Path("warroom.toml").write_text(f"[store]\ndsn = {toml_string(dsn)}\n")
    for argv, where in (
        (["--store", dsn, "--config", "none.toml", "incidents"], "--store"),
        (["incidents"], "warroom.toml: [store] dsn"),
        (["declare", "x", "--severity", "SEV-2"], "warroom.toml: [store] dsn"),
    ):
        if argv[-1] == "incidents" and argv[0] == "--store":
            Path("none.toml").write_text("")
        assert main(argv) == 3, argv
        err = one_line_error(capsys.readouterr().err)
        assert f"{where}: cannot be read safely" in err or f"{where}: not a valid" in err, err
        assert not [p for p in pieces if p in err], err


@pytest.mark.parametrize("dsn", ["db.example.test/app", "mysql://app@db/app", "host=db dbname=app"])
def test_a_store_dsn_that_is_not_a_postgresql_url_is_one_line(
    dsn: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--store", dsn, "incidents"]) == 3
    err = one_line_error(capsys.readouterr().err)
    assert "--store: must be a URL like postgresql://" in err and dsn not in err


# Redirects ---------------------------------------------------------------------------------


async def test_configured_headers_never_follow_a_redirect_to_another_origin(
    echo: EchoServer,
) -> None:
    with EchoServer() as other:
        echo.redirect("/away", other.url("/landing"))
        echo.redirect("/here", echo.url("/stay"))
        headers = {**HEADERS, "Accept": "application/json"}
        config = Config(
            services=[
                {"name": name, "kind": "http", "url": echo.url(path), "headers": dict(headers)}
                for name, path in (("away", "/away"), ("here", "/here"))
            ]
        )
        runner = ProbeRunner()
        try:
            away, here = [await runner.run(spec) for spec in parse_services(config)]
        finally:
            await runner.aclose()
    assert (away.state, here.state) == ("up", "up"), (away.reason, here.reason)
    sent = echo.received["/away"][0]
    landed = other.received["/landing"][0]
    stayed = echo.received["/stay"][0]
    for name, value in HEADERS.items():
        assert sent[name.lower()] == value
        assert stayed[name.lower()] == value  # the same origin keeps them
        assert name.lower() not in landed, name
    assert landed["accept"] == "application/json"  # a plain header may go on


# Probe truth --------------------------------------------------------------------------------


def test_a_status_page_that_never_answers_is_unknown(
    server: LoopbackServer, capsys: pytest.CaptureFixture[str]
) -> None:
    server.route("/api/v2/summary.json", hang=True)
    Path("warroom.toml").write_text(
        '[[service]]\nname = "vendor"\nkind = "statuspage"\n'
        f'url = "{server.url("")}"\ninterval = 10\ntimeout = 0.5\n'
    )
    assert main(["check", "--json"]) == 3
    [record] = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert record["state"] == "unknown"
    assert record["reason"].startswith("status page unreachable: no ")
    assert server.hits["/api/v2/summary.json"] == 1  # it did accept the connection


# Hostile names in a cloned warroom.toml ------------------------------------------------------

TITLE = "\\u001b]0;pwned\\u0007"  # TOML escapes: ESC ] 0 ; ... BEL sets the terminal title
CLEAR = "\\u001b[2J"  # clears the screen
CLIPBOARD = "\\u001b]52;c;cm0gLXJmIH4=\\u0007"  # OSC 52 writes the clipboard
C1_CSI = "\\u009b2J"  # the one-byte CSI
HOSTILE_CONFIGS = {
    "name-title": f'[[service]]\nname = "api{TITLE}"\nkind = "tcp"\nhost = "h"\nport = 1\n',
    "name-clear": f'[[service]]\nname = "{CLEAR}api"\nkind = "http"\n',
    "name-clipboard": f'[[service]]\nname = "x{CLIPBOARD}"\nkind = "http"\n',
    "name-c1": f'[[service]]\nname = "{C1_CSI}"\nkind = "http"\n',
    "unknown-key": f'[[service]]\nname = "api"\nkind = "http"\n"{CLEAR}{TITLE}" = 1\n',
    "unknown-key-c1": f'[[service]]\nname = "api"\nkind = "tcp"\n"{C1_CSI}x" = 1\n',
    "header-key": (
        '[[service]]\nname = "api"\nkind = "http"\nurl = "http://127.0.0.1:9/"\n'
        f'headers = {{ "{CLIPBOARD}" = "v" }}\n'
    ),
    "header-key-not-string": (
        '[[service]]\nname = "api"\nkind = "http"\nurl = "http://127.0.0.1:9/"\n'
        f'headers = {{ "{TITLE}" = 1 }}\n'
    ),
    "kind": f'[[service]]\nname = "api"\nkind = "{CLEAR}{C1_CSI}"\n',
    "duplicate": (f'[[service]]\nname = "a{TITLE}"\nkind = "tcp"\nhost = "h"\nport = 1\n' * 2),
    "ladder": f'[incident]\nladder = "{CLIPBOARD}{C1_CSI}"\n',
    "severity": f'[[severity]]\nkey = "{TITLE}"\n' * 2,
}


@pytest.mark.parametrize("case", sorted(HOSTILE_CONFIGS))
def test_hostile_names_in_the_config_never_reach_the_terminal_raw(
    case: str, capsys: pytest.CaptureFixture[str]
) -> None:
    Path("warroom.toml").write_text(HOSTILE_CONFIGS[case])
    for argv in (["check"], ["check", "--json"], ["watch", "INC-20261123-1"], []):
        code = main(argv or ["--data-dir", "data"])  # [] opens the console
        out, err = capsys.readouterr()
        assert code == 3, (case, argv, err)
        one_line_error(err)
        for raw in ("\x1b", "\x07", "\x9b"):
            assert raw not in out + err, (case, argv, err)
        assert "\\x1b" in err or "\\x9b" in err, (case, argv, err)  # shown, not obeyed


# What a person types, and what the console says ----------------------------------------------


async def test_a_secret_typed_in_a_note_is_masked_before_it_is_stored(tmp_path: Path) -> None:
    from tests.test_ui_journeys import stored, wait_main
    from tests.ui_support import make_app
    from warroom.redact import register_secret

    register_secret("Typed-S3cret-77")
    app = make_app(tmp_path)
    typed = (
        "f: tried postgresql://app:Pw-in-N0te@db/app with Typed-S3cret-77, "
        "then curl -H 'X-Api-Key: k3y-in-n0te' https://h/x?private_token=Tok-in-n0te"
    )
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_main(pilot)
        await pilot.press("n")
        app.focused.value = typed  # type: ignore[union-attr]
        await pilot.press("enter")
        await pilot.pause()
        app.notify("could not connect: Typed-S3cret-77 refused")
        await pilot.pause()
        shown = [n.message for n in app._notifications]  # what the toasts say
        screen = app.export_screenshot()
    [note] = [e for e in stored(tmp_path) if "tried" in str(e.payload.get("text", ""))]
    text = note.payload["text"]
    assert text == (
        "tried postgresql://app:***@db/app with ***, "
        "then curl -H 'X-Api-Key: ***' https://h/x?private_token=***"
    )
    for secret in ("Pw-in-N0te", "Typed-S3cret-77", "k3y-in-n0te", "Tok-in-n0te"):
        assert secret not in screen
        assert not [m for m in shown if secret in m]
    assert "could not connect: *** refused" in shown
