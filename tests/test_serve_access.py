"""`warroom serve` is safe by default: loopback without a token, anything else with one.

A real `warroom serve` process on 127.0.0.2 (loopback, but not one of the names served
without a token) is asked for its page, its script and its websocket with no token, a
wrong one, the right one in each accepted place, and from another site's page.
"""

from __future__ import annotations

import asyncio
import stat
import time
from pathlib import Path

import aiohttp
import httpx
import pytest

from tests.support.serve import serving
from warroom.cli import main
from warroom.serve.server import token_cookie
from warroom.serve.token import TokenError, load_or_create_token, needs_token

WS_HEADERS = {
    "Connection": "Upgrade",
    "Upgrade": "websocket",
    "Sec-WebSocket-Version": "13",
    "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
}


@pytest.mark.parametrize("host", ["127.0.0.1", "::1", "[::1]", "localhost", "LocalHost"])
def test_loopback_names_need_no_token(host: str) -> None:
    assert not needs_token(host)


@pytest.mark.parametrize(
    "host", ["127.0.0.2", "127.1", "0.0.0.0", "::", "10.0.0.5", "example.com", "localhost.evil"]
)
def test_every_other_address_needs_a_token(host: str) -> None:
    assert needs_token(host)


@pytest.mark.parametrize("host", ["127.0.0.2", "0.0.0.0", "::"])
def test_serve_refuses_other_addresses_without_token_file(
    host: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["serve", "--host", host]) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1
    assert "needs --token-file" in error and host in error


def test_serve_refuses_a_bad_port(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "--port", "70000"]) == 2
    assert "1 to 65535" in capsys.readouterr().err


def test_token_file_is_created_private_and_read_back(tmp_path: Path) -> None:
    path = tmp_path / "serve.token"
    first = load_or_create_token(path)
    assert first.created is True and first.path == path and len(first.value) >= 40
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    again = load_or_create_token(path)
    assert again.created is False and again.path == path and again.value == first.value
    assert load_or_create_token(tmp_path / "other.token").value != first.value


def test_token_length_boundary(tmp_path: Path) -> None:
    assert load_or_create_token(_write(tmp_path / "a", b"x" * 16 + b"\n")).value == "x" * 16
    with pytest.raises(TokenError, match="at least 16"):
        load_or_create_token(_write(tmp_path / "b", b"x" * 15))


def _write(path: Path, content: bytes, mode: int = 0o600) -> Path:
    path.write_bytes(content)
    path.chmod(mode)
    return path


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (lambda d: _write(d / "t", b"a-good-long-token-value", 0o644), "readable by others"),
        (lambda d: _write(d / "t", b"a-good-long-token-value", 0o640), "readable by others"),
        (lambda d: _write(d / "t", b""), "at least 16"),
        (lambda d: _write(d / "t", b"short\n"), "at least 16"),
        (lambda d: _write(d / "t", b"two words of a token here"), "one word"),
        (lambda d: _write(d / "t", b"\xff\xfe\x00binary-token-garbage"), "not text"),
        (lambda d: (d / "dir").mkdir() or d / "dir", "not a regular file"),
        (lambda d: d / "missing-folder" / "t", "cannot create"),
    ],
)
def test_bad_token_files_are_refused(tmp_path: Path, make, expected: str) -> None:  # type: ignore[no-untyped-def]
    path = make(tmp_path)
    before = path.read_bytes() if path.is_file() else None
    with pytest.raises(TokenError, match=expected):
        load_or_create_token(path)
    if before is not None:
        assert path.read_bytes() == before  # never overwritten


def test_bad_token_file_is_one_line_from_the_cli(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(tmp_path / "t", b"short")
    assert main(["serve", "--host", "0.0.0.0", "--token-file", str(path)]) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and "at least 16" in error


def test_without_the_token_every_request_is_refused(tmp_path: Path) -> None:
    token_file = tmp_path / "serve.token"
    with serving("--token-file", str(token_file), host="127.0.0.2") as served:
        token = token_file.read_text().strip()
        cookie_name = token_cookie(int(served.url.rstrip("/").rsplit(":", 1)[1]))
        # Printed once, with the URL that carries it.
        assert sum(token in line for line in served.output) == 2
        with httpx.Client(base_url=served.url, timeout=10) as client:
            for path in ("/", "/static/js/textual.js", "/ws", "/download/x", "/nothing"):
                assert client.get(path).status_code == 403, path
                assert client.get(path, params={"token": token + "x"}).status_code == 403
                assert (
                    client.get(path, headers={"Cookie": f"{cookie_name}=wrong"}).status_code == 403
                )
                bearer = {"Authorization": f"Bearer {token[:-1]}"}
                assert client.get(path, headers=bearer).status_code == 403
            assert client.get("/ws", headers=WS_HEADERS).status_code == 403

            # The token in the URL is traded for a cookie and leaves the address bar.
            traded = client.get("/", params={"token": token, "fontsize": "14"})
            assert traded.status_code == 302
            assert token not in traded.headers["location"]
            assert "fontsize=14" in traded.headers["location"]
            cookie = traded.headers["set-cookie"]
            assert cookie.startswith(f"{cookie_name}=")
            assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
            page = client.get("/", headers={"Cookie": f"{cookie_name}={token}"})
            assert page.status_code == 200 and "warroom" in page.text
            assert "-m warroom" not in page.text and "python" not in page.text.lower()
            bearer = {"Authorization": f"Bearer {token}"}
            assert client.get("/static/js/textual.js", headers=bearer).status_code == 200

            # Another site's page cannot open the console's websocket, even with the cookie.
            hostile = {**WS_HEADERS, "Origin": "http://evil.example"}
            hostile["Cookie"] = f"{cookie_name}={token}"
            refused = client.get("/ws", headers=hostile)
            assert refused.status_code == 403
        # A second start reads the same token and does not print it again.
    with serving("--token-file", str(token_file), host="127.0.0.2") as again:
        assert not any(token in line for line in again.output)
        assert any(str(token_file) in line for line in again.output)


def test_loopback_serves_without_token_but_not_to_other_sites() -> None:
    with serving() as served, httpx.Client(base_url=served.url, timeout=10) as client:
        assert client.get("/").status_code == 200
        hostile = {**WS_HEADERS, "Origin": "http://evil.example"}
        assert client.get("/ws", headers=hostile).status_code == 403


async def test_store_dsn_reaches_sessions_by_environment_only(tmp_path: Path) -> None:
    """The DSN's password is never in a session's command line (any user's `ps` shows
    those) nor in the page; the session gets the DSN through its environment."""
    dsn = "postgresql://ic:s3cret-pw@127.0.0.1:1/warroom"
    with serving("--store", dsn) as served:
        async with aiohttp.ClientSession() as http:
            page = await (await http.get(served.url)).text()
            assert "s3cret" not in page and "-m warroom" not in page
            async with http.ws_connect(served.url + "ws?width=80&height=24"):
                sessions: list[int] = []
                deadline = time.monotonic() + 20
                while not sessions and time.monotonic() < deadline:
                    sessions = served.session_processes()
                    await asyncio.sleep(0.05)
                assert sessions, "no console process started for the websocket"
                pid = sessions[0]
                argv = Path(f"/proc/{pid}/cmdline").read_bytes()
                environ = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
        assert b"s3cret" not in argv and b"--store" not in argv
        assert b"WARROOM_STORE=" + dsn.encode() in environ
        assert not any("s3cret" in line for line in served.output)


@pytest.mark.parametrize("dsn", ["mysql://ic@db/warroom", "postgresql://ic:p@ss@db:5432/x"])
def test_serve_refuses_an_unusable_store_dsn_in_one_line(
    dsn: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["serve", "--store", dsn]) == 3
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and "--store" in error and "p@ss" not in error
