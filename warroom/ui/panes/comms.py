"""The comms composer pane: pick a template, read or edit the filled draft, copy it.

The draft refills itself from the incident until the responder edits it; after an edit it
stays as written until they ask for a refill (`ctrl+r`). `y` on the template tabs (or
`ctrl+s` inside the editor) copies it; `escape` leaves the editor. Text goes into a
`TextArea`, which never interprets markup.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Tab, Tabs, TextArea

from warroom.model.comms import CommsTemplate
from warroom.ui.safe_text import plain


class CommsComposer(Vertical):
    """Template tabs over an editable draft."""

    BINDINGS = [
        Binding("y", "copy", "Copy draft", id="comms.copy"),
        Binding("ctrl+s", "copy", "Copy draft", show=False, id="comms.copy_from_editor"),
        Binding("ctrl+r", "refill", "Refill", id="comms.refill"),
        Binding("escape", "leave_editor", "Done editing", show=False),
    ]

    class CopyRequested(Message):
        def __init__(self, template: CommsTemplate, text: str) -> None:
            super().__init__()
            self.template = template
            self.text = text

    class RefillRequested(Message):
        pass

    def __init__(self, templates: list[CommsTemplate], **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.templates = templates
        self.edited = False
        self._setting = False

    def compose(self) -> ComposeResult:
        tabs = (Tab(plain(t.title), id=f"tpl-{t.id}") for t in self.templates)
        yield Tabs(*tabs, id="comms-templates")
        yield TextArea("", id="comms-draft", soft_wrap=True, show_line_numbers=False)

    @property
    def template(self) -> CommsTemplate | None:
        tabs = self.query_one(Tabs)
        active = tabs.active or ""
        for template in self.templates:
            if f"tpl-{template.id}" == active:
                return template
        return self.templates[0] if self.templates else None

    @property
    def draft(self) -> str:
        return self.query_one(TextArea).text

    def set_draft(self, text: str, force: bool = False) -> None:
        if self.edited and not force:
            return
        area = self.query_one(TextArea)
        if area.text == text:
            return
        self._setting = True
        area.load_text(text)
        self.edited = False

    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        if self._setting:
            self._setting = False
            return
        self.edited = True

    def on_tabs_tab_activated(self, event: Tabs.TabActivated) -> None:
        event.stop()
        self.edited = False
        self.post_message(self.RefillRequested())

    def action_copy(self) -> None:
        template = self.template
        if template is not None:
            self.post_message(self.CopyRequested(template, self.draft))

    def action_leave_editor(self) -> None:
        self.query_one(Tabs).focus()

    def action_refill(self) -> None:
        self.edited = False
        self.post_message(self.RefillRequested())
