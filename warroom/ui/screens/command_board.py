"""What the hypotheses board (`h`) and the todo board (`T`) share: a modal that shows the
incident's live state through its host (the main screen), writes through the host's
`_do` (the event is stored, then absorbed, then shown), and redraws when another console
changes the incident.
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any, Protocol

from rich.text import Text
from textual.screen import ModalScreen
from textual.widgets import DataTable

from warroom.model.events import Event
from warroom.model.incident import IncidentState
from warroom.services.command_notes import CommandNotes

# A board is at most this wide (its border and padding take 4 more columns).
BOARD_WIDTH = 100
# A column other than the text column is at most this wide.
MAX_COLUMN = 24

# How often a board looks for events written by other consoles (the host absorbs them).
REDRAW_SECONDS = 0.5

COMMON_CSS = """
{name} {{
    align: center middle;
    background: $background 60%;
}}
{name} > Vertical {{
    width: 100;
    max-width: 100%;
    height: auto;
    max-height: 100%;
    border: round $accent;
    background: $surface;
    padding: 0 1;
}}
{name} .board-title {{
    text-style: bold;
    width: 100%;
}}
{name} DataTable {{
    height: auto;
    max-height: 12;
    background: $surface;
}}
{name} .board-detail {{
    height: auto;
    max-height: 6;
    width: 100%;
    padding-top: 1;
}}
{name} .board-keys {{
    width: 100%;
    padding-top: 1;
}}
"""


class BoardHost(Protocol):
    """The main screen, as a board sees it."""

    @property
    def state(self) -> IncidentState: ...

    def _do(self, work_coro: Awaitable[Event | None]) -> Awaitable[Event | None]: ...

    @property
    def command_notes(self) -> CommandNotes: ...


class CommandBoard(ModalScreen[None]):
    """A board over the host's state; subclasses draw it in `show`."""

    def __init__(self, host: BoardHost) -> None:
        super().__init__()
        self.host = host
        self._drawn_events = -1

    @property
    def state(self) -> IncidentState:
        return self.host.state

    @property
    def notes(self) -> CommandNotes:
        return self.host.command_notes

    def on_mount(self) -> None:
        self.redraw()
        self.set_interval(REDRAW_SECONDS, self._redraw_if_changed)

    def _redraw_if_changed(self) -> None:
        if len(self.state.events) != self._drawn_events:
            self.redraw()

    def redraw(self) -> None:
        self._drawn_events = len(self.state.events)
        self.show()

    def show(self) -> None:  # pragma: no cover - every board draws itself
        raise NotImplementedError

    def write(self, work_coro: Awaitable[Event | None]) -> None:
        """Store the change through the host (errors are its notifications), then redraw."""

        async def run() -> None:
            await self.host._do(work_coro)
            self.redraw()

        self.run_worker(run(), exit_on_error=False)

    def action_close(self) -> None:
        self.dismiss(None)

    def selected_row(self, table: Any) -> str | None:
        """The row key under the cursor, or None when the table is empty."""
        if not table.row_count:
            return None
        row = max(0, min(table.cursor_row, table.row_count - 1))
        return str(table.coordinate_to_cell_key((row, 0)).row_key.value)


def fill_table(
    table: DataTable[Text],
    labels: tuple[str, ...],
    rows: list[tuple[str, list[Text]]],
    screen_width: int,
    flexible: int = 1,
) -> None:
    """Refill `table` with columns sized to what they hold now (DataTable's own sizing
    kept a column as narrow as its first content, cutting `2026-11-24` to `202`): each
    column as wide as its widest cell (at most MAX_COLUMN), the `flexible` one (the text)
    taking what is left, its cells cut with an ellipsis."""
    fixed = {}
    for index, label in enumerate(labels):
        if index != flexible:
            widest = max([len(label), *(row[1][index].cell_len for row in rows)])
            fixed[index] = min(widest, MAX_COLUMN)
    room = min(screen_width, BOARD_WIDTH) - 4 - 2  # border and padding; the scrollbar
    spare = room - sum(fixed.values()) - 2 * len(labels)  # cell padding
    text_width = max(12, spare)
    table.clear(columns=True)
    for index, label in enumerate(labels):
        table.add_column(label, width=fixed.get(index, text_width), key=str(index))
    for key, cells in rows:
        shown = []
        for index, cell in enumerate(cells):
            width = fixed.get(index, text_width)
            if cell.cell_len > width:
                cell = cell.copy()
                cell.truncate(width, overflow="ellipsis")
            shown.append(cell)
        table.add_row(*shown, key=key)
