"""Delay from an event appended through one store to its arrival through another's changes().

    .venv/bin/python bench/pg_latency.py [--events 1000] [--dsn postgresql://...] [--durable]

Two `PostgresStore`s stand for two consoles on one incident. The reader follows the
incident with `changes()`; the writer appends notes. For each event the clock runs from
just before `writer.append(event)` to the moment the reader's stream yields the batch
holding it: insert, commit, NOTIFY, the reader fetching the row, the stream handing it
over. Two runs:

- paced: one event at a time, the next one appended once the previous one arrived (a
  person typing; the figure the issue asks for);
- burst: the events appended back to back without waiting (a flood of probe changes);
  the reader fetches notifications in batches, so this shows queueing, not per-event cost.

Without `--dsn` a throwaway cluster is started (tests/support/postgres.py), which runs with
fsync and synchronous_commit off; `--durable` turns both back on, as in production.
Not a test: figures depend on the machine.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.pg_cluster import PostgresCluster, postgres_missing_reason
from bench.stats import median, percentile
from warroom.model.events import EventKind, new_event
from warroom.store.postgres import PostgresStore


async def measure(dsn: str, events: int, folder: Path) -> dict[str, list[float]]:
    writer = PostgresStore(dsn, queue_dir=folder / "writer")
    reader = PostgresStore(dsn, queue_dir=folder / "reader")
    declared = await writer.declare(
        lambda i: new_event(i, EventKind.DECLARED, "bench", {"title": "latency bench"})
    )
    incident_id = declared.incident_id
    stream = reader.changes(incident_id)
    await reader.load(incident_id)
    arrived: dict[str, float] = {}
    signal = asyncio.Event()

    async def follow() -> None:
        async for batch in stream:
            now = time.perf_counter()
            for event in batch:
                arrived.setdefault(event.id, now)
            signal.set()

    follower = asyncio.create_task(follow())
    # Warm up: both connections open, the LISTEN in place, the catch-up done.
    warm = new_event(incident_id, EventKind.NOTE, "bench", {"text": "warm-up"})
    await writer.append(warm)
    while warm.id not in arrived:
        signal.clear()
        await asyncio.wait_for(signal.wait(), 30)

    results: dict[str, list[float]] = {"paced": [], "burst": [], "append": []}
    for index in range(events):
        event = new_event(incident_id, EventKind.NOTE, "bench", {"text": f"paced {index}"})
        sent = time.perf_counter()
        await writer.append(event)
        results["append"].append(time.perf_counter() - sent)
        while event.id not in arrived:
            signal.clear()
            await asyncio.wait_for(signal.wait(), 30)
        results["paced"].append(arrived[event.id] - sent)

    burst = [
        new_event(incident_id, EventKind.NOTE, "bench", {"text": f"burst {i}"})
        for i in range(events)
    ]
    sent_at: dict[str, float] = {}
    for event in burst:
        sent_at[event.id] = time.perf_counter()
        await writer.append(event)
    while not all(event.id in arrived for event in burst):
        signal.clear()
        await asyncio.wait_for(signal.wait(), 60)
    results["burst"] = [arrived[e.id] - sent_at[e.id] for e in burst]

    follower.cancel()
    await stream.aclose()
    await reader.close()
    await writer.close()
    return results


def report(results: dict[str, list[float]], where: str) -> str:
    lines = [f"PostgreSQL store live-update latency ({where})", ""]
    lines.append("| run | events | median | p99 | max |")
    lines.append("|---|---|---|---|---|")
    labels = {
        "paced": "append -> other store's changes(), one at a time",
        "burst": "append -> other store's changes(), back to back",
        "append": "append() alone (insert + commit)",
    }
    for key in ("paced", "burst", "append"):
        values = [v * 1000 for v in results[key]]
        lines.append(
            f"| {labels[key]} | {len(values)} | {median(values):.2f} ms "
            f"| {percentile(values, 0.99):.2f} ms | {max(values):.2f} ms |"
        )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1000)
    parser.add_argument("--dsn", help="an existing database (default: a throwaway cluster)")
    parser.add_argument("--durable", action="store_true", help="throwaway cluster with fsync")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="warroom-bench-") as temporary:
        folder = Path(temporary)
        if args.dsn:
            results = asyncio.run(measure(args.dsn, args.events, folder))
            where = "given database"
        else:
            reason = postgres_missing_reason()
            if reason:
                print(reason, file=sys.stderr)
                return 2
            cluster = PostgresCluster().start_new()
            try:
                if args.durable:
                    with open(cluster.datadir / "postgresql.conf", "a") as conf:
                        conf.write("\nfsync = on\nsynchronous_commit = on\n")
                    cluster.stop()
                    cluster.start()
                version = cluster.psql("SHOW server_version")
                durability = "fsync on" if args.durable else "fsync off"
                where = f"throwaway PostgreSQL {version} on loopback, {durability}"
                results = asyncio.run(measure(cluster.dsn(), args.events, folder))
            finally:
                cluster.destroy()
    print(report(results, where))
    return 0


if __name__ == "__main__":
    sys.exit(main())
