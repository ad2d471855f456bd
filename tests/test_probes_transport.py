"""The probes' HTTP/1.1 transport against raw loopback servers that say exactly what a
test scripts: keep-alive reuse, body framings, servers that break the protocol, the
per-origin limit, and a probe's clock that does not run while it queues for a slot."""

from __future__ import annotations

import asyncio
import shutil
import ssl
import subprocess
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest

from warroom.probes.config import HttpSpec, parse_service
from warroom.probes.result import ProbeState
from warroom.probes.runner import ProbeRunner
from warroom.probes.transport import StreamTransport

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]
OK = b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok"


@asynccontextmanager
async def raw_server(handler: Handler) -> AsyncIterator[tuple[str, list[int]]]:
    """A loopback server running `handler` per connection: its URL and a list that
    counts connections (one item per connection, the number of requests it read)."""
    connections: list[int] = []

    async def counted(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connections.append(0)
        try:
            await handler(reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(counted, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}/health", connections
    finally:
        server.close()


def answering(*responses: bytes, close: bool = False) -> Handler:
    """Reads requests and answers them with `responses` in turn (the last repeats)."""

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        count = 0
        while await reader.readuntil(b"\r\n\r\n"):
            writer.write(responses[min(count, len(responses) - 1)])
            await writer.drain()
            count += 1
            if close:
                return

    return handler


def spec(url: str, **fields: Any) -> HttpSpec:
    raw = {"name": "api", "kind": "http", "url": url, "timeout": 1.0, **fields}
    parsed = parse_service(raw, "test.toml", 1)
    assert isinstance(parsed, HttpSpec)
    return parsed


async def run_all(runner: ProbeRunner, *specs: HttpSpec) -> list[Any]:
    return await asyncio.gather(*(runner.run(one) for one in specs))


async def test_one_connection_serves_many_probes_in_turn(runner: ProbeRunner) -> None:
    async with raw_server(answering(OK)) as (url, connections):
        for _ in range(5):
            result = await runner.run(spec(url))
            assert result.state is ProbeState.UP, result.reason
    assert len(connections) == 1


@pytest.mark.parametrize(
    "response",
    [
        b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n"
        b'5;x=y\r\n{"sta\r\na\r\ntus":"ok"}\r\n0\r\nx-trailer: 1\r\n\r\n',
        b'HTTP/1.1 200 OK\r\nconnection: close\r\n\r\n{"status":"ok"}',
        b'HTTP/1.0 200 OK\r\ncontent-length: 15\r\n\r\n{"status":"ok"}',
        b"HTTP/1.1 100 Continue\r\n\r\n"
        b'HTTP/1.1 200 OK\r\ncontent-length: 15\r\n\r\n{"status":"ok"}',
    ],
    ids=["chunked", "until-close", "http-1.0", "100-continue"],
)
async def test_every_body_framing_is_read(runner: ProbeRunner, response: bytes) -> None:
    closes = b"content-length" not in response and b"chunked" not in response
    async with raw_server(answering(response, close=closes)) as (url, _):
        result = await runner.run(spec(url, expect_json={"status": "ok"}))
    assert result.state is ProbeState.UP, result.reason


async def test_a_kept_alive_connection_the_server_closed_is_replaced(
    runner: ProbeRunner,
) -> None:
    # The server answers once per connection, then closes it without saying so.
    async with raw_server(answering(OK, close=True)) as (url, connections):
        first = await runner.run(spec(url))
        await asyncio.sleep(0)  # (the close may or may not have arrived: both must work)
        second = await runner.run(spec(url))
        third = await runner.run(spec(url))
    assert [r.state for r in (first, second, third)] == [ProbeState.UP] * 3
    assert len(connections) == 3


BROKEN = [
    b"HTTP/1.1\r\ncontent-length: 2\r\n\r\nok",  # no status code
    b"ICY 200 OK\r\ncontent-length: 2\r\n\r\nok",  # not HTTP
    b"HTTP/1.1 2x0 OK\r\ncontent-length: 2\r\n\r\nok",  # status not a number
    b"HTTP/1.1 200 OK\r\nno colon here\r\ncontent-length: 2\r\n\r\nok",
    b"HTTP/1.1 200 OK\r\ncontent-length: -5\r\n\r\nok",
    b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\ncontent-length: 3\r\n\r\nok",
    b"HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nshort",  # body cut off
    b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nx-big: " + b"a" * 70_000 + b"\r\n\r\n",  # head over 64 KiB
    b"HTTP/1.1 200 OK",  # closed in the middle of the head
    b"",  # closed without a byte
]


@pytest.mark.parametrize("response", BROKEN, ids=range(len(BROKEN)))
async def test_a_server_breaking_the_protocol_is_down_with_a_reason(
    runner: ProbeRunner, response: bytes
) -> None:
    async with raw_server(answering(response, close=True)) as (url, _):
        result = await runner.run(spec(url))
    assert result.state is ProbeState.DOWN
    assert result.reason.startswith("bad HTTP response"), result.reason


async def test_connections_to_one_origin_are_capped() -> None:
    runner = ProbeRunner(concurrency=3)  # three connections per origin at most
    try:
        async with raw_server(answering(OK)) as (url, connections):
            results = await run_all(runner, *(spec(f"{url}?n={n}") for n in range(12)))
    finally:
        await runner.aclose()
    assert all(r.state is ProbeState.UP for r in results), [r.reason for r in results]
    assert len(connections) == 3  # twelve probes at once, over three connections


async def test_waiting_for_a_slot_is_not_counted_as_the_targets_time() -> None:
    """One connection per origin: the second probe waits a whole timeout for the first
    (hung) one, then its target answers at once. It is up, with a small latency."""
    hung = asyncio.Event()

    async def first_hangs(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while request := await reader.readuntil(b"\r\n\r\n"):
            if b"/hang" in request:
                hung.set()
                await reader.read()  # until the client gives up
                return
            writer.write(OK)
            await writer.drain()

    runner = ProbeRunner(concurrency=1)
    try:
        async with raw_server(first_hangs) as (url, _):
            base = url.removesuffix("/health")
            stuck = asyncio.create_task(runner.run(spec(f"{base}/hang", timeout=0.4)))
            await asyncio.wait_for(hung.wait(), 5)
            queued = await runner.run(spec(url, timeout=0.3))
            assert (await stuck).state is ProbeState.DOWN
    finally:
        await runner.aclose()
    assert queued.state is ProbeState.UP, queued.reason
    assert queued.latency_ms is not None and queued.latency_ms < 300


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    """A self-signed certificate for 127.0.0.1 (made with the openssl command)."""
    if shutil.which("openssl") is None:
        pytest.skip("the openssl command is not installed")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = str(folder / "cert.pem"), str(folder / "key.pem")
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"),
            *("-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"),
            *("-keyout", key, "-out", cert),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


async def test_https_is_verified_against_the_trusted_authorities(
    runner: ProbeRunner, certificate: tuple[str, str]
) -> None:
    cert, key = certificate
    serving = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    serving.load_cert_chain(cert, key)
    server = await asyncio.start_server(answering(OK), "127.0.0.1", 0, ssl=serving)
    url = f"https://127.0.0.1:{server.sockets[0].getsockname()[1]}/health"
    try:
        untrusted = await runner.run(spec(url))
        trusting = ssl.create_default_context(cafile=cert)
        async with httpx.AsyncClient(transport=StreamTransport(ssl_context=trusting)) as client:
            trusted = await client.get(url, timeout=2)
    finally:
        server.close()
    assert untrusted.state is ProbeState.DOWN
    assert untrusted.reason.startswith("TLS error"), untrusted.reason
    assert "CERTIFICATE_VERIFY_FAILED" in untrusted.reason
    assert trusted.status_code == 200 and trusted.text == "ok"
