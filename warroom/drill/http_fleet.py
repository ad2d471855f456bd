"""The drill's fake services over HTTP on 127.0.0.1: api, web, webhooks and the vendor page.

Each service is a threaded stdlib HTTP server on a free loopback port, answering
`GET /health` (and `/` for web) with JSON whose status, latency and error the drill sets
while it runs. The vendor answers `GET /api/v2/summary.json` with its Statuspage summary.
Latency gets a small seeded wobble (the n-th answer of a service always gets the same
one for a given seed). `stop()` closes the listening sockets and cuts any answer that is
still sleeping short, so nothing is left listening.
"""

from __future__ import annotations

import json
import random
import threading
from dataclasses import dataclass, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from warroom.drill.vendor_page import VendorPage

HEALTHY_MS = 300
"""Below this an answer is quick enough to count as healthy for the baseline."""
VERSIONS = {"api": "2026.11.2", "web": "2026.11.2", "webhooks": "2026.11.1"}


@dataclass
class HttpState:
    status: int = 200
    latency_ms: float = 15.0
    error: str = ""


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True


class DrillHttpService:
    """One fake service and its server thread."""

    def __init__(self, name: str, seed: int, stopping: threading.Event) -> None:
        self.name = name
        self.state = HttpState()
        self.vendor: VendorPage | None = None
        self._lock = threading.Lock()
        self.healthy_answers = 0
        """Healthy answers given to the probes so far (the drill's baseline counts them)."""
        self._rng = random.Random(f"{seed}:{name}")
        self._stopping = stopping
        self._server = _Server(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"drill {name}",
            daemon=True,
        )

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def apply(self, changes: dict[str, Any]) -> None:
        with self._lock:
            if self.vendor is not None:
                self.vendor.apply(changes)
                return
            if "status" in changes:
                self.state.status = int(changes["status"])
            if "latency_ms" in changes:
                self.state.latency_ms = float(changes["latency_ms"])
            if "error" in changes:
                self.state.error = str(changes["error"])

    def answer(self, path: str) -> tuple[int, dict[str, Any], float]:
        """Status, JSON body and delay (seconds) for a request to `path`."""
        with self._lock:
            wobble = self._rng.uniform(0.95, 1.05)
            if self.vendor is not None:
                if path.rstrip("/") in ("/api/v2/summary.json", "/api/v2/summary"):
                    summary = self.vendor.summary()
                    if summary["status"]["indicator"] == "none":
                        self.healthy_answers += 1
                    return 200, summary, 0.01 * wobble
                return 404, {"error": "not found"}, 0.0
            state = replace(self.state)
        if path.rstrip("/") not in ("/health", ""):
            return 404, {"error": "not found"}, 0.0
        body: dict[str, Any] = {"service": self.name, "version": VERSIONS.get(self.name, "")}
        if 200 <= state.status < 300:
            body["status"] = "ok"
            with self._lock:
                self.healthy_answers += state.latency_ms < HEALTHY_MS
        else:
            body["status"] = "error"
            body["error"] = state.error or "service unavailable"
        if self.name == "webhooks":
            body["queue_depth"] = 3 if state.status < 300 else 4200
        return state.status, body, state.latency_ms / 1000 * wobble

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        service = self

        class Handler(BaseHTTPRequestHandler):
            server_version = f"warroom-drill-{service.name}"

            def do_GET(self) -> None:
                status, body, delay = service.answer(self.path.split("?", 1)[0])
                if delay > 0 and service._stopping.wait(delay):
                    return
                data = json.dumps(body).encode()
                try:
                    self.send_response(status)
                    self.send_header("content-type", "application/json")
                    self.send_header("content-length", str(len(data)))
                    self.send_header("connection", "close")
                    self.end_headers()
                    self.wfile.write(data)
                except OSError:
                    return

            def log_message(self, format: str, *args: Any) -> None:
                return

        return Handler


class HttpFleet:
    """The HTTP services of a drill; `services[name]`."""

    def __init__(self, seed: int) -> None:
        self._stopping = threading.Event()
        self.services: dict[str, DrillHttpService] = {}
        self.seed = seed

    def start(self, names: tuple[str, ...], vendor: str | None = None) -> None:
        for name in (*names, *((vendor,) if vendor else ())):
            service = DrillHttpService(name, self.seed, self._stopping)
            if name == vendor:
                service.vendor = VendorPage(service.base_url)
            self.services[name] = service
            service.start()

    def stop(self) -> None:
        self._stopping.set()
        for service in self.services.values():
            service.stop()

    @property
    def ports(self) -> list[int]:
        return [service.port for service in self.services.values()]
