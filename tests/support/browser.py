"""A real headless Chromium driven through the DevTools protocol (no extra package).

`Browser` starts Debian's `chromium` with a fresh profile, opens one page and speaks
CDP over aiohttp's websocket client. `terminal_text` reads what xterm.js shows (its
buffer, the text behind the canvas) from the page textual-serve builds: the terminal
object is not global there, so it is found once on the JS heap (`Runtime.queryObjects`).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import itertools
import json
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aiohttp

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome")
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--remote-debugging-address=127.0.0.1",
    "--remote-debugging-port=0",
)

FIND_TERMINAL = """function () {
    const found = this.find((o) => {
        try {
            return o && typeof o === "object" && "websocket_url" in o
                && o.terminal && o.terminal.buffer && o.terminal.buffer.active;
        } catch (e) { return false; }
    });
    if (found) { window.__warroomTerminal = found.terminal; }
    return Boolean(found);
}"""
READ_TERMINAL = """(() => {
    const terminal = window.__warroomTerminal;
    if (!terminal) { return null; }
    const buffer = terminal.buffer.active, lines = [];
    for (let i = 0; i < buffer.length; i++) {
        const line = buffer.getLine(i);
        lines.push(line ? line.translateToString(true) : "");
    }
    return lines.join("\\n");
})()"""


def find_chromium() -> str | None:
    for name in CHROMIUM_NAMES:
        path = shutil.which(name)
        if path:
            return path
    return None


class Browser:
    """One headless Chromium with one page; use as `async with Browser(path) as b`."""

    def __init__(self, executable: str, width: int = 1280, height: int = 800) -> None:
        self.executable = executable
        self.size = (width, height)
        self._ids = itertools.count(1)
        self._pending: dict[int, asyncio.Future[dict[str, Any]]] = {}

    async def __aenter__(self) -> Browser:
        # Chromium's helper processes may still be writing the profile as it closes.
        self._profile = tempfile.TemporaryDirectory(
            prefix="warroom-chromium-", ignore_cleanup_errors=True
        )
        profile = Path(self._profile.name)
        self.process = subprocess.Popen(
            [
                self.executable,
                *CHROMIUM_FLAGS,
                f"--user-data-dir={profile}",
                f"--window-size={self.size[0]},{self.size[1]}",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        port_file = profile / "DevToolsActivePort"
        deadline = time.monotonic() + 20
        while not (port_file.exists() and port_file.read_text().strip()):
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("chromium did not open its DevTools port")
            await asyncio.sleep(0.05)
        port = int(port_file.read_text().split()[0])
        self._http = aiohttp.ClientSession()
        async with self._http.get(f"http://127.0.0.1:{port}/json/list") as response:
            targets = await response.json()
        page = next(t for t in targets if t.get("type") == "page")
        self._ws = await self._http.ws_connect(page["webSocketDebuggerUrl"], max_msg_size=0)
        self._reader = asyncio.create_task(self._read())
        await self.send("Page.enable")
        await self.send("Runtime.enable")
        return self

    async def __aexit__(self, *exc: object) -> None:
        with contextlib.suppress(Exception):  # closed properly, it takes its helpers along
            await asyncio.wait_for(
                self._ws.send_str(json.dumps({"id": 0, "method": "Browser.close"})), 5
            )
        self._reader.cancel()
        with contextlib.suppress(Exception):
            await self._ws.close()
        await self._http.close()
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        for _ in range(50):  # bounded: helpers that outlive the browser finish their writes
            self._profile.cleanup()
            if not Path(self._profile.name).exists():
                break
            await asyncio.sleep(0.1)

    async def _read(self) -> None:
        async for message in self._ws:
            data = json.loads(message.data)
            future = self._pending.pop(data.get("id", -1), None)
            if future is not None and not future.done():
                future.set_result(data)

    async def send(self, method: str, **params: Any) -> dict[str, Any]:
        message_id = next(self._ids)
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._pending[message_id] = future
        await self._ws.send_str(json.dumps({"id": message_id, "method": method, "params": params}))
        reply = await asyncio.wait_for(future, 30)
        if "error" in reply:
            raise RuntimeError(f"{method}: {reply['error']}")
        return reply.get("result", {})

    async def navigate(self, url: str) -> None:
        await self.send("Page.navigate", url=url)

    async def evaluate(self, expression: str) -> Any:
        result = await self.send("Runtime.evaluate", expression=expression, returnByValue=True)
        return result["result"].get("value")

    async def find_terminal(self) -> bool:
        """Keep textual-serve's xterm.js terminal in `window.__warroomTerminal`."""
        prototype = await self.send(
            "Runtime.evaluate", expression="Object.prototype", objectGroup="find"
        )
        objects = await self.send(
            "Runtime.queryObjects",
            prototypeObjectId=prototype["result"]["objectId"],
            objectGroup="find",
        )
        found = await self.send(
            "Runtime.callFunctionOn",
            functionDeclaration=FIND_TERMINAL,
            objectId=objects["objects"]["objectId"],
            returnByValue=True,
        )
        await self.send("Runtime.releaseObjectGroup", objectGroup="find")
        return bool(found["result"].get("value"))

    async def terminal_text(self) -> str:
        return await self.evaluate(READ_TERMINAL) or ""

    async def wait_for_text(self, *needles: str, timeout: float = 20) -> str:
        """The terminal's text once it contains every needle (polled, bounded)."""
        return await self.wait_until(
            lambda text: all(needle in text for needle in needles), f"{needles!r}", timeout
        )

    async def wait_until(self, shows: Callable[[str], bool], what: str, timeout: float = 20) -> str:
        """The terminal's text once `shows(text)` holds (polled every 0.1 s, bounded)."""
        deadline = time.monotonic() + timeout
        text = ""
        while time.monotonic() < deadline:
            if await self.evaluate("Boolean(window.__warroomTerminal)") or (
                await self.evaluate("document.readyState") == "complete"
                and await self.find_terminal()
            ):
                text = await self.terminal_text()
                if shows(text):
                    return text
            await asyncio.sleep(0.1)
        raise AssertionError(f"the page never showed {what}; it showed:\n{text}")

    async def type_text(self, text: str) -> None:
        """Keys into the terminal, as a person typing (xterm sends them to the console)."""
        await self.evaluate("window.__warroomTerminal && window.__warroomTerminal.focus()")
        await self.send("Input.insertText", text=text)

    async def press_enter(self) -> None:
        keys = {"key": "Enter", "code": "Enter", "windowsVirtualKeyCode": 13}
        await self.send("Input.dispatchKeyEvent", type="keyDown", text="\r", **keys)
        await self.send("Input.dispatchKeyEvent", type="keyUp", **keys)

    async def screenshot(self, path: Path) -> Path:
        result = await self.send("Page.captureScreenshot", format="png")
        path.write_bytes(base64.b64decode(result["data"]))
        return path
