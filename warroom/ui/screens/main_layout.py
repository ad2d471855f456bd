"""The main screen's layout: four panes on a large terminal, one pane at a time on a small one.

From `WIDE_COLUMNS` x `WIDE_ROWS` up, the four panes share the screen. Below that (80x24,
a laptop split), the screen shows the header, a tab bar naming the four panes, the pane
that has the focus, and the footer: `1`-`4`, `tab` and a click on the tab bar switch pane,
and nothing is squeezed into a quarter of a small screen. With no services configured, the
services pane gives its space to the others. Mixed into `MainScreen`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual import events
from textual.widgets import Footer, Tabs

if TYPE_CHECKING:
    from textual.widget import Widget

WIDE_COLUMNS = 100
WIDE_ROWS = 30
PANES = ("pane-status", "pane-checklist", "pane-timeline", "pane-comms")
PANE_TITLES = ("1 Services", "2 Checklist", "3 Timeline", "4 Comms")
PANE_FOCUS = {
    "pane-status": "#status-table",
    "pane-checklist": "#checklist",
    "pane-timeline": "#timeline",
    "pane-comms": "#comms-templates",
}


class PaneLayout:
    """Pane focus, zoom and the single-pane layout; `MainScreen` provides the widgets."""

    if TYPE_CHECKING:  # provided by Screen
        focused: Widget | None
        maximized: Widget | None
        size: Any

        def query_one(self, selector: Any, expect_type: Any = None) -> Any: ...
        def set_class(self, add: bool, *class_names: str, update: bool = True) -> Any: ...
        def has_class(self, *class_names: str) -> bool: ...
        def maximize(self, widget: Widget, container: bool = True) -> bool: ...
        def minimize(self) -> None: ...
        def notify(self, message: str, **kwargs: Any) -> None: ...

    @property
    def single_pane(self) -> bool:
        return self.has_class("-single")

    def _layout_for(self, width: int, height: int) -> None:
        single = width < WIDE_COLUMNS or height < WIDE_ROWS
        self.set_class(single, "-single")
        self.query_one(Footer).compact = single
        current = self._current_pane()
        self._show_pane(current if current >= 0 else PANES.index("pane-timeline"))

    def on_resize(self, event: events.Resize) -> None:
        self._layout_for(event.size.width, event.size.height)

    def set_services_configured(self, configured: bool) -> None:
        self.set_class(not configured, "-no-services")

    def _current_pane(self) -> int:
        focused = self.focused
        for index, pane_id in enumerate(PANES):
            if focused is not None and any(a.id == pane_id for a in focused.ancestors_with_self):
                return index
        return -1

    def _show_pane(self, index: int) -> None:
        """Mark the pane on screen in the single-pane layout, and its tab."""
        for position, pane_id in enumerate(PANES):
            self.query_one(f"#{pane_id}").set_class(position == index, "-shown")
        tabs = self.query_one("#pane-tabs", Tabs)
        if tabs.active != f"tab-{PANES[index]}":
            tabs.active = f"tab-{PANES[index]}"

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        index = self._current_pane()
        if index >= 0:
            self._show_pane(index)

    def on_tabs_tab_activated(self, event: Tabs.TabActivated) -> None:
        if event.tabs.id != "pane-tabs" or event.tab.id is None:
            return
        event.stop()
        if not self.single_pane:
            return  # the tab bar is hidden: only a click on it (small screens) moves focus
        pane = event.tab.id.removeprefix("tab-")
        if pane in PANES and self._current_pane() != PANES.index(pane):
            self.action_focus_pane(PANES.index(pane))

    def action_focus_pane(self, index: int) -> None:
        hidden = self.has_class("-no-services") and not self.single_pane
        if PANES[index] == "pane-status" and hidden:
            self.notify("No services configured: add [[service]] to warroom.toml")
            return
        self._show_pane(index)
        self.query_one(PANE_FOCUS[PANES[index]]).focus()

    def action_zoom(self) -> None:
        if self.maximized is not None:
            self.minimize()
            return
        index = self._current_pane()
        if index >= 0:
            self.maximize(self.query_one(f"#{PANES[index]}"), container=False)

    def _step_pane(self, delta: int) -> None:
        index = self._current_pane()
        for _ in PANES:
            index = (index + delta) % len(PANES)
            if PANES[index] != "pane-status" or not self.has_class("-no-services"):
                break
        self.action_focus_pane(index)

    def action_next_pane(self) -> None:
        self._step_pane(1)

    def action_previous_pane(self) -> None:
        self._step_pane(-1)
