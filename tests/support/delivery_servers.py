"""Loopback stand-ins for delivery destinations.

`WebhookReceiver`: a JSON webhook (what Apprise's json:// posts to) that can answer 200,
fail with 500, hang until released, or be down (its port closed), and records every body
it accepted. `StatuspageServer`: the Atlassian Statuspage REST API's incident endpoints
(`POST/PATCH /v1/pages/{page}/incidents[/{id}]`, `Authorization: OAuth <key>`) and a
public `/api/v2/summary.json` whose indicator and `updated_at` a test sets.
Both wait on conditions, never on luck: `wait_for(n)` returns when n bodies arrived.
"""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

WAIT_SECONDS = 15.0
STATUSPAGE_API_KEY = "sp-key-0123456789abcdef"  # the key the `statuspage` fixture takes


class _Server:
    def __init__(self) -> None:
        self.lock = threading.Condition()
        self.received: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        self._port = 0
        self.httpd: ThreadingHTTPServer | None = None
        self.thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return self._port

    def start(self) -> None:
        self.httpd = ThreadingHTTPServer(("127.0.0.1", self._port), self._handler())
        self.httpd.daemon_threads = True
        self._port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        """Close the port (the endpoint is down: connections are refused)."""
        if self.httpd is not None:
            self.httpd.shutdown()
            self.httpd.server_close()
            self.httpd = None

    def __enter__(self) -> Any:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()
        self.stop()

    def release(self) -> None:
        pass

    def record(self, body: dict[str, Any], headers: dict[str, str]) -> None:
        with self.lock:
            self.received.append(body)
            self.headers.append(headers)
            self.lock.notify_all()

    def wait_for(self, count: int, timeout: float = WAIT_SECONDS) -> list[dict[str, Any]]:
        with self.lock:
            if not self.lock.wait_for(lambda: len(self.received) >= count, timeout):
                raise AssertionError(f"{len(self.received)} of {count} bodies arrived")
            return list(self.received)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        raise NotImplementedError


class WebhookReceiver(_Server):
    def __init__(self) -> None:
        super().__init__()
        self.mode = "ok"  # ok | fail | hang
        self.hung = threading.Event()
        self._unhang = threading.Event()

    def url(self, path: str = "/hook") -> str:
        return f"json://127.0.0.1:{self.port}{path}"

    def release(self) -> None:
        self._unhang.set()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                raw = self.rfile.read(length)
                if server.mode == "hang":
                    server.hung.set()
                    server._unhang.wait(WAIT_SECONDS)
                    return  # the client gave up long ago
                if server.mode == "fail":
                    self.send_response(500)
                    self.end_headers()
                    return
                server.record(json.loads(raw), dict(self.headers))
                self.send_response(200)
                self.send_header("content-length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

        return Handler


class StatuspageServer(_Server):
    """The REST API of one page, and its public summary JSON."""

    def __init__(self, page_id: str = "pg1", api_key: str = "sp-key-0123456789abcdef") -> None:
        super().__init__()
        self.page_id = page_id
        self.api_key = api_key
        self.indicator = "none"
        self.component_status = "operational"
        self.updated_at = datetime.now(UTC)
        self.requests: list[tuple[str, str]] = []

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    @property
    def summary_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/v2/summary.json"

    def summary(self) -> dict[str, Any]:
        stamp = self.updated_at.isoformat()
        return {
            "page": {"id": self.page_id, "name": "Example", "updated_at": stamp},
            "status": {"indicator": self.indicator, "description": "status"},
            "components": [
                {
                    "id": "cmp1",
                    "name": "Checkout",
                    "status": self.component_status,
                    "group": False,
                    "group_id": None,
                    "updated_at": stamp,
                }
            ],
            "incidents": [],
            "scheduled_maintenances": [],
        }

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _answer(self, status: int, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                if self.path == "/api/v2/summary.json":
                    self._answer(200, server.summary())
                else:
                    self._answer(404, {"error": "not found"})

            def _write(self) -> None:
                server.requests.append((self.command, self.path))
                if self.headers.get("authorization") != f"OAuth {server.api_key}":
                    self._answer(401, {"error": "bad key"})
                    return
                length = int(self.headers.get("content-length") or 0)
                body = json.loads(self.rfile.read(length))
                base = f"/v1/pages/{server.page_id}/incidents"
                if self.command == "POST" and self.path == base:
                    number = len({r.get("_id") for r in server.received}) + 1
                    body["_id"] = f"inc{number}"
                elif self.command == "PATCH" and self.path.startswith(base + "/"):
                    body["_id"] = self.path.rsplit("/", 1)[1]
                else:
                    self._answer(404, {"error": "not found"})
                    return
                server.record(body, dict(self.headers))
                server.updated_at = datetime.now(UTC)
                self._answer(201 if self.command == "POST" else 200, {"id": body["_id"]})

            do_POST = _write
            do_PATCH = _write

        return Handler
