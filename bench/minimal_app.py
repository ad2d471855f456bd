"""The start-up and memory baseline: the smallest Textual app, one Static, run as a program.

    python -m bench.minimal_app

It is started exactly as the console is (a fresh interpreter on a pseudo-terminal), so
the ratio of the two says what warroom adds to Python and Textual themselves.
"""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.widgets import Static

READY = "warroom-bench: minimal app ready"


class MinimalApp(App[None]):
    def compose(self) -> ComposeResult:
        yield Static(READY)


if __name__ == "__main__":
    MinimalApp().run()
