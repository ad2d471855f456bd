"""Keys typed while the loading frame is up: kept, then handed to the main screen.

The frame (`screens/loading.py`) is on screen while the incident is read, and an IC who
sees it starts typing (`n`, a note, Enter). Those keys used to reach a screen with no
bindings and vanish. The frame keeps them; once the main screen is up, `replay` sends
them one at a time, each after the previous one has been handled, so `n` has moved the
focus to the note line before the note's first letter arrives (sent together, every
letter would go to the widget focused when it arrived: the timeline, as commands).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterable
from typing import Any

from textual import events
from textual.app import App
from textual.dom import DOMNode
from textual.message_pump import MessagePump

STEP_TIMEOUT = 5.0
"""A widget that has not reached a key after this many seconds is not waited for."""


async def _after_queued(pump: MessagePump) -> None:
    """Return once `pump` has handled every message queued to it now (its queue is
    first in, first out: a callback queued behind them runs after them)."""
    reached = asyncio.Event()
    if pump.call_later(reached.set):
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(reached.wait(), STEP_TIMEOUT)


async def handled(app: App[object]) -> None:
    """Return once a key just posted to `app` has been handled the way Textual routes it:
    the app forwards it to the focused widget (or the screen), it bubbles up to the
    screen and back to the app (the bindings), and what the binding queued on the app
    (a focus change, a screen) has run."""
    await _after_queued(app)
    node: DOMNode | None = app.focused or app.screen
    while node is not None and node is not app:
        await _after_queued(node)
        node = node.parent
    await _after_queued(app)  # the key's bindings, bubbled back up
    await _after_queued(app)  # what they queued (focus(), push_screen)


async def replay(app: App[Any], keys: Iterable[events.Key]) -> None:
    """Send `keys` to the app as if typed now, each once the previous one is handled.
    Call from a task other than the app's own (a worker)."""
    # The screen's mount first (it focuses the timeline), then that focus change: a key
    # sent before would have its focus taken back.
    await _after_queued(app.screen)
    await _after_queued(app)
    for key in keys:
        app.post_message(events.Key(key.key, key.character))
        await handled(app)
