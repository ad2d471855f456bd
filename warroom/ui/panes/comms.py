"""The comms composer pane: pick an audience's template, read or edit the draft, copy it.

The draft refills itself from the incident until the responder edits it; after an edit it
stays as written until they ask for a refill (`ctrl+r`). Above the draft one line says
who the draft is for and what it promises, and flags any fact it had to leave out.
`enter` or `i` edits the draft, `escape` leaves the editor; `y` on the template tabs (or
`ctrl+s` in the editor) copies; `S` sends it to the audience's channels after a preview.
Text goes into a `TextArea` and the flags into `Text`, so nothing from the incident is
read as markup.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Static, Tab, Tabs, TextArea

from warroom.model.comms import CommsTemplate, Draft
from warroom.model.situation import clock
from warroom.ui.safe_text import plain


class CommsComposer(Vertical):
    """Template tabs, the audience and flags line, and the editable draft."""

    BINDINGS = [
        Binding("y", "copy", "Copy draft", id="comms.copy", tooltip="copy the draft"),
        Binding(
            "ctrl+s",
            "copy",
            "Copy draft",
            show=False,
            id="comms.copy_from_editor",
            tooltip="copy the draft (in the editor)",
        ),
        Binding(
            "ctrl+r",
            "refill",
            "Refill",
            id="comms.refill",
            tooltip="refill the draft from the incident",
        ),
        Binding(
            "S",
            "send",
            "Send",
            id="comms.send",
            tooltip="send the draft to its audience's channels (preview, y/n)",
        ),
        Binding("enter", "edit", "Edit draft", id="comms.edit", tooltip="edit the draft"),
        Binding(
            "i", "edit", "Edit draft", show=False, id="comms.edit_insert", tooltip="edit the draft"
        ),
        Binding(
            "escape",
            "leave_editor",
            "Done editing",
            id="comms.leave_editor",
            tooltip="leave the editor",
        ),
    ]

    class CopyRequested(Message):
        def __init__(self, template: CommsTemplate, text: str, draft: Draft | None) -> None:
            super().__init__()
            self.template = template
            self.text = text
            self.draft = draft

    class SendRequested(Message):
        """`S`: send the draft to the audience's channels (after a preview)."""

        def __init__(self, template: CommsTemplate, text: str, draft: Draft | None) -> None:
            super().__init__()
            self.template = template
            self.text = text
            self.draft = draft

    class RefillRequested(Message):
        pass

    def __init__(self, templates: list[CommsTemplate], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.templates = templates
        self.edited = False
        self.last_draft: Draft | None = None
        self.record_key = "R"
        self._setting = False

    def compose(self) -> ComposeResult:
        tabs = (Tab(plain(t.title), id=f"tpl-{t.id}") for t in self.templates)
        yield Tabs(*tabs, id="comms-templates")
        yield Static("", id="comms-about")
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

    @property
    def editing(self) -> bool:
        return self.query_one(TextArea).has_focus

    def set_draft(self, draft: Draft, force: bool = False) -> None:
        """Show a freshly rendered draft (kept as written when the responder edited it)."""
        self.last_draft = draft
        self._show_about(draft)
        if self.edited and not force:
            return
        area = self.query_one(TextArea)
        if area.text == draft.text:
            return
        self._setting = True
        area.load_text(draft.text)
        self.edited = False

    def _show_about(self, draft: Draft) -> None:
        about = Text(no_wrap=False)
        about.append(f"For {draft.template.audience}", "bold")
        if draft.template.external:
            about.append(" (external: nothing internal)")
        if draft.promise is not None:
            promised = clock(draft.promise, draft.promise, seconds=True)
            about.append(f" · promises the next update by {promised}")
        if self.edited:
            about.append(" · edited (ctrl+r refills)")
        for flag in draft.flags(self.record_key):
            about.append("\n⚠ " + flag, "bold")
        self.query_one("#comms-about", Static).update(about)

    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        if self._setting:
            self._setting = False
            return
        if not self.edited and self.last_draft is not None:
            self.edited = True
            self._show_about(self.last_draft)
        self.edited = True

    def on_tabs_tab_activated(self, event: Tabs.TabActivated) -> None:
        event.stop()
        self.edited = False
        self.post_message(self.RefillRequested())

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "leave_editor":
            return self.editing
        if action == "edit":
            return not self.editing
        return True

    def action_copy(self) -> None:
        template = self.template
        if template is not None:
            self.post_message(self.CopyRequested(template, self.draft, self.last_draft))

    def action_send(self) -> None:
        template = self.template
        if template is not None:
            self.post_message(self.SendRequested(template, self.draft, self.last_draft))

    def action_edit(self) -> None:
        self.query_one(TextArea).focus()

    def action_leave_editor(self) -> None:
        self.query_one(Tabs).focus()

    def action_refill(self) -> None:
        self.edited = False
        self.post_message(self.RefillRequested())

    def action_next_template(self, step: int = 1) -> None:
        tabs = self.query_one(Tabs)
        if step > 0:
            tabs.action_next_tab()
        else:
            tabs.action_previous_tab()
