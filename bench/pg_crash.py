"""Writers through database crashes: is every note stored exactly once, and in order?

    .venv/bin/python bench/pg_crash.py [--writers 3] [--notes 150] [--crashes 3]

A throwaway cluster (tests/support/postgres.py) holds one incident. Each writer is a
process of its own with its own data folder, as a console on another machine would be: it
opens a `PostgresStore`, loads the incident, then appends `--notes` notes, one every
`--pace` seconds, whatever the database is doing. Meanwhile the cluster is crashed
(`pg_ctl stop -m immediate`: no shutdown, the server dies like a power cut) `--crashes`
times, each time left down for `--down` seconds, then started again. Writers queue while
it is down and send their queue when it is back. At the end every writer waits until its
queue is empty, then the database is checked:

- stored once: for each writer, the notes stored equal the notes written, no text twice;
- in order: each writer's notes, by the database's storage order (`seq`), are in the order
  they were written;
- nothing left: no queued event and no set-aside event in any writer's folder.

The cluster runs with `fsync = on` and `synchronous_commit = on`, as in production:
`--unsafe` keeps the throwaway cluster's `off`, and then a crash loses commits the server
had already acknowledged (warroom cannot resend what the server said it stored).

Prints the figures and exits 1 if any check fails. Not a test (it takes a minute and its
timing depends on the machine); `tests/test_bench_pg_crash.py` runs a small version.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.pg_cluster import PostgresCluster, postgres_missing_reason
from warroom.model.events import EventKind, new_event
from warroom.store.postgres import PostgresStore


@dataclass
class CrashFigures:
    writers: int
    notes_each: int
    crashes: int
    written: int
    stored: int
    stored_once: bool
    in_order: bool
    queued_while_down: int
    left_queued: int
    set_aside: int
    seconds: float

    @property
    def ok(self) -> bool:
        return (
            self.stored == self.written
            and self.stored_once
            and self.in_order
            and self.left_queued == 0
            and self.set_aside == 0
        )


async def _write(
    dsn: str, folder: str, incident_id: str, name: str, notes: int, pace: float, ready: Any
) -> dict[str, int]:
    store = PostgresStore(dsn, queue_dir=Path(folder) / "queue")
    store.heartbeat_interval = store.hub.heartbeat = 1.0
    await store.load(incident_id)
    ready.release()  # the crashes start once every writer has the incident open
    queued_while_down = 0
    for index in range(notes):
        event = new_event(incident_id, EventKind.NOTE, name, {"text": f"{name} {index:04d}"})
        await store.append(event)
        if not store.connection_state().online:
            queued_while_down += 1
        await asyncio.sleep(pace)
    deadline = time.monotonic() + 120
    while store.queue.count() and time.monotonic() < deadline:  # it reconnects by itself
        await asyncio.sleep(0.05)
    result = {
        "queued_while_down": queued_while_down,
        "left_queued": store.queue.count(),
        "set_aside": store.queue.rejected_count(),
    }
    await store.close()
    return result


def _writer(
    dsn: str,
    folder: str,
    incident_id: str,
    name: str,
    notes: int,
    pace: float,
    ready: Any,
    out: Any,
) -> None:
    result = asyncio.run(_write(dsn, folder, incident_id, name, notes, pace, ready))
    out.put((name, result))


async def _declare(dsn: str, folder: Path) -> str:
    store = PostgresStore(dsn, queue_dir=folder / "queue")
    event = await store.declare(
        lambda i: new_event(i, EventKind.DECLARED, "bench", {"title": "crash bench"})
    )
    await store.close()
    return event.incident_id


def run(
    writers: int = 3,
    notes: int = 150,
    crashes: int = 3,
    pace: float = 0.05,
    down: float = 1.5,
    gap: float = 1.5,
    durable: bool = True,
) -> CrashFigures:
    cluster = PostgresCluster(max_connections=40).start_new()
    if durable:  # the throwaway cluster runs without them; production runs with them
        with open(cluster.datadir / "postgresql.conf", "a") as conf:
            conf.write("\nfsync = on\nsynchronous_commit = on\n")
        cluster.stop()
        cluster.start()
    started = time.monotonic()
    try:
        dsn = cluster.dsn()
        with tempfile.TemporaryDirectory(prefix="warroom-crash-") as temporary:
            base = Path(temporary)
            incident_id = asyncio.run(_declare(dsn, base / "setup"))
            context = multiprocessing.get_context("spawn")
            results = context.Queue()
            ready = context.Semaphore(0)
            names = [f"writer{n + 1}" for n in range(writers)]
            processes = [
                context.Process(
                    target=_writer,
                    args=(dsn, str(base / name), incident_id, name, notes, pace, ready, results),
                )
                for name in names
            ]
            for process in processes:
                process.start()
            for _ in processes:
                if not ready.acquire(timeout=120):
                    raise RuntimeError("a writer did not start")
            for _ in range(crashes):
                time.sleep(gap)
                cluster.stop("immediate")
                time.sleep(down)
                cluster.start()
            for process in processes:
                process.join(300)
                if process.exitcode != 0:
                    raise RuntimeError(f"a writer failed (exit code {process.exitcode})")
            outcomes = dict(results.get(timeout=10) for _ in processes)
        rows = cluster.psql(
            "SELECT event_json FROM warroom_events WHERE kind = 'note' ORDER BY seq"
        ).splitlines()
    finally:
        cluster.destroy()
    texts = [json.loads(row)["payload"]["text"] for row in rows]
    in_order = all(
        [t for t in texts if t.startswith(f"{name} ")] == [f"{name} {i:04d}" for i in range(notes)]
        for name in names
    )
    return CrashFigures(
        writers=writers,
        notes_each=notes,
        crashes=crashes,
        written=writers * notes,
        stored=len(texts),
        stored_once=len(texts) == len(set(texts)),
        in_order=in_order,
        queued_while_down=sum(o["queued_while_down"] for o in outcomes.values()),
        left_queued=sum(o["left_queued"] for o in outcomes.values()),
        set_aside=sum(o["set_aside"] for o in outcomes.values()),
        seconds=time.monotonic() - started,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--writers", type=int, default=3)
    parser.add_argument("--notes", type=int, default=150, help="notes per writer")
    parser.add_argument("--crashes", type=int, default=3)
    parser.add_argument("--pace", type=float, default=0.05, help="seconds between notes")
    parser.add_argument("--down", type=float, default=1.5, help="seconds down per crash")
    parser.add_argument(
        "--unsafe",
        action="store_true",
        help="keep the throwaway cluster's fsync=off, synchronous_commit=off (loses commits)",
    )
    args = parser.parse_args(argv)
    reason = postgres_missing_reason()
    if reason:
        print(reason, file=sys.stderr)
        return 2
    figures = run(
        args.writers, args.notes, args.crashes, args.pace, args.down, durable=not args.unsafe
    )
    print(
        f"{figures.writers} writers, {figures.crashes} crashes (pg_ctl -m immediate): "
        f"{figures.stored} of {figures.written} notes stored, "
        f"{'each once' if figures.stored_once else 'SOME TWICE'}, "
        f"{'in order' if figures.in_order else 'OUT OF ORDER'}; "
        f"{figures.queued_while_down} written while the database was down; "
        f"{figures.left_queued} left queued, {figures.set_aside} set aside; "
        f"{figures.seconds:.0f} s"
    )
    return 0 if figures.ok else 1


if __name__ == "__main__":
    sys.exit(main())
