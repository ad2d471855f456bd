"""A real HTTP server on 127.0.0.1 for the probe tests, with scriptable routes.

Each route answers with a status, headers and body, and can instead hang until the test
releases it, answer after a delay, stream an endless body, or redirect. Routes can be
changed while the server runs (a target that flaps). The server counts requests per path
and the most requests it ever had in flight, in total and per path.
"""

from __future__ import annotations

import json
import socket
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any

from tests.support.loopback_http import LoopbackHTTPServer, QuietHandler


@dataclass
class Route:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    hang: bool = False
    delay: float = 0.0
    endless: bool = False


class LoopbackServer(LoopbackHTTPServer):
    """A threaded HTTP server with scriptable routes; use as a context manager."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.release = threading.Event()
        self.hits: Counter[str] = Counter()
        self.in_flight: Counter[str] = Counter()
        self.max_in_flight: Counter[str] = Counter()
        self.total_in_flight = 0
        self.max_total_in_flight = 0
        self.entered = threading.Condition()
        self.last_headers: dict[str, dict[str, str]] = {}
        self._lock = threading.Lock()
        super().__init__()

    def route(self, path: str, status: int = 200, body: Any = b"", **options: Any) -> Route:
        if isinstance(body, dict | list):
            body = json.dumps(body).encode()
            options.setdefault("headers", {"content-type": "application/json"})
        elif isinstance(body, str):
            body = body.encode()
        route = Route(status=status, body=body, **options)
        self.routes[path] = route
        return route

    def wait_in_flight(self, path: str, count: int = 1, timeout: float = 10.0) -> None:
        """Block until `count` requests for `path` are being served."""
        with self.entered:
            if not self.entered.wait_for(lambda: self.in_flight[path] >= count, timeout):
                raise TimeoutError(f"{path}: {self.in_flight[path]} in flight, wanted {count}")

    def _release(self) -> None:
        self.release.set()  # hung and delayed routes answer, endless bodies end

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(QuietHandler):
            def do_GET(self) -> None:
                path = self.path.split("?", 1)[0]
                server.last_headers[path] = {k.lower(): v for k, v in self.headers.items()}
                route = server.routes.get(path, Route(status=404, body=b"no route"))
                server._enter(path)
                try:
                    self._answer(route)
                except (BrokenPipeError, ConnectionResetError):
                    pass
                finally:
                    server._leave(path)

            do_HEAD = do_GET
            do_POST = do_GET

            def _answer(self, route: Route) -> None:
                if route.hang:
                    server.release.wait(60)
                    return
                if route.delay:
                    server.release.wait(route.delay)
                self.send_response(route.status)
                for name, value in route.headers.items():
                    self.send_header(name, value)
                if route.endless:
                    self.send_header("content-type", "text/plain")
                    self.end_headers()
                    chunk = b"x" * 65536
                    for _ in range(16384):  # 1 GiB at most, should anyone read it all
                        if server.release.is_set():
                            return
                        self.wfile.write(chunk)
                    return
                self.send_header("content-length", str(len(route.body)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(route.body)

        return Handler

    def _enter(self, path: str) -> None:
        with self.entered:
            self.hits[path] += 1
            self.in_flight[path] += 1
            self.max_in_flight[path] = max(self.max_in_flight[path], self.in_flight[path])
            self.total_in_flight += 1
            self.max_total_in_flight = max(self.max_total_in_flight, self.total_in_flight)
            self.entered.notify_all()

    def _leave(self, path: str) -> None:
        with self.entered:
            self.in_flight[path] -= 1
            self.total_in_flight -= 1
            self.entered.notify_all()


def refused_port() -> int:
    """A loopback port nobody listens on (bound, then closed)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def loopback_server() -> Iterator[LoopbackServer]:
    with LoopbackServer() as server:
        yield server
