"""The todo board (`T`): every action item with its owner, due date and done state.

`n` writes one (`@name` in it names the owner), `o` sets the owner of the selected one,
`u` its due date (`2026-12-02`, `+3d`, `tomorrow`), `space` marks it done or open again,
`escape` closes. Open items come first; an item past its due date says `overdue`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, tzinfo

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import DataTable, Label

from warroom.model.actions import ActionItem, DueDateError, action_items, due_words, parse_due
from warroom.model.text import inert
from warroom.ui.footer import KeysFooter
from warroom.ui.screens.command_board import COMMON_CSS as _CSS
from warroom.ui.screens.command_board import BoardHost, CommandBoard, fill_table
from warroom.ui.screens.picker import TextPromptScreen

KEYS = "n new  o owner  u due date  space done/open  esc close"


def _plain(text: str) -> str:
    return inert(text, single_line=True)


class TodoBoardScreen(CommandBoard):
    CSS = _CSS.format(name="TodoBoardScreen")
    BINDINGS = [
        Binding("n", "new", "New", id="todos.new"),
        Binding("o", "owner", "Owner", id="todos.owner"),
        Binding("u", "due", "Due date", id="todos.due"),
        Binding("space", "toggle_done", "Done / open", id="todos.done"),
        Binding("escape", "close", "Close"),
    ]

    def __init__(
        self, host: BoardHost, clock: Callable[[], datetime], zone: tzinfo | None = None
    ) -> None:
        super().__init__(host)
        self.clock = clock
        self.zone = zone

    def compose(self) -> ComposeResult:
        with Vertical(id="todos"):
            yield Label("", id="todos-title", classes="board-title")
            table: DataTable[Text] = DataTable(id="todos-table", cursor_type="row")
            yield table
            yield Label("", id="todos-detail", classes="board-detail")
            yield Label(Text(KEYS), classes="board-keys")
        yield KeysFooter()

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one(DataTable).focus()

    def items(self) -> list[ActionItem]:
        found = action_items(self.state)
        return [i for i in found if not i.done] + [i for i in found if i.done]

    def show(self) -> None:
        items = self.items()
        still = sum(1 for i in items if not i.done)
        unowned = sum(1 for i in items if not i.done and not i.owner)
        title = f"Action items: {still} open of {len(items)}" if items else "Action items: none"
        if unowned:
            title += f", {unowned} without an owner"
        self.query_one("#todos-title", Label).update(Text(title))
        table = self.query_one(DataTable)
        keep = self.selected_row(table)
        rows = []
        for item in items:
            late = item.overdue(self.clock())
            due = due_words(item.due) + (" overdue" if late else "")
            cells = [
                Text("☑" if item.done else "☐"),
                Text(_plain(item.text), style="strike" if item.done else ""),
                Text(_plain(item.owner) or "nobody", style="" if item.owner else "italic"),
                Text(due or "-", style="bold reverse" if late else ""),
            ]
            rows.append((item.id, cells))
        fill_table(table, ("", "Action item", "Owner", "Due"), rows, self.app.size.width)
        if keep is not None and keep in {i.id for i in items}:
            table.move_cursor(row=table.get_row_index(keep))
        self._show_detail()

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_detail()

    def selected(self) -> ActionItem | None:
        wanted = self.selected_row(self.query_one(DataTable))
        return next((i for i in action_items(self.state) if i.id == wanted), None)

    def _show_detail(self) -> None:
        item = self.selected()
        label = self.query_one("#todos-detail", Label)
        if item is None:
            label.update(Text("Follow-ups with an owner reach every update until done."))
            return
        logged = f"logged {item.entry.at:%H:%M UTC} by {_plain(item.entry.event.author)}"
        if item.done_event is not None:
            logged += f"; done {item.done_event.at:%H:%M UTC} by {_plain(item.done_event.author)}"
        label.update(Text(f"{_plain(item.text)}\n{logged}"))

    def _need_selected(self) -> ActionItem | None:
        item = self.selected()
        if item is None:
            self.notify("No action item selected (n writes one)", severity="warning")
        return item

    def action_new(self) -> None:
        def written(text: str | None) -> None:
            if text and text.strip():
                self.write(self.notes.add_todo(self.state.id, text))

        self.app.push_screen(
            TextPromptScreen(
                "New action item (@name in it names the owner)",
                placeholder="e.g. rotate the replication key @marco",
            ),
            written,
        )

    def action_owner(self) -> None:
        item = self._need_selected()
        if item is None:
            return

        def named(owner: str | None) -> None:
            if owner is not None and owner.strip() != item.owner:
                self.write(self.notes.update_todo(self.state, item.id, owner=owner))

        self.app.push_screen(
            TextPromptScreen("Owner (empty: nobody)", item.owner, placeholder="e.g. @marco"),
            named,
        )

    def action_due(self) -> None:
        item = self._need_selected()
        if item is None:
            return

        def dated(text: str | None) -> None:
            if text is None:
                return
            try:
                due = parse_due(text, self.clock(), self.zone)
            except DueDateError as error:
                self.notify(str(error), severity="error", timeout=6)
                return
            if due != item.due:
                self.write(self.notes.update_todo(self.state, item.id, due=due))

        self.app.push_screen(
            TextPromptScreen(
                "Due date (empty: none)",
                item.due,
                placeholder="2026-12-02, +3d, tomorrow, +30m, +2h",
            ),
            dated,
        )

    def action_toggle_done(self) -> None:
        item = self._need_selected()
        if item is not None:
            service = self.host.command_notes.service
            self.write(service.todo_done(self.state, item.id, done=not item.done))
