"""The lifecycle the tests' loopback HTTP servers share: a threaded server bound to a free
port on 127.0.0.1 as soon as it is made, served from a daemon thread while it is used as a
context manager, and shut down (port closed) on leaving it. A subclass says how to answer
(`_handler`) and, if some of its handlers may be waiting, how to let them go (`_release`).
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self


class QuietHandler(BaseHTTPRequestHandler):
    """A request handler that keeps the test output clean (no access log on stderr)."""

    def log_message(self, format: str, *args: Any) -> None:
        return


class LoopbackHTTPServer:
    """A threaded HTTP server on 127.0.0.1; use as a context manager."""

    def __init__(self) -> None:
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._release()
        self._server.shutdown()
        self._server.server_close()

    def _release(self) -> None:
        """Let go of handlers still waiting, so that shutting down does not wait on them."""

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        raise NotImplementedError
