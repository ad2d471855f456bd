"""The `tcp` probe: can we open a connection to host:port within the timeout?

Refused or unanswered means down; a host name that does not resolve is unknown (our
probe could not tell). The connection is closed at once, nothing is sent.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import socket
import time

from warroom.probes.config import TcpSpec
from warroom.probes.result import ProbeResult, ProbeState, format_ms


async def probe_tcp(spec: TcpSpec) -> ProbeResult:
    detail = {"host": spec.host, "port": spec.port}
    host = spec.host.rstrip(".").lower()
    if host == "invalid" or host.endswith(".invalid"):
        return ProbeResult(
            ProbeState.UNKNOWN,
            f"cannot resolve host {spec.host} (.invalid never does)",
            detail=detail,
        )
    started = time.perf_counter()
    try:
        async with asyncio.timeout(spec.timeout):
            _, writer = await asyncio.open_connection(spec.host, spec.port)
    except TimeoutError:
        return ProbeResult(
            ProbeState.DOWN, f"no connection within {spec.timeout:g} s", detail=detail
        )
    except socket.gaierror as error:
        return ProbeResult(
            ProbeState.UNKNOWN, f"cannot resolve host {spec.host}: {error.strerror}", detail=detail
        )
    except OSError as error:
        if is_refused(error):
            return ProbeResult(ProbeState.DOWN, "connection refused", detail=detail)
        return ProbeResult(
            ProbeState.DOWN, f"cannot connect: {error.strerror or error}", detail=detail
        )
    latency = (time.perf_counter() - started) * 1000
    writer.close()
    with contextlib.suppress(OSError):
        await writer.wait_closed()
    if spec.degraded_ms is not None and latency >= spec.degraded_ms:
        return ProbeResult(
            ProbeState.DEGRADED,
            f"connect took {format_ms(latency)} >= {format_ms(spec.degraded_ms)}",
            latency,
            detail,
        )
    return ProbeResult(ProbeState.UP, f"connected in {format_ms(latency)}", latency, detail)


def is_refused(error: BaseException) -> bool:
    """A refused connection, also when several addresses (IPv4 and IPv6) all refused."""
    if isinstance(error, ConnectionRefusedError):
        return True
    text = str(error)
    return f"[Errno {errno.ECONNREFUSED}]" in text or "refused" in text.lower()
