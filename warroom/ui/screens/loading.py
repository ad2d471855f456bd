"""The console's frame while the incident is read: header, the four panes, the footer.

Reading and folding a long incident takes a while (10,000 events: a few hundred
milliseconds). The app shows this screen first, with the main screen's layout (the same
ids and CSS: four titled panes on a large terminal, the timeline alone on a small one,
no services pane when none are configured), then reads the incident and switches to
`MainScreen`, which fills the panes. Nothing here reads the store.

Once the frame is drawn the app may show a preview on it (`show_preview`): the incident's
title and the end of its timeline, read from the ends of its file (`store.preview`).

Keys typed on this frame are kept (`early_keys`) and the header counts them; the app
hands them to the main screen once it is up (`warroom.ui.early_keys`).
"""

from __future__ import annotations

from datetime import tzinfo
from typing import TYPE_CHECKING

from textual import events
from textual.app import ComposeResult
from textual.containers import Container, Vertical
from textual.screen import Screen
from textual.widgets import Footer, Static

from warroom.model.text import inert
from warroom.ui.screens.main_layout import PANE_TITLES, PANES, WIDE_COLUMNS, WIDE_ROWS

if TYPE_CHECKING:
    from warroom.store.preview import Preview
    from warroom.ui.panes.timeline import TimelineView


class LoadingScreen(Screen[None]):
    def __init__(self, what: str | None, services: bool) -> None:
        """`what`: the incident being opened (None: the latest open one); `services`:
        whether any are configured (the services pane shows only then)."""
        super().__init__()
        self.what = what
        self.services = services
        self.early_keys: list[events.Key] = []
        self.title_preview = ""

    @property
    def _opening(self) -> str:
        name = inert(self.what, single_line=True) if self.what else "the latest open incident"
        title = inert(self.title_preview, single_line=True)
        return f"warroom: opening {name}{' ' + title if title else ''}…"

    async def show_preview(
        self, preview: Preview, zone: tzinfo | None, zone_name: str | None
    ) -> TimelineView:
        """The incident's title and the end of its timeline, read from its file while the
        whole incident is read: the entries as the timeline shows them, no cursor (the
        keys are kept for the incident, see `on_key`)."""
        from warroom.ui.panes.timeline import TimelineView

        self.what, self.title_preview = preview.incident_id, preview.title
        self.query_one("#header", Static).update(self._opening)
        pane = self.query_one("#pane-timeline")
        pane.border_title = "3 Timeline · the latest entries (reading the rest…)"
        timeline = TimelineView(zone=zone, zone_name=zone_name, id="preview-timeline")
        timeline.can_focus = False
        await pane.remove_children()
        await pane.mount(timeline)
        timeline.set_entries(preview.entries)
        return timeline

    def compose(self) -> ComposeResult:
        yield Static(self._opening, id="header", markup=False)
        with Container(id="panes"):
            for pane_id, title in zip(PANES, PANE_TITLES, strict=True):
                with Vertical(id=pane_id, classes="pane") as pane:
                    pane.border_title = title
                    yield Static("reading…", classes="loading", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.set_class(not self.services, "-no-services")

    def on_resize(self, event: events.Resize) -> None:
        small = event.size.width < WIDE_COLUMNS or event.size.height < WIDE_ROWS
        self.set_class(small, "-single")

    def on_key(self, event: events.Key) -> None:
        """Keep the key for the main screen (the app's own keys, ctrl+q, ran already)."""
        event.stop()
        event.prevent_default()
        self.early_keys.append(event)
        count = len(self.early_keys)
        kept = "1 key typed" if count == 1 else f"{count} keys typed"
        self.query_one("#header", Static).update(
            f"{self._opening} {kept}: kept, applied once it is open"
        )
