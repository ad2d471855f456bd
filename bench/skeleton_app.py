"""The first-frame baseline: the console's widget tree with no data, run as a program.

    python -m bench.skeleton_app

A header, the four panes in a 2x2 grid with their titles (a table, an option list, a
scrolling log with a one-line input under it, a tab row over a text area) and a footer,
made of Textual's own widgets with the console's borders; it imports nothing of warroom.
It is started exactly as the console is (a fresh interpreter on a pseudo-terminal), so
the ratio of the two says what warroom adds to drawing that frame. The console's first
frame is the same titles on screen (`FRAME_MARKER`); its content, the last timeline
entry, comes after.
"""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Container, Vertical, VerticalScroll
from textual.widgets import DataTable, Footer, Input, OptionList, Static, Tab, Tabs, TextArea

# The last pane's title: on screen once the frame (header and pane borders) is drawn.
FRAME_MARKER = "4 Comms"
TITLES = ("1 Services", "2 Checklist", "3 Timeline", FRAME_MARKER)

CSS = """
Screen { layout: vertical; }
#header { dock: top; height: 2; padding: 0 1; background: $panel; }
#panes { layout: grid; grid-size: 2 2; grid-columns: 1fr 1fr; grid-rows: 1fr 1fr; height: 1fr; }
.pane { border: round $foreground 55%; background: $surface; height: 1fr; padding: 0; }
#timeline { height: 1fr; }
#note { dock: bottom; }
"""


class SkeletonApp(App[None]):
    CSS = CSS
    BINDINGS = [
        Binding("ctrl+q", "quit", "Quit", priority=True),
        *(Binding(key, "bell", title) for key, title in zip("nsuorRez", "NSUORREZ", strict=True)),
    ]

    def compose(self) -> ComposeResult:
        yield Static("warroom", id="header")
        with Container(id="panes"):
            with Vertical(classes="pane"):
                yield DataTable()
            with Vertical(classes="pane"):
                yield OptionList()
            with Vertical(classes="pane"):
                yield VerticalScroll(id="timeline")
                yield Input(id="note")
            with Vertical(classes="pane"):
                yield Tabs(Tab("Internal", id="internal"), Tab("Customers", id="customers"))
                yield TextArea()
        yield Footer()

    def on_mount(self) -> None:
        for pane, title in zip(self.query(".pane"), TITLES, strict=True):
            pane.border_title = title


if __name__ == "__main__":
    SkeletonApp().run()
