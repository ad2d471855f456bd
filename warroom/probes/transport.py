"""A small HTTP/1.1 transport for httpx on asyncio streams, with a pool per origin.

Why not httpx's own transport (httpcore)? Measured on one loopback server (see
docs/benchmarks.md): 2,000 GETs through a shared `httpx.AsyncClient` took 5-10x the time
of plain asyncio streams, and more the higher the concurrency, because httpcore's pool
re-examines every queued request and every connection on each change. A health check
needs little of HTTP: one request, a status, headers and a capped body. This transport
does that on `asyncio.open_connection`, and keeps httpx above it (requests, redirects,
headers, decoding, errors), so the probes' code does not change.

- Each origin (scheme, host, port) has its own pool: at most `per_origin` connections,
  idle ones reused (HTTP/1.1 keep-alive) until `keepalive_expiry`. A request first waits
  for a slot of its origin; only then does its clock start (`probe_deadline`): waiting
  in our own queue is never counted as the target's timeout.
- Bodies are framed by content-length, chunked encoding or the connection's end. A
  connection goes back to the pool only when its body was read to the end.
- Failures are raised as the httpx exceptions httpcore would raise (connect/read
  timeouts, refused, unresolvable, TLS), with the OS error as the cause.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

import httpx

HEAD_LIMIT = 64 * 1024  # status line and headers; more is refused as a bad response
READ_SIZE = 64 * 1024
NO_BODY_STATUSES = frozenset({204, 304})


class ProbeDeadline:
    """The deadline of one probe, which runs while the probe works, not while it queues.

    The runner opens an `asyncio.timeout` for the probe and publishes this object in
    `probe_deadline`; the transport calls `queued()` before it waits for a connection
    slot (the deadline stops) and `started()` once it has one (the full timeout starts
    again from that moment). Later hops of the same probe (redirects) change nothing.
    """

    def __init__(self, scope: asyncio.Timeout, timeout: float) -> None:
        self.scope = scope
        self.timeout = timeout
        self.started_at: float | None = None

    def queued(self) -> None:
        if self.started_at is None:
            self.scope.reschedule(None)

    def started(self) -> float:
        if self.started_at is None:
            self.started_at = time.perf_counter()
            self.scope.reschedule(asyncio.get_running_loop().time() + self.timeout)
        return self.started_at


probe_deadline: ContextVar[ProbeDeadline | None] = ContextVar("probe_deadline", default=None)


@dataclass(eq=False)
class _Connection:
    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    idle_since: float = 0.0
    used: bool = False

    def usable(self, now: float, expiry: float) -> bool:
        return (
            not self.reader.at_eof()
            and not self.writer.is_closing()
            and now - self.idle_since < expiry
        )

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.writer.close()


@dataclass(eq=False)
class _Origin:
    slots: asyncio.Semaphore
    idle: list[_Connection] = field(default_factory=list)


Origin = tuple[str, str, int]


class StreamTransport(httpx.AsyncBaseTransport):
    """HTTP/1.1 over asyncio streams; see the module docstring."""

    def __init__(
        self,
        per_origin: int = 32,
        keepalive_expiry: float = 30.0,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self.per_origin = max(1, per_origin)
        self.keepalive_expiry = keepalive_expiry
        self._ssl_context = ssl_context
        self._origins: dict[Origin, _Origin] = {}

    @property
    def ssl_context(self) -> ssl.SSLContext:
        if self._ssl_context is None:  # built on first use: it reads the CA bundle
            self._ssl_context = httpx.create_ssl_context()
        return self._ssl_context

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        if url.scheme not in ("http", "https"):
            raise httpx.UnsupportedProtocol(f"unsupported scheme {url.scheme!r}", request=request)
        key = (url.scheme, url.host, url.port or (443 if url.scheme == "https" else 80))
        origin = self._origins.get(key)
        if origin is None:
            origin = self._origins[key] = _Origin(asyncio.Semaphore(self.per_origin))
        deadline = probe_deadline.get()
        if deadline is not None:
            deadline.queued()
        await origin.slots.acquire()
        started = deadline.started() if deadline is not None else time.perf_counter()
        try:
            body = await request.aread()
            timeouts = request.extensions.get("timeout", {})
            connection, response = await self._exchange(request, key, origin, body, timeouts)
        except BaseException:
            origin.slots.release()
            raise
        status, reason, headers, framing, reusable = response
        stream = _Body(self, origin, connection, framing, reusable, timeouts.get("read"), request)
        return httpx.Response(
            status,
            headers=headers,
            stream=stream,
            extensions={"http_version": b"HTTP/1.1", "reason_phrase": reason, "started": started},
        )

    async def _exchange(
        self,
        request: httpx.Request,
        key: Origin,
        origin: _Origin,
        body: bytes,
        timeouts: dict[str, float | None],
    ) -> tuple[_Connection, _Head]:
        """Send the request and read the response head; a kept-alive connection the
        server closed meanwhile is replaced by a new one, once."""
        now = time.monotonic()
        while origin.idle:
            connection = origin.idle.pop()
            if connection.usable(now, self.keepalive_expiry):
                try:
                    return connection, await self._send(request, connection, body, timeouts)
                except _StaleConnection:
                    connection.close()
                    break
            connection.close()
        connection = await self._connect(request, key, timeouts.get("connect"))
        try:
            return connection, await self._send(request, connection, body, timeouts)
        except _StaleConnection:
            connection.close()
            raise httpx.RemoteProtocolError(
                "server closed the connection without a response", request=request
            ) from None
        except BaseException:
            connection.close()
            raise

    async def _connect(
        self, request: httpx.Request, key: Origin, timeout: float | None
    ) -> _Connection:
        scheme, host, port = key
        tls = self.ssl_context if scheme == "https" else None
        try:
            async with asyncio.timeout(timeout):
                reader, writer = await asyncio.open_connection(
                    host, port, ssl=tls, server_hostname=host if tls else None, limit=HEAD_LIMIT
                )
        except TimeoutError:
            raise httpx.ConnectTimeout("connect timed out", request=request) from None
        except OSError as error:  # refused, unresolvable, TLS (ssl.SSLError is an OSError)
            raise httpx.ConnectError(str(error) or type(error).__name__, request=request) from error
        return _Connection(reader, writer)

    async def _send(
        self,
        request: httpx.Request,
        connection: _Connection,
        body: bytes,
        timeouts: dict[str, float | None],
    ) -> _Head:
        reused = connection.used
        connection.used = True
        lines = [b"%s %s HTTP/1.1" % (request.method.encode(), request.url.raw_path)]
        chunked = False
        for name, value in request.headers.raw:
            if name.lower() == b"transfer-encoding" and b"chunked" in value.lower():
                chunked = True
            lines.append(name + b": " + value)
        if chunked:
            body = (b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body)) if body else b"0\r\n\r\n"
        try:
            async with asyncio.timeout(timeouts.get("write")):
                connection.writer.write(b"\r\n".join(lines) + b"\r\n\r\n" + body)
                await connection.writer.drain()
        except TimeoutError:
            raise httpx.WriteTimeout("write timed out", request=request) from None
        except OSError as error:
            if reused:
                raise _StaleConnection from error
            raise httpx.WriteError(str(error), request=request) from error
        try:
            async with asyncio.timeout(timeouts.get("read")):
                return await _read_head(connection.reader, request)
        except TimeoutError:
            raise httpx.ReadTimeout("read timed out", request=request) from None
        except (asyncio.IncompleteReadError, ConnectionError) as error:
            nothing = isinstance(error, ConnectionError) or not error.partial
            if reused and nothing:
                raise _StaleConnection from error
            raise httpx.RemoteProtocolError(
                "server closed the connection without a full response", request=request
            ) from error

    def _give_back(self, origin: _Origin, connection: _Connection | None) -> None:
        if connection is not None:
            connection.idle_since = time.monotonic()
            origin.idle.append(connection)
        origin.slots.release()

    async def aclose(self) -> None:
        for origin in self._origins.values():
            for connection in origin.idle:
                connection.close()
            origin.idle.clear()
        self._origins.clear()


class _StaleConnection(Exception):
    """A kept-alive connection that the server had closed: try a new one."""


# status, reason, headers, framing ("length", n) / ("chunked", 0) / ("close", 0), reusable
_Head = tuple[int, bytes, list[tuple[bytes, bytes]], tuple[str, int], bool]


async def _read_head(reader: asyncio.StreamReader, request: httpx.Request) -> _Head:
    while True:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except asyncio.LimitOverrunError:
            raise httpx.RemoteProtocolError(
                f"response head over {HEAD_LIMIT} bytes", request=request
            ) from None
        lines = head[:-4].split(b"\r\n")
        version, _, rest = lines[0].partition(b" ")
        code, _, reason = rest.partition(b" ")
        if not version.startswith(b"HTTP/1.") or len(code) != 3 or not code.isdigit():
            raise httpx.RemoteProtocolError(
                f"not an HTTP/1.x status line: {lines[0][:80]!r}", request=request
            )
        status = int(code)
        if 100 <= status < 200 and status != 101:
            continue  # 100 Continue and friends: the real answer follows
        break
    headers: list[tuple[bytes, bytes]] = []
    length: int | None = None
    chunked = False
    keep_alive = version == b"HTTP/1.1"
    for line in lines[1:]:
        name, colon, value = line.partition(b":")
        if not colon or not name or name != name.strip():
            raise httpx.RemoteProtocolError(f"bad header line {line[:80]!r}", request=request)
        value = value.strip()
        lowered = name.lower()
        headers.append((name, value))
        if lowered == b"content-length":
            if not value.isdigit() or (length is not None and int(value) != length):
                raise httpx.RemoteProtocolError("bad content-length", request=request)
            length = int(value)
        elif lowered == b"transfer-encoding":
            chunked = value.lower().endswith(b"chunked")
        elif lowered == b"connection":
            tokens = {token.strip() for token in value.lower().split(b",")}
            keep_alive = (keep_alive or b"keep-alive" in tokens) and b"close" not in tokens
    if request.method == "HEAD" or status in NO_BODY_STATUSES or status < 200:
        framing: tuple[str, int] = ("length", 0)
    elif chunked:
        framing = ("chunked", 0)
    elif length is not None:
        framing = ("length", length)
    else:
        framing = ("close", 0)
        keep_alive = False
    return status, reason, headers, framing, keep_alive


class _Body(httpx.AsyncByteStream):
    """The response body as it arrives; gives the connection back when read to the end."""

    def __init__(
        self,
        transport: StreamTransport,
        origin: _Origin,
        connection: _Connection,
        framing: tuple[str, int],
        reusable: bool,
        read_timeout: float | None,
        request: httpx.Request,
    ) -> None:
        self.transport = transport
        self.origin = origin
        self.connection: _Connection | None = connection
        self.framing = framing
        self.reusable = reusable
        self.read_timeout = read_timeout
        self.request = request
        self.complete = framing == ("length", 0)

    async def __aiter__(self) -> AsyncIterator[bytes]:
        if self.connection is None:
            return
        reader = self.connection.reader
        kind, length = self.framing
        try:
            if kind == "length":
                async for chunk in self._exactly(reader, length):
                    yield chunk
            elif kind == "chunked":
                while True:
                    size_line = await self._read(reader.readuntil, b"\r\n")
                    try:
                        size = int(size_line.split(b";")[0].strip(), 16)
                    except ValueError:
                        raise httpx.RemoteProtocolError(
                            "bad chunk size", request=self.request
                        ) from None
                    if size == 0:
                        while (await self._read(reader.readuntil, b"\r\n")) != b"\r\n":
                            pass  # trailers
                        break
                    async for chunk in self._exactly(reader, size):
                        yield chunk
                    await self._read(reader.readexactly, 2)
            else:
                while chunk := await self._read(reader.read, READ_SIZE):
                    yield chunk
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError) as error:
            raise httpx.RemoteProtocolError(
                "connection closed in the middle of the body", request=self.request
            ) from error
        self.complete = True

    async def _exactly(self, reader: asyncio.StreamReader, size: int) -> AsyncIterator[bytes]:
        left = size
        while left > 0:
            chunk = await self._read(reader.read, min(left, READ_SIZE))
            if not chunk:
                raise asyncio.IncompleteReadError(b"", left)
            left -= len(chunk)
            yield chunk

    async def _read(self, read: Callable[[Any], Awaitable[bytes]], argument: object) -> bytes:
        try:
            async with asyncio.timeout(self.read_timeout):
                return await read(argument)
        except TimeoutError:
            raise httpx.ReadTimeout("read timed out", request=self.request) from None

    async def aclose(self) -> None:
        connection, self.connection = self.connection, None
        if connection is None:
            return
        keep = self.complete and self.reusable
        if not keep:
            connection.close()
        self.transport._give_back(self.origin, connection if keep else None)
