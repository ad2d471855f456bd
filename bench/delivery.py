"""Delivery latency: a status update sent through the outbox to a JSON webhook.

warroom: `Delivery.send` to one json:// channel on loopback, what `S` and `warroom send`
do: fsync the queued entry, fsync the try, POST through Apprise, fsync "delivered",
append the `comms_sent` event. Baseline: the same JSON body POSTed by a bare
`httpx.Client` to the same receiver. The figure is the median time per message; the
retry schedule (the outbox's backoff) is in the note, not measured: it is a constant.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx

from bench.plan import Plan
from bench.stats import Figure, median


class _Receiver:
    def __init__(self) -> None:
        self.count = 0
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("content-length") or 0))
                outer.count += 1
                self.send_response(200)
                self.send_header("content-length", "0")
                self.end_headers()

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


async def _warroom_sends(folder: Path, url: str, count: int) -> list[float]:
    from warroom.delivery.channels import parse_channels
    from warroom.delivery.outbox import Outbox
    from warroom.delivery.worker import Delivery
    from warroom.model.severity import PRESETS
    from warroom.services.incidents import IncidentService
    from warroom.store.local import LocalStore

    service = IncidentService(LocalStore(folder), "bench", PRESETS["sev1-sev3"])
    incident = (await service.declare("Bench", "SEV-1")).incident_id
    channels = parse_channels([{"name": "room", "url": url, "audiences": ["responders"]}])
    delivery = Delivery(Outbox(folder), channels, service)
    times = []
    for n in range(count):
        started = time.perf_counter()
        report = await delivery.send(incident, "responders", "responders", f"update {n}")
        times.append(time.perf_counter() - started)
        assert report.delivered == 1, report.outcomes
    return times


def _bare_posts(url: str, count: int) -> list[float]:
    times = []
    with httpx.Client() as client:
        for n in range(count):
            body = json.dumps({"version": "1.0", "title": "", "message": f"update {n}"})
            started = time.perf_counter()
            client.post(url, content=body, headers={"content-type": "application/json"})
            times.append(time.perf_counter() - started)
    return times


def measure_delivery(plan: Plan, folder: Path) -> list[Figure]:
    from warroom.delivery.outbox import Backoff

    receiver = _Receiver()
    try:
        count = plan.delivery_sends
        ours = asyncio.run(_warroom_sends(folder, f"json://127.0.0.1:{receiver.port}/hook", count))
        bare = _bare_posts(f"http://127.0.0.1:{receiver.port}/hook", count)
        assert receiver.count == 2 * count
    finally:
        receiver.close()
    schedule = ", ".join(f"{s:g}" for s in Backoff().schedule(7))
    return [
        Figure(
            "send one update via the outbox (json:// on loopback)",
            median(ours) * 1000,
            "ms",
            baseline=median(bare) * 1000,
            baseline_name="bare httpx POST",
            runs=count,
            note=f"retry schedule after failures: {schedule} s (then every 120 s)",
        )
    ]
