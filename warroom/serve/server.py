"""The web server of `warroom serve`: textual-serve's aiohttp app, behind a token check.

textual-serve serves a page (xterm.js) and, for each browser session, starts the console
command as its own process, speaking to it over a websocket. `WarroomServer` adds what
an incident needs on top: every HTTP and websocket request passes `check_request` first
(the token, when one is set, and a same-origin websocket always), no request is logged
(URLs may carry the token), and the command it runs is never shown (the page's title
is "warroom", not the command line).
"""

from __future__ import annotations

import asyncio
import hmac
import signal
from collections.abc import Awaitable, Callable
from urllib.parse import urlsplit

from aiohttp import web
from textual_serve.server import Server

TOKEN_PARAM = "token"
TOKEN_COOKIE = "warroom_token"  # + "_PORT": browsers share cookies across a host's ports
REFUSED = "warroom: refused: this console needs its access token (the URL warroom serve printed)"
CROSS_ORIGIN = "warroom: refused: the console's websocket only answers its own page"

SHUTDOWN_SECONDS = 3.0  # open browser sessions get this long to close on Ctrl+C

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def token_cookie(port: int) -> str:
    return f"{TOKEN_COOKIE}_{port}"


def host_for_url(host: str) -> str:
    return f"[{host}]" if ":" in host and not host.startswith("[") else host


class WarroomServer(Server):
    """textual-serve's `Server`, with a token check on every request and a quiet log."""

    def __init__(
        self,
        command: str,
        host: str,
        port: int,
        *,
        token: str | None = None,
        public_url: str | None = None,
    ) -> None:
        url = public_url or f"http://{host_for_url(host)}:{port}"
        super().__init__(command, host=host, port=port, title="warroom", public_url=url)
        self.public_url = url.rstrip("/")
        self.token = token
        self.cookie_name = token_cookie(port)

    async def _make_app(self) -> web.Application:
        app = await super()._make_app()
        app.middlewares.append(self._guard)
        return app

    async def on_startup(self, app: web.Application) -> None:
        """textual-serve prints its command line here; warroom prints its own lines."""

    # The check ----------------------------------------------------------------------

    def _token_matches(self, candidate: str | None) -> bool:
        if self.token is None or not candidate:
            return False
        return hmac.compare_digest(candidate.encode("utf-8"), self.token.encode("utf-8"))

    def _bearer(self, request: web.Request) -> str | None:
        kind, _, value = request.headers.get("Authorization", "").partition(" ")
        return value.strip() if kind.lower() == "bearer" else None

    def _same_origin(self, request: web.Request) -> bool:
        """A websocket opened by another site's page (the browser sends its Origin) is
        refused, token or not: otherwise any page could drive a loopback console."""
        origin = request.headers.get("Origin")
        if origin is None:
            return True  # not a browser page (a test client, curl)
        allowed = {request.host.lower(), urlsplit(self.public_url).netloc.lower()}
        return urlsplit(origin).netloc.lower() in allowed

    @web.middleware
    async def _guard(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.path == "/ws" and not self._same_origin(request):
            return web.Response(status=403, text=CROSS_ORIGIN)
        if self.token is None:
            return await handler(request)
        in_query = request.query.get(TOKEN_PARAM)
        if self._token_matches(in_query) and request.path != "/ws":
            # Trade the token in the URL for a cookie, and drop it from the address bar.
            query = request.url.query.copy()
            query.popall(TOKEN_PARAM)
            response = web.HTTPFound(request.rel_url.with_query(query))
            response.set_cookie(
                self.cookie_name,
                self.token,
                httponly=True,
                samesite="Strict",
                secure=self.public_url.startswith("https://"),
                path="/",
            )
            return response
        if (
            self._token_matches(in_query)
            or self._token_matches(request.cookies.get(self.cookie_name))
            or self._token_matches(self._bearer(request))
        ):
            return await handler(request)
        return web.Response(status=403, text=REFUSED)

    # Running ------------------------------------------------------------------------

    async def run(self, ready: Callable[[], None] | None = None) -> None:
        """Serve until SIGINT or SIGTERM; `ready` is called once the port is bound."""
        app = await self._make_app()
        runner = web.AppRunner(
            app, access_log=None, handle_signals=False, shutdown_timeout=SHUTDOWN_SECONDS
        )
        await runner.setup()
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        try:
            site = web.TCPSite(runner, self.host, self.port)
            await site.start()
            if ready is not None:
                ready()
            await stop.wait()
        finally:
            for signum in (signal.SIGINT, signal.SIGTERM):
                loop.remove_signal_handler(signum)
            await runner.cleanup()
