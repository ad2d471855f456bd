"""Wall time of one probe cycle: the warroom engine against a bare asyncio.gather of httpx.

    .venv/bin/python bench/probe_cycle.py [--targets 500] [--hung 50] [--rounds 7]

A separate process serves `--targets` loopback HTTP targets, one port each; `--hung` of
them read the request and never answer. Each round runs one cycle over every target
twice, in alternating order: `ProbeEngine.run_once()` (http specs, the engine's shared
client) and a bare `asyncio.gather` of `httpx.AsyncClient.get` under a semaphore, with
the same timeout, the same concurrency cap and the same connection limits. Both clients
are reused across rounds. Prints the median wall time of each and their ratio, and the
median CPU time of the client process (steadier than wall time on a busy machine), for
the cycle with hung targets and for one without (where per-probe overhead shows).

Not a test: figures depend on the machine.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import statistics
import sys
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from warroom.probes.config import parse_service
from warroom.probes.scheduler import ProbeEngine

RESPONSE = (
    b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 15\r\n\r\n"
    b'{"status":"ok"}'
)


def serve(count: int, hung: int, ports: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    """The target server (runs in its own process)."""

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while await reader.readuntil(b"\r\n\r\n"):
                writer.write(RESPONSE)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    async def hang(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await reader.read()  # until the client gives up and closes
        except ConnectionError:
            pass
        finally:
            writer.close()

    async def main() -> None:
        servers = []
        for n in range(count):
            handler = hang if _is_hung(n, count, hung) else answer
            servers.append(await asyncio.start_server(handler, "127.0.0.1", 0, backlog=256))
        ports.put([s.sockets[0].getsockname()[1] for s in servers])
        await asyncio.Event().wait()

    asyncio.run(main())


Timing = tuple[float, float]  # wall seconds, CPU seconds of this (client) process


async def engine_cycle(engine: ProbeEngine) -> Timing:
    started, cpu = time.perf_counter(), time.process_time()
    await engine.run_once()
    return time.perf_counter() - started, time.process_time() - cpu


async def bare_cycle(
    client: httpx.AsyncClient, urls: list[str], timeout: float, concurrency: int
) -> Timing:
    semaphore = asyncio.Semaphore(concurrency)

    async def one(url: str) -> int | None:
        async with semaphore:
            try:
                return (await client.get(url, timeout=timeout)).status_code
            except httpx.HTTPError:
                return None

    started, cpu = time.perf_counter(), time.process_time()
    await asyncio.gather(*(one(url) for url in urls))
    return time.perf_counter() - started, time.process_time() - cpu


async def measure(urls: list[str], timeout: float, concurrency: int, rounds: int):
    specs = [
        parse_service(
            {"name": f"t{n}", "kind": "http", "url": url, "timeout": timeout, "interval": 60},
            "bench",
            n + 1,
        )
        for n, url in enumerate(urls)
    ]
    engine = ProbeEngine(specs, concurrency=concurrency)
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    client = httpx.AsyncClient(limits=limits)
    engine_times: list[Timing] = []
    bare_times: list[Timing] = []
    try:
        await engine_cycle(engine)  # warm up both
        await bare_cycle(client, urls, timeout, concurrency)
        for n in range(rounds):
            if n % 2:
                bare_times.append(await bare_cycle(client, urls, timeout, concurrency))
                engine_times.append(await engine_cycle(engine))
            else:
                engine_times.append(await engine_cycle(engine))
                bare_times.append(await bare_cycle(client, urls, timeout, concurrency))
        states = {r.state for r in (await engine.run_once()).values()}
    finally:
        await engine.stop()
        await client.aclose()
    return _medians(engine_times), _medians(bare_times), states


def _medians(timings: list[Timing]) -> Timing:
    return (
        statistics.median(wall for wall, _ in timings),
        statistics.median(cpu for _, cpu in timings),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--targets", type=int, default=500)
    parser.add_argument("--hung", type=int, default=50)
    parser.add_argument("--timeout", type=float, default=1.0)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()

    ports: multiprocessing.Queue = multiprocessing.Queue()  # type: ignore[type-arg]
    server = multiprocessing.Process(
        target=serve, args=(args.targets, args.hung, ports), daemon=True
    )
    server.start()
    try:
        urls = [f"http://127.0.0.1:{port}/health" for port in ports.get(timeout=30)]
        print(
            f"{args.targets} loopback targets ({args.hung} hung), timeout {args.timeout:g} s, "
            f"concurrency {args.concurrency}, median of {args.rounds} rounds"
        )
        scenarios = [("with hung", urls)]
        answering = [url for n, url in enumerate(urls) if not _is_hung(n, args.targets, args.hung)]
        scenarios.append(("answering only", answering))
        for label, chosen in scenarios:
            (engine_s, engine_cpu), (bare_s, bare_cpu), states = asyncio.run(
                measure(chosen, args.timeout, args.concurrency, args.rounds)
            )
            print(
                f"  {label:<15} {len(chosen):>4} targets: wall engine {engine_s * 1000:7.1f} ms"
                f"  bare gather {bare_s * 1000:7.1f} ms  ratio {engine_s / bare_s:4.2f}"
                f"  | client CPU engine {engine_cpu * 1000:6.1f} ms"
                f"  bare {bare_cpu * 1000:6.1f} ms  ratio {engine_cpu / bare_cpu:4.2f}"
                f"  | engine states {sorted(str(s) for s in states)}"
            )
    finally:
        server.terminate()
        server.join()


def _is_hung(n: int, count: int, hung: int) -> bool:
    step = count // max(hung, 1)
    return hung > 0 and n % step == 0 and n // step < hung


if __name__ == "__main__":
    main()
