"""Figure 2: one probe cycle at scale, against the socket floor and a bare httpx gather.

Three layouts, each served by `bench.targets` (its own process, one port per target):

- `scale_services` services on one origin (one loopback server, one URL per service);
- `scale_services` services over `scale_origins` origins (that many servers, on
  different ports, the services spread evenly over them);
- `cycle_targets` services, one origin each, `cycle_hung` of them never answering.

In every round, in rotating order, the same URLs are fetched three ways:

- the floor: plain asyncio streams, a new connection per request, at most
  `FLOOR_CONCURRENCY` at once, reading the head and the content-length body;
- a bare gather: one shared `httpx.AsyncClient` (httpx's own pool, limits equal to the
  cap), at most `FLOOR_CONCURRENCY` requests at once;
- warroom: `ProbeEngine.run_once()` over http specs, built exactly as `warroom check`
  builds it (`engine_concurrency`, the runner's client).

One unmeasured engine round comes first (the engine then knows which targets were slow
last time and starts them first). A false down is an answering target that one of them
did not see answer (in time, with 200). Each figure is the median wall time of the
rounds; the engine's ratio is against the floor of the same run.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from bench.plan import Plan
from bench.stats import Figure, ratio_at_most, value_at_most
from bench.targets import is_hung, serving
from warroom.probes.config import parse_service
from warroom.probes.result import ProbeState
from warroom.probes.scheduler import ProbeEngine, engine_concurrency

FLOOR_CONCURRENCY = 100  # what the issue measured the floor and bare httpx at


@dataclass
class Side:
    """One way of fetching: wall times of its rounds, and its worst count of misses."""

    walls: list[float] = field(default_factory=list)
    cpus: list[float] = field(default_factory=list)
    false_downs: int = 0

    @property
    def wall_ms(self) -> float:
        return statistics.median(self.walls) * 1000

    @property
    def cpu_ms(self) -> float:
        return statistics.median(self.cpus) * 1000


def _split(url: str) -> tuple[str, int, str]:
    parsed = httpx.URL(url)
    return parsed.host, parsed.port or 80, parsed.raw_path.decode()


async def floor_cycle(urls: list[str], timeout: float) -> list[bool]:
    """Plain asyncio streams: which URLs answered 200 within the timeout."""
    semaphore = asyncio.Semaphore(FLOOR_CONCURRENCY)

    async def one(url: str) -> bool:
        host, port, path = _split(url)
        async with semaphore:
            try:
                async with asyncio.timeout(timeout):
                    reader, writer = await asyncio.open_connection(host, port)
                    try:
                        writer.write(f"GET {path} HTTP/1.1\r\nhost: {host}\r\n\r\n".encode())
                        head = await reader.readuntil(b"\r\n\r\n")
                        length = 0
                        for line in head.split(b"\r\n"):
                            if line.lower().startswith(b"content-length:"):
                                length = int(line.split(b":")[1])
                        await reader.readexactly(length)
                    finally:
                        writer.close()
                return head.startswith(b"HTTP/1.1 200")
            except (OSError, TimeoutError, asyncio.IncompleteReadError):
                return False

    return await asyncio.gather(*(one(url) for url in urls))


async def bare_cycle(client: httpx.AsyncClient, urls: list[str], timeout: float) -> list[bool]:
    """A shared httpx client under a semaphore: which URLs answered 200 in time."""
    semaphore = asyncio.Semaphore(FLOOR_CONCURRENCY)

    async def one(url: str) -> bool:
        async with semaphore:
            try:
                return (await client.get(url, timeout=timeout)).status_code == 200
            except httpx.HTTPError:
                return False

    return await asyncio.gather(*(one(url) for url in urls))


async def engine_cycle(engine: ProbeEngine) -> list[bool]:
    results = await engine.run_once()
    return [results[name].state is ProbeState.UP for name in engine.names]


def specs_for(urls: list[str], timeout: float) -> list:  # type: ignore[type-arg]
    return [
        parse_service(
            {"name": f"svc-{n:04d}", "kind": "http", "url": url, "timeout": timeout},
            "bench",
            n + 1,
        )
        for n, url in enumerate(urls)
    ]


async def compare(
    urls: list[str], answering: list[bool], timeout: float, rounds: int
) -> dict[str, Side]:
    """Median wall time and worst false downs of the three sides over `rounds` rounds."""
    specs = specs_for(urls, timeout)
    engine = ProbeEngine(specs, concurrency=engine_concurrency(len(specs)))
    limits = httpx.Limits(
        max_connections=FLOOR_CONCURRENCY, max_keepalive_connections=FLOOR_CONCURRENCY
    )
    client = httpx.AsyncClient(limits=limits)
    sides = {"floor": Side(), "bare": Side(), "engine": Side()}
    runs = {
        "floor": lambda: floor_cycle(urls, timeout),
        "bare": lambda: bare_cycle(client, urls, timeout),
        "engine": lambda: engine_cycle(engine),
    }
    order = list(runs)
    try:
        await runs["engine"]()  # warm up: the engine learns which targets were slow
        for number in range(rounds):
            for name in order[number % 3 :] + order[: number % 3]:
                started, cpu = time.perf_counter(), time.process_time()
                seen = await runs[name]()
                side = sides[name]
                side.walls.append(time.perf_counter() - started)
                side.cpus.append(time.process_time() - cpu)
                missed = sum(1 for ok, live in zip(seen, answering, strict=True) if live and not ok)
                side.false_downs = max(side.false_downs, missed)
    finally:
        await engine.stop()
        await client.aclose()
    return sides


def _figures(
    label: str, sides: dict[str, Side], rounds: int, goal: str, within: Callable[[Figure], bool]
) -> list[Figure]:
    """The warroom row (its goal: `within` and no false down) and the bare httpx row."""
    floor, bare, engine = sides["floor"], sides["bare"], sides["engine"]
    return [
        Figure(
            f"probe cycle: {label}, warroom",
            engine.wall_ms,
            "ms",
            baseline=floor.wall_ms,
            baseline_name="asyncio streams floor",
            runs=rounds,
            goal=f"{goal}, 0 false downs",
            check=lambda figure: within(figure) and engine.false_downs == 0,
            note=f"false downs (worst round): warroom {engine.false_downs}, "
            f"floor {floor.false_downs}, bare httpx {bare.false_downs}; client CPU "
            f"warroom {engine.cpu_ms:,.0f} ms, floor {floor.cpu_ms:,.0f} ms, "
            f"bare httpx {bare.cpu_ms:,.0f} ms",
        ),
        Figure(
            f"probe cycle: {label}, bare httpx gather",
            bare.wall_ms,
            "ms",
            baseline=floor.wall_ms,
            baseline_name="asyncio streams floor",
            runs=rounds,
        ),
    ]


def measure_cycle(plan: Plan, folder: Path) -> list[Figure]:
    del folder  # nothing is written
    figures: list[Figure] = []
    count, origins, timeout = plan.scale_services, plan.scale_origins, plan.scale_timeout
    with serving(1) as (url,):
        urls = [f"{url}?service={n}" for n in range(count)]
        sides = asyncio.run(compare(urls, [True] * count, timeout, plan.scale_rounds))
    figures += _figures(
        f"{count} services, 1 origin", sides, plan.scale_rounds, "ratio <= 3", ratio_at_most(3)
    )
    with serving(origins) as ports:
        urls = [f"{ports[n % origins]}?service={n}" for n in range(count)]
        sides = asyncio.run(compare(urls, [True] * count, timeout, plan.scale_rounds))
    label = f"{count} services, {origins} origins"
    figures += _figures(label, sides, plan.scale_rounds, "ratio <= 3", ratio_at_most(3))

    targets, hung, timeout = plan.cycle_targets, plan.cycle_hung, plan.cycle_timeout
    with serving(targets, hung) as urls:
        answering = [not is_hung(n, targets, hung) for n in range(targets)]
        sides = asyncio.run(compare(urls, answering, timeout, plan.cycle_rounds))
    bound = timeout * 1000 * 1.1
    label = f"{targets} services, {hung} hung (timeout {timeout:g} s)"
    goal = f"<= timeout + 10% ({bound:,.0f} ms)"
    figures += _figures(label, sides, plan.cycle_rounds, goal, value_at_most(bound))
    return figures
