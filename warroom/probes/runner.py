"""Running one probe of any kind: dispatch, the overall timeout, and nothing escapes.

`ProbeRunner` owns the one `httpx.AsyncClient` an engine shares between all its HTTP and
Statuspage probes. Its transport is `warroom.probes.transport.StreamTransport` (a pool
per origin, HTTP/1.1 keep-alive); behind a proxy set in the environment (`HTTP_PROXY`,
`HTTPS_PROXY`, `ALL_PROXY`) it is httpx's own, which knows proxies. `run()` always
returns a `ProbeResult`: a probe that overruns its timeout is down ("no answer within
5 s"), except a vendor's status page, whose silence tells nothing about the vendor
(unknown, as when it refuses the connection); a probe that fails in a way nobody
foresaw is unknown, with the error (secrets masked) as the reason. The timeout counts
the probe's own work only: the time an HTTP probe waits for a connection slot of ours
is not counted (see `ProbeDeadline`).
"""

from __future__ import annotations

import asyncio
import logging
import urllib.request
from collections.abc import Callable
from datetime import UTC, datetime

import httpx

from warroom import __version__
from warroom.probes.config import HttpSpec, PostgresSpec, ServiceSpec, StatuspageSpec, TcpSpec
from warroom.probes.http import probe_http
from warroom.probes.postgres import probe_postgres
from warroom.probes.result import ProbeResult, ProbeState, clean_remote_text
from warroom.probes.statuspage import probe_statuspage
from warroom.probes.tcp import probe_tcp
from warroom.probes.transport import ProbeDeadline, StreamTransport, probe_deadline

log = logging.getLogger(__name__)

USER_AGENT = f"warroom-probe/{__version__}"


# Connections per origin: 2,000 probes of one loopback origin were fastest at 16-64
# (docs/benchmarks.md); more only queues in the target's accept backlog.
PER_ORIGIN = 32


def make_client(concurrency: int) -> httpx.AsyncClient:
    """The shared HTTP client: at most `PER_ORIGIN` connections to one origin (and as
    many as the engine's concurrency cap behind a proxy)."""
    # identity: a capped read of the body is never a decompression bomb.
    headers = {"user-agent": USER_AGENT, "accept-encoding": "identity"}
    if proxied():
        return httpx.AsyncClient(
            limits=httpx.Limits(
                max_connections=concurrency,
                max_keepalive_connections=concurrency,
                keepalive_expiry=30.0,
            ),
            headers=headers,
            follow_redirects=False,
        )
    return httpx.AsyncClient(
        transport=StreamTransport(per_origin=min(PER_ORIGIN, concurrency)),
        headers=headers,
        follow_redirects=False,
    )


def proxied() -> bool:
    """Whether the environment names an HTTP proxy (httpx's transport then goes through it)."""
    proxies = urllib.request.getproxies()
    return any(proxies.get(scheme) for scheme in ("http", "https", "all"))


class ProbeRunner:
    """Runs probes; owns (or borrows) the shared HTTP client."""

    def __init__(
        self,
        concurrency: int = 20,
        client: httpx.AsyncClient | None = None,
        wall: Callable[[], datetime] | None = None,
    ) -> None:
        self._owns_client = client is None
        self.client = client or make_client(concurrency)
        self.wall = wall or (lambda: datetime.now(UTC))

    async def run(self, spec: ServiceSpec) -> ProbeResult:
        try:
            async with asyncio.timeout(spec.timeout) as scope:
                token = probe_deadline.set(ProbeDeadline(scope, spec.timeout))
                try:
                    result = await self._dispatch(spec)
                finally:
                    probe_deadline.reset(token)
        except TimeoutError:
            result = timed_out(spec)
        except Exception as error:  # a probe never takes the engine down
            reason = clean_remote_text(f"probe failed: {type(error).__name__}: {error}")
            log.warning("probe %s failed: %s", spec.name, reason)
            result = ProbeResult(ProbeState.UNKNOWN, reason, detail={"target": spec.target})
        return result.stamped(self.wall())

    async def _dispatch(self, spec: ServiceSpec) -> ProbeResult:
        if isinstance(spec, HttpSpec):
            return await probe_http(spec, self.client)
        if isinstance(spec, StatuspageSpec):
            return await probe_statuspage(spec, self.client)
        if isinstance(spec, PostgresSpec):
            return await probe_postgres(spec)
        if isinstance(spec, TcpSpec):
            return await probe_tcp(spec)
        raise TypeError(f"no probe for kind {spec.kind!r}")

    async def aclose(self) -> None:
        if self._owns_client:
            await self.client.aclose()


def timed_out(spec: ServiceSpec) -> ProbeResult:
    """What a probe that did not finish in time says: down, or unknown for a status page
    (the vendor's page not answering is not the vendor being down)."""
    if isinstance(spec, StatuspageSpec):
        return ProbeResult(
            ProbeState.UNKNOWN,
            f"status page unreachable: no answer within {spec.timeout:g} s",
            detail={"url": spec.target},
        )
    return ProbeResult(
        ProbeState.DOWN, f"no answer within {spec.timeout:g} s", detail={"target": spec.target}
    )
