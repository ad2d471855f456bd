"""A loopback HTTP server that echoes every credential it receives, and can redirect.

Every request is answered (200, JSON) with `{"echo": ...}` holding the request line with
its query string, every header, and the decoded `Authorization: Basic` pair, so a probe
that shows any part of a response shows the credentials it sent. `redirect(path, to)`
makes a path answer 302 to another URL instead. The headers each path received are kept
in `received`.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
from http.server import BaseHTTPRequestHandler

from tests.support.loopback_http import LoopbackHTTPServer, QuietHandler


class EchoServer(LoopbackHTTPServer):
    def __init__(self) -> None:
        self.received: dict[str, list[dict[str, str]]] = {}
        self.redirects: dict[str, str] = {}
        super().__init__()

    def redirect(self, path: str, to: str) -> None:
        self.redirects[path] = to

    def hits(self, path: str) -> int:
        return len(self.received.get(path, []))

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(QuietHandler):
            def do_GET(self) -> None:
                path = self.path.split("?", 1)[0]
                headers = {k.lower(): v for k, v in self.headers.items()}
                server.received.setdefault(path, []).append(headers)
                if path in server.redirects:
                    self.send_response(302)
                    self.send_header("location", server.redirects[path])
                    self.send_header("content-length", "0")
                    self.end_headers()
                    return
                echoed = [f"{self.command} {self.path}"]
                echoed += [f"{k}: {v}" for k, v in headers.items()]
                scheme, _, credential = headers.get("authorization", "").partition(" ")
                if scheme.lower() == "basic":
                    with contextlib.suppress(binascii.Error, UnicodeDecodeError):
                        echoed.append("basic " + base64.b64decode(credential).decode())
                body = json.dumps({"echo": " | ".join(echoed)}).encode()
                self.send_response(200)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        return Handler
