"""A small modal picker: a filter box over a list of choices; Enter picks, Esc cancels.

Used for severity, status, role, scenario and theme. The filter matches fuzzily (the
typed letters in order), so `dbpool` finds "Database connection pool exhaustion".
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList, TextArea
from textual.widgets.option_list import Option

from warroom.ui.footer import KeysFooter
from warroom.ui.safe_text import plain


@dataclass(frozen=True)
class Choice:
    value: str
    label: str
    hint: str = ""


def fuzzy_score(query: str, text: str) -> int | None:
    """None when the letters of `query` do not appear in order in `text`; else a score,
    lower is better. Letters that start a word or follow the previous match count most,
    so `dbpool` ranks "Database ... pool" above "Deployment ... rollback"."""
    query = query.casefold().replace(" ", "")
    text = text.casefold()
    if not query:
        return 0
    best: int | None = None
    for start in (i for i, char in enumerate(text) if char == query[0]):
        score = _score_from(query, text, start)
        if score is not None and (best is None or score < best):
            best = score
    return best


def _score_from(query: str, text: str, start: int) -> int | None:
    position = start
    score = start // 8
    for char in query[1:]:
        found = text.find(char, position + 1)
        if found < 0:
            return None
        if found == position + 1:
            score -= 2  # consecutive letters
        elif found > 0 and not text[found - 1].isalnum():
            score -= 1  # a word start
            score += (found - position) // 8
        else:
            score += found - position
        position = found
    return score


class PickerScreen(ModalScreen[str | None]):
    """Pick one value; dismisses with the value, or None when cancelled."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel"),
        Binding("down", "move(1)", show=False),
        Binding("up", "move(-1)", show=False),
    ]

    def __init__(
        self, title: str, choices: list[Choice], current: str | None = None, filter: bool = True
    ) -> None:
        super().__init__()
        self.title_text = title
        self.choices = choices
        self.current = current
        self.show_filter = filter

    def compose(self) -> ComposeResult:
        with Vertical(id="picker"):
            yield Label(plain(self.title_text), id="picker-title")
            if self.show_filter:
                yield Input(placeholder="type to filter, Enter to pick", id="picker-filter")
            yield OptionList(id="picker-options")
        yield KeysFooter()

    def on_mount(self) -> None:
        self._fill("")
        if self.show_filter:
            self.query_one(Input).focus()
        else:
            self.query_one(OptionList).focus()

    def _fill(self, query: str) -> None:
        options = self.query_one(OptionList)
        options.clear_options()
        scored = []
        for index, choice in enumerate(self.choices):
            score = fuzzy_score(query, f"{choice.value} {choice.label}")
            if score is not None:
                scored.append((score if query else index, index, choice))
        scored.sort()
        highlight = 0
        for position, (_, _, choice) in enumerate(scored):
            prompt = plain(choice.label)
            if choice.value == self.current:
                prompt.append("  (current)", "italic")
                highlight = position
            if choice.hint:
                prompt.append(plain(f"  {choice.hint}"))
            options.add_option(Option(prompt, id=choice.value))
        if scored:
            options.highlighted = highlight if not query else 0

    def on_input_changed(self, event: Input.Changed) -> None:
        self._fill(event.value)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._pick()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(event.option.id)

    def action_move(self, delta: int) -> None:
        options = self.query_one(OptionList)
        if options.option_count:
            current = options.highlighted or 0
            options.highlighted = max(0, min(current + delta, options.option_count - 1))

    def _pick(self) -> None:
        options = self.query_one(OptionList)
        if options.highlighted is None or not options.option_count:
            return
        self.dismiss(options.get_option_at_index(options.highlighted).id)

    def action_cancel(self) -> None:
        self.dismiss(None)


class TextPromptScreen(ModalScreen[str | None]):
    """Ask for text (edit an entry, a strike reason, a name). `multiline` gives a small
    editor instead of one line (editing a note keeps its lines): Enter still saves,
    ctrl+j starts a new line."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(
        self, title: str, value: str = "", placeholder: str = "", multiline: bool = False
    ) -> None:
        super().__init__()
        self.title_text = title
        self.value = value
        self.placeholder = placeholder
        self.multiline = multiline

    def compose(self) -> ComposeResult:
        from warroom.ui.panes.note_input import NoteInput

        with Vertical(id="picker"):
            yield Label(plain(self.title_text), id="picker-title")
            if self.multiline:
                yield NoteInput(text=self.value, id="prompt-input", placeholder=self.placeholder)
                yield Label(Text("Enter to save, ctrl+j for a new line, Esc to cancel"))
            else:
                yield Input(value=self.value, placeholder=self.placeholder, id="prompt-input")
                yield Label(Text("Enter to save, Esc to cancel"))
        yield KeysFooter()

    def on_mount(self) -> None:
        field = self.query_one("#prompt-input")
        field.focus()
        if isinstance(field, TextArea):  # the multi-line prompt
            field.move_cursor(field.document.end)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.dismiss(event.value)

    def on_note_input_submitted(self, event: Message) -> None:
        event.stop()
        self.dismiss(getattr(event, "value", None))

    def action_cancel(self) -> None:
        self.dismiss(None)


class ConfirmScreen(ModalScreen[bool]):
    """A yes/no question answered with one key: `y` confirms, `n` or escape goes back."""

    BINDINGS = [
        Binding("y", "answer(True)", "Yes"),
        Binding("n,escape", "answer(False)", "No"),
    ]

    def __init__(self, question: str, yes: str = "yes", no: str = "go back") -> None:
        super().__init__()
        self.question = question
        self.yes = yes
        self.no = no

    def compose(self) -> ComposeResult:
        with Vertical(id="picker"):
            yield Label(Text(self.question), id="picker-title")
            yield Label(Text(f"y: {self.yes}    n / Esc: {self.no}"))
        yield KeysFooter()

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)
