"""The `http` probe, and the capped HTTP fetch the Statuspage probe shares.

A fetch follows redirects itself (so a loop is named as one), reads at most
`max_body_bytes` of the body (a 1 GB body is never read), and turns transport errors into
a state: refused, reset or timed out is `down`; a host that does not resolve is `unknown`
(our probe cannot tell). Names under `.invalid` never resolve (RFC 6761), so they are
refused at once without asking a resolver.

A redirect to another origin (scheme, host and port; http to https on the same host
aside) drops every header the config set but plain ones such as `Accept`, not only
`Authorization`: an `X-Api-Key` or `Ocp-Apim-Subscription-Key` is never sent to a host
it was not configured for. Cookies and proxy credentials are dropped too.
"""

from __future__ import annotations

import json
import socket
import ssl
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from warroom.probes.config import HttpSpec
from warroom.probes.result import ProbeResult, ProbeState, format_ms
from warroom.redact import is_secret_header, redact_text, redact_url

SNIPPET_CHARS = 200
CREDENTIAL_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie"})


class FetchFailed(Exception):
    """A fetch that got no usable response; carries the state it means."""

    def __init__(self, state: ProbeState, reason: str, **detail: Any) -> None:
        super().__init__(reason)
        self.state = state
        self.reason = reason
        self.detail = detail


@dataclass
class Fetched:
    status: int
    body: bytes
    truncated: bool
    url: str
    content_type: str
    elapsed_ms: float
    redirects: list[str] = field(default_factory=list)

    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    def snippet(self) -> str:
        """The start of the body, secrets masked before it is cut (a cut secret would no
        longer match the registry)."""
        text = redact_text(self.text())
        cut = text[:SNIPPET_CHARS]
        return cut + ("…" if self.truncated or len(text) > SNIPPET_CHARS else "")


async def fetch(
    client: httpx.AsyncClient,
    url: str,
    *,
    method: str = "GET",
    headers: Mapping[str, str] | None = None,
    timeout: float,
    max_redirects: int,
    max_body_bytes: int,
) -> Fetched:
    """One request (plus its redirects) with a capped body read; FetchFailed otherwise."""
    started = time.perf_counter()
    request = client.build_request(method, url, headers=headers, timeout=httpx.Timeout(timeout))
    _refuse_invalid_names(request.url)
    origin = request.url
    private = {name.lower() for name in headers or () if is_secret_header(name)}
    private |= CREDENTIAL_HEADERS
    seen = [str(request.url)]
    redirects: list[str] = []
    while True:
        try:
            response = await client.send(request, stream=True, follow_redirects=False)
        except httpx.HTTPError as error:
            raise _transport_failure(error, timeout) from None
        if not redirects:  # latency from the moment the first connection was ours
            started = response.extensions.get("started", started)
        try:
            next_request = response.next_request if response.has_redirect_location else None
            if next_request is not None:
                target = str(next_request.url)
                redirects.append(f"{response.status_code} -> {redact_url(target)}")
                if target in seen:
                    raise FetchFailed(
                        ProbeState.DOWN,
                        f"redirect loop after {len(redirects)} redirects "
                        f"(back to {redact_url(target)})",
                        redirects=redirects,
                    )
                if len(redirects) > max_redirects:
                    raise FetchFailed(
                        ProbeState.DOWN,
                        f"more than {max_redirects} redirects",
                        redirects=redirects,
                    )
                _refuse_invalid_names(next_request.url)
                if not same_origin(origin, next_request.url):
                    for name in private:
                        next_request.headers.pop(name, None)
                seen.append(target)
                request = next_request
                continue
            body, truncated = await _read_capped(response, max_body_bytes, timeout)
            return Fetched(
                status=response.status_code,
                body=body,
                truncated=truncated,
                url=redact_url(str(response.url)),
                content_type=response.headers.get("content-type", ""),
                elapsed_ms=(time.perf_counter() - started) * 1000,
                redirects=redirects,
            )
        finally:
            await response.aclose()


async def _read_capped(response: httpx.Response, limit: int, timeout: float) -> tuple[bytes, bool]:
    chunks: list[bytes] = []
    size = 0
    try:
        async for chunk in response.aiter_bytes():
            chunks.append(chunk)
            size += len(chunk)
            if size > limit:
                return b"".join(chunks)[:limit], True
    except httpx.HTTPError as error:
        raise _transport_failure(error, timeout, while_reading=True) from None
    return b"".join(chunks), False


def same_origin(first: httpx.URL, then: httpx.URL) -> bool:
    """Whether credentials for `first` may go to `then`: the same scheme, host and port,
    or the upgrade of the same host from http (port 80) to https (port 443)."""
    if first.host.lower() != then.host.lower():
        return False
    if (first.scheme, first.port) == (then.scheme, then.port):
        return True
    return (
        first.scheme == "http"
        and then.scheme == "https"
        and first.port in (80, None)
        and then.port in (443, None)
    )


def _refuse_invalid_names(url: httpx.URL) -> None:
    host = (url.host or "").rstrip(".").lower()
    if host == "invalid" or host.endswith(".invalid"):
        raise FetchFailed(ProbeState.UNKNOWN, f"cannot resolve host {host} (.invalid never does)")


def _transport_failure(
    error: httpx.HTTPError, timeout: float, while_reading: bool = False
) -> FetchFailed:
    """What a transport error says about the service."""
    if isinstance(error, httpx.ConnectTimeout):
        return FetchFailed(ProbeState.DOWN, f"no connection within {timeout:g} s")
    if isinstance(error, httpx.TimeoutException):
        what = "body" if while_reading else "response"
        return FetchFailed(ProbeState.DOWN, f"no {what} within {timeout:g} s")
    causes = _causes(error)
    if any(isinstance(cause, socket.gaierror) for cause in causes):
        host = _host_of(error)
        return FetchFailed(ProbeState.UNKNOWN, f"cannot resolve host {host}".rstrip())
    if any(isinstance(cause, ConnectionRefusedError) for cause in causes) or (
        "refused" in str(error).lower()
    ):
        return FetchFailed(ProbeState.DOWN, "connection refused")
    if any(isinstance(cause, ssl.SSLError) for cause in causes):
        return FetchFailed(ProbeState.DOWN, f"TLS error: {error}")
    if isinstance(error, httpx.RemoteProtocolError):
        return FetchFailed(ProbeState.DOWN, f"bad HTTP response: {error or 'connection closed'}")
    if isinstance(error, httpx.ConnectError):
        return FetchFailed(ProbeState.DOWN, f"cannot connect: {error}")
    if isinstance(error, httpx.UnsupportedProtocol | httpx.InvalidURL):
        return FetchFailed(ProbeState.UNKNOWN, f"cannot probe this URL: {error}")
    return FetchFailed(ProbeState.DOWN, f"{type(error).__name__}: {error}")


def _causes(error: BaseException) -> list[BaseException]:
    found: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and len(found) < 10:
        found.append(current)
        current = current.__cause__ or current.__context__
    return found


def _host_of(error: httpx.HTTPError) -> str:
    try:
        return error.request.url.host
    except RuntimeError:
        return ""


async def probe_http(spec: HttpSpec, client: httpx.AsyncClient) -> ProbeResult:
    """Request the URL and judge status, JSON and latency."""
    try:
        got = await fetch(
            client,
            spec.url,
            method=spec.method,
            headers=spec.headers,
            timeout=spec.timeout,
            max_redirects=spec.max_redirects,
            max_body_bytes=spec.max_body_bytes,
        )
    except FetchFailed as failure:
        return ProbeResult(
            failure.state, failure.reason, detail={"url": spec.target, **failure.detail}
        )
    detail: dict[str, Any] = {
        "url": got.url,
        "status": got.status,
        "bytes_read": len(got.body),
        "body": got.snippet(),
    }
    if got.truncated:
        detail["truncated_at"] = spec.max_body_bytes
    if got.redirects:
        detail["redirects"] = got.redirects
    latency = got.elapsed_ms
    wanted = " or ".join(spec.expect_status)
    if not spec.status_expected(got.status):
        return ProbeResult(
            ProbeState.DOWN, f"status {got.status}, expected {wanted}", latency, detail
        )
    if spec.expect_json is not None:
        problem = _json_problem(got, spec.expect_json, spec.max_body_bytes)
        if problem:
            return ProbeResult(ProbeState.DOWN, problem, latency, detail)
    if spec.degraded_ms is not None and latency >= spec.degraded_ms:
        return ProbeResult(
            ProbeState.DEGRADED,
            f"latency {format_ms(latency)} >= {format_ms(spec.degraded_ms)}",
            latency,
            detail,
        )
    return ProbeResult(
        ProbeState.UP, f"status {got.status} in {format_ms(latency)}", latency, detail
    )


def _json_problem(got: Fetched, expected: Mapping[str, Any], limit: int) -> str | None:
    if got.truncated:
        return f"body over {limit} bytes, JSON not checked"
    try:
        document = json.loads(got.body)
    except (ValueError, UnicodeDecodeError) as error:
        return f"body is not JSON ({error.__class__.__name__}: {redact_text(str(error))[:80]})"
    return json_mismatch(document, expected)


def json_mismatch(document: Any, expected: Any, path: str = "") -> str | None:
    """Where `document` differs from the `expected` subset, or None when it contains it."""
    if isinstance(expected, Mapping):
        if not isinstance(document, Mapping):
            return f"json {path or 'body'} is {_kind(document)}, expected an object"
        for key, want in expected.items():
            where = f"{path}.{key}" if path else str(key)
            if key not in document:
                return f"json {where} missing, expected {_show(want)}"
            problem = json_mismatch(document[key], want, where)
            if problem:
                return problem
        return None
    if document != expected or isinstance(document, bool) != isinstance(expected, bool):
        return f"json {path or 'body'} = {_show(document)}, expected {_show(expected)}"
    return None


def _kind(value: Any) -> str:
    kinds: dict[type, str] = {dict: "an object", list: "a list", str: "a string"}
    return kinds.get(type(value), type(value).__name__)


def _show(value: Any) -> str:
    return redact_text(json.dumps(value, ensure_ascii=False))[:80]
